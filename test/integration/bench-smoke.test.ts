/**
 * Smoke test of `npm run bench -- --quick`: the benchmark starts its own Ceph RGW on ports of its own
 * (7495/6785, apart from the test server and from a full benchmark run), uploads the tiny datasets with every
 * client installed here, and prints the Markdown report. Peers that are not installed are skipped
 * (BENCH_SKIP_APT=1: the test never installs anything); our tool and the lib-storage baseline always run.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/run-cli.js';

const BENCH_TIMEOUT_MS = 900_000;

interface BenchResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runQuickBench(): Promise<BenchResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(PROJECT_ROOT, 'bench', 'run.sh'), '--quick'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, BENCH_RGW_PORT: '7495', BENCH_MON_PORT: '6785', BENCH_SKIP_APT: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGTERM'), BENCH_TIMEOUT_MS - 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The table rows (lines starting with '|') of the section whose heading starts with `heading`. */
function tableRows(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`## ${heading}`);
  if (start === -1) return [];
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end === -1 ? undefined : end);
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2);
}

describe('npm run bench -- --quick', () => {
  it(
    'prints the Markdown report with a checked row for our tool and lib-storage in every set',
    async () => {
      const result = await runQuickBench();
      expect(result.code, result.stderr.slice(-3000)).toBe(0);
      const markdown = result.stdout;
      expect(tableRows(markdown, 'Targets')).toHaveLength(9);
      for (const set of ['small', 'large', 'mixed']) {
        const rows = tableRows(markdown, `Uploads: ${set} set`);
        const ours = rows.find((row) => row.includes('**upload-to-s3 (defaults)**'));
        const baseline = rows.find((row) => row.includes('lib-storage Upload'));
        expect(ours, `${set}: our row`).toMatch(/\| 1\/1 ok +\|$/);
        expect(baseline, `${set}: lib-storage row`).toMatch(/\| 1\/1 ok +\|$/);
      }
      expect(tableRows(markdown, 'Rerun').some((row) => row.includes('upload-to-s3 rerun'))).toBe(true);
      expect(tableRows(markdown, 'Peak RSS')).toHaveLength(4);
      const dryRuns = tableRows(markdown, 'Dry run of');
      expect(
        dryRuns.find((row) => row.includes('upload-to-s3')),
        'our dry-run row',
      ).toMatch(/\| 1\/1 ok +\|$/);
      const written = await readFile(path.join(PROJECT_ROOT, 'bench', '.results', 'quick-rgw.md'), 'utf8');
      expect(written).toBe(markdown);
    },
    BENCH_TIMEOUT_MS,
  );
});
