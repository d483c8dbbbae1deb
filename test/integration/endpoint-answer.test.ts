/**
 * An endpoint that never answers is a configuration error found in about 10 s: each retry is announced, and the
 * run exits 2 naming the endpoint. An endpoint that answered (with an error) gets the normal retries instead.
 */
import { chmod } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs, writeConfig, writeFiles } from '../support/fixtures.js';
import { defaultRunFiles, readLogRows } from '../support/run-outcomes.js';
import { runCli } from '../support/run-cli.js';
import { getS3Env, testServerConfig } from '../support/s3-env.js';
import { deleteBucket, startHarness, uploadArgs, type Harness } from './transfer-harness.js';
import { createTestBucket } from '../support/s3-env.js';

let root: string;
let bucket: string;
const harnesses: Harness[] = [];

beforeAll(async () => {
  root = await makeTempDir('endpoint-answer');
  await writeFiles(path.join(root, 'project'), { 'config/survey.yaml': 'crew: 2\n' });
  bucket = await createTestBucket('endpoint-answer');
});

afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.proxy.close()));
  await deleteBucket(bucket).catch(() => {});
  await removeTempDirs();
});

/** A port on which nothing listens: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server that accepts connections and never says a word. */
async function silentServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, sockets };
}

async function uploadTo(endpoint: string, ...extra: string[]): Promise<Awaited<ReturnType<typeof runCli>>> {
  const env = getS3Env();
  const configPath = await writeConfig(await makeTempDir('endpoint-config'), {
    bucket,
    ...testServerConfig(env),
    endpoint_url: endpoint,
  });
  await chmod(configPath, 0o600);
  const args = ['--config', configPath, '--folder', path.join(root, 'project'), '--project-key', 'P1'];
  return runCli([...args, '--state-dir', path.join(root, 'state'), ...extra], { timeoutMs: 60_000 });
}

describe('an endpoint that does not answer', () => {
  it('announces each retry and exits 2 naming the endpoint, without the retries meant for a server that answered', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const result = await uploadTo(endpoint, '--json');
    // how soon it gives up is the wait's budget, tested without a clock in the unit tests: a bound on wall time
    // here would fail on a busy machine
    expect(result.timedOut).toBe(false);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(
        ` warn retrying connect to endpoint ${endpoint} in [\\d.]+s: attempt 1 of 12 failed: connection refused`,
      ),
    );
    const last = result.stderr.trim().split('\n').at(-1);
    expect(last).toMatch(
      new RegExp(
        `^upload-to-s3: connect to endpoint ${endpoint}: connection refused, no answer to \\d+ attempt`,
      ),
    );
    expect(last).toContain('check endpoint_url / --endpoint');
    // --json: stdout stays JSON lines, the last one the error
    const records = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.at(-1)).toMatchObject({ type: 'error', exit_code: 2 });
  });

  it('gives up on a server that accepts connections but never answers', async () => {
    const silent = await silentServer();
    try {
      const endpoint = `http://127.0.0.1:${silent.port}`;
      const result = await uploadTo(endpoint);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(
        new RegExp(
          `upload-to-s3: connect to endpoint ${endpoint}: no answer within \\d+ s, no answer to 1 attempt`,
        ),
      );
    } finally {
      for (const socket of silent.sockets) socket.destroy();
      silent.server.close();
    }
  });

  it('exits 2, not 1, when the bucket is refused with a 4xx no retry changes', async () => {
    const h = await startHarness(bucket, 'P3', [{ action: 'method-not-allowed-405', times: Infinity }]);
    harnesses.push(h);
    await writeFiles(h.projectDir, { 'config/survey.yaml': 'crew: 2\n' });
    const result = await runCli(uploadArgs(h));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`open bucket ${bucket}: .*HTTP 405`));
    expect(h.proxy.stats().byOperation.PutObject ?? 0).toBe(0);
  });

  it('retries as usual when the server answered with an error, and the run succeeds', async () => {
    const h = await startHarness(bucket, 'P2', [
      { match: { operation: 'HeadBucket' }, action: 'slowdown-503', times: 2 },
    ]);
    harnesses.push(h);
    await writeFiles(h.projectDir, { 'config/survey.yaml': 'crew: 2\n' });
    const result = await runCli(uploadArgs(h));
    expect(result.code, result.stderr).toBe(0);
    // not the announcements of an endpoint that does not answer (`retrying connect to endpoint ...`), but the client's own retry
    expect(result.stderr).not.toMatch(/retrying connect to endpoint/);
    expect(result.stderr).toMatch(/warn retrying open bucket now: attempt 1 of 12 failed: .*HTTP 503/);
    expect(h.proxy.stats().byOperation.HeadBucket).toBe(3);
  });
});

/** A web server answering every request with an HTML page and `status`, reading whatever body comes. */
async function webServer(status: number): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const server = createHttpServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><html><head><title>Console</title></head><body>sign in</body></html>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('an endpoint that answers with web pages, not as S3 does', () => {
  it('is named at once when it answers the bucket with a 404 page', async () => {
    const web = await webServer(404);
    try {
      const result = await uploadTo(web.endpoint);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `open bucket ${bucket}: ${web.endpoint} answered HTTP 404 with a web page, not as S3 answers; check endpoint_url`,
      );
      expect(result.stderr).not.toMatch(/XML|parse|\n\s+at /);
    } finally {
      await web.close();
    }
  });

  it('never counts a file as uploaded when every request is answered 200 with a page', async () => {
    const web = await webServer(200);
    const state = path.join(root, 'state-web');
    try {
      const folder = path.join(root, 'web-project');
      await writeFiles(folder, { 'config/survey.yaml': 'crew: 2\n' });
      const env = getS3Env();
      const configPath = await writeConfig(await makeTempDir('endpoint-web'), {
        bucket,
        ...testServerConfig(env),
        endpoint_url: web.endpoint,
      });
      await chmod(configPath, 0o600);
      const args = [
        '--config',
        configPath,
        '--folder',
        folder,
        '--project-key',
        'WEB1',
        '--state-dir',
        state,
      ];
      const small = await runCli(args, { timeoutMs: 60_000 });
      expect(small.code).toBe(2);
      expect(small.stderr).toContain(
        'upload WEB1/config/survey.yaml: the server answered without an ETag, which every S3 server sends',
      );
      await writeFiles(folder, { 'reels/R1/R1.mp4': { sizeBytes: 20 * 1024 * 1024, seed: 'web' } });
      const large = await runCli([...args, '--include', 'reels'], { timeoutMs: 60_000 });
      expect(large.code).toBe(2);
      expect(large.stderr).toContain(
        'start upload of WEB1/reels/R1/R1.mp4: the server answered without an upload id, which every S3 server sends',
      );
      const rows = await readLogRows(defaultRunFiles(state, bucket, 'WEB1').logCsv);
      expect(rows.filter((row) => row.outcome === 'uploaded')).toEqual([]);
    } finally {
      await web.close();
    }
  });
});

describe('an endpoint written with a path', () => {
  it("names the bucket's URL copied as the endpoint, and a path the server knows no bucket under (exit 2)", async () => {
    const root = getS3Env().endpoint;
    const withBucket = await uploadTo(`${root}/${bucket}`);
    expect(withBucket.code, withBucket.stderr).toBe(2);
    expect(withBucket.stderr.trim().split('\n').at(-1)).toBe(
      `upload-to-s3: open bucket ${bucket}: not found (NoSuchKey, HTTP 404); endpoint_url / --endpoint ${root}/${bucket} has the bucket's name in its path: write it as ${root} and the bucket in bucket / --bucket / UPLOAD_TO_S3_BUCKET`,
    );
    const withPath = await uploadTo(`${root}/storage/s3`);
    expect(withPath.code, withPath.stderr).toBe(2);
    expect(withPath.stderr).toContain(
      `has a path (/storage/s3) the server knows no bucket under: write it as ${root} and the bucket in bucket / --bucket / UPLOAD_TO_S3_BUCKET`,
    );
    expect(withPath.stderr).not.toContain('create the bucket');
  });
});
