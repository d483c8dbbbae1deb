/**
 * vitest global setup for `npm run test:swift`: provides an OpenStack Swift with the s3api middleware
 * (`scripts/local-swift-s3.sh`) on `S3_TEST_SWIFT_PORT` (8480; its object, container and account servers on
 * `S3_TEST_SWIFT_BACKEND_PORT` 6210-6212, memcached on `S3_TEST_SWIFT_MEMCACHED_PORT` 11311) and points the
 * suite at it through `S3_TEST_ENDPOINT`, `S3_TEST_ACCESS_KEY` and `S3_TEST_SECRET_KEY`, which the regular
 * global setup (run after this one) then uses instead of starting Ceph. `S3_TEST_SERVER=swift` lets a test skip
 * what only the Ceph instance can do (restarting its own radosgw).
 *
 * An instance already running on that port is reused and left running; one started here is stopped at
 * teardown unless `KEEP_S3=1`.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './run-cli.js';

const SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'local-swift-s3.sh');

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const running = await runScript('status');
  const started = running.code === 0 ? running : await runScript('start');
  if (started.code !== 0) {
    throw new Error(
      `start Swift: scripts/local-swift-s3.sh start exited with ${started.code}; see its log above`,
    );
  }
  const match = /ENDPOINT=(\S+) ACCESS_KEY=(\S+) SECRET_KEY=(\S+)/.exec(started.stdout);
  if (!match)
    throw new Error(
      `start Swift: no ENDPOINT line in the script's output: ${JSON.stringify(started.stdout)}`,
    );
  process.env.S3_TEST_ENDPOINT = match[1];
  process.env.S3_TEST_ACCESS_KEY = match[2];
  process.env.S3_TEST_SECRET_KEY = match[3];
  process.env.S3_TEST_REGION = 'us-east-1';
  process.env.S3_TEST_SERVER = 'swift';
  const startedHere = running.code !== 0;
  return startedHere && process.env.KEEP_S3 !== '1'
    ? () => runScript('stop').then(() => undefined)
    : undefined;
}

function runScript(command: 'start' | 'stop' | 'status'): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, command], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        SWIFT_PORT: process.env.S3_TEST_SWIFT_PORT ?? '8480',
        SWIFT_BACKEND_PORT: process.env.S3_TEST_SWIFT_BACKEND_PORT ?? '6210',
        SWIFT_MEMCACHED_PORT: process.env.S3_TEST_SWIFT_MEMCACHED_PORT ?? '11311',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout }));
  });
}
