/**
 * Listing a bucket whose server pages without continuation tokens, on Ceph RGW through the fault proxy (Ceph gives
 * tokens, so the proxy takes them out and asks for small pages): a rerun with --verify follows each truncated page
 * from its last key, finds every object and sends nothing again; a server that answers the page before again ends
 * the run with one line (exit 1) rather than listing forever or taking the bucket for half empty. A server that
 * does not list at all (501) is asked for each object by HeadObject instead.
 */
import { describe, expect, it } from 'vitest';
import type { FaultRule } from '../support/fault-proxy.js';
import { writeFiles, type FileContent } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';
import { countOutcomes, readLogRows } from '../support/run-outcomes.js';
import { keyOf, uploadArgs, useHarnessBucket, type Harness } from './transfer-harness.js';

/** Over the 50 files a run looks up by one HeadObject each: their prefix is listed instead. */
const FILE_COUNT = 64;
/** Seven pages: six truncated ones of ten keys, and the last of four. */
const PAGE_KEYS = 10;

let bucket: string;
const { harness } = useHarnessBucket('listing', (created) => (bucket = created));

const NO_TOKEN: FaultRule = {
  match: { operation: 'ListObjectsV2' },
  action: 'drop-continuation-token',
  maxKeys: PAGE_KEYS,
  times: Infinity,
};

function relPath(i: number): string {
  return `logs/run-${String(i).padStart(2, '0')}.log`;
}

/** A project of FILE_COUNT small logs (one folder type, so one prefix), uploaded without faults. */
async function uploadedProject(projectKey: string): Promise<Harness> {
  const h = await harness(projectKey);
  const files: Record<string, FileContent> = {};
  for (let i = 0; i < FILE_COUNT; i++) files[relPath(i)] = { sizeBytes: 300 + i, seed: `${projectKey}-${i}` };
  await writeFiles(h.projectDir, files);
  const run = await runCli(uploadArgs(h));
  expect(run.code, run.stderr).toBe(0);
  h.proxy.resetStats();
  return h;
}

/** The query of every ListObjectsV2 request the proxy saw, with the fault it met. */
function listings(h: Harness): Array<{ query: URLSearchParams; fault: string | undefined }> {
  return h.proxy
    .stats()
    .log.filter((e) => e.operation === 'ListObjectsV2')
    .map((e) => ({ query: new URL(e.url, 'http://proxy').searchParams, fault: e.fault }));
}

/** Runs the CLI on the project again; returns its result with the CSV rows it added. */
async function rerun(h: Harness, ...flags: string[]) {
  const before = (await readLogRows(h.logCsv)).length;
  const result = await runCli(uploadArgs(h, ...flags));
  return { result, rows: (await readLogRows(h.logCsv)).slice(before) };
}

describe('a truncated listing page that names no continuation token', () => {
  it('is followed from its last key: a rerun with --verify finds every object and sends none again', async () => {
    const h = await uploadedProject('PAGES1');
    h.proxy.setRules([NO_TOKEN]);
    const { result, rows } = await rerun(h, '--verify');
    expect(result.code, result.stderr).toBe(0);
    expect(countOutcomes(rows)).toEqual({ uploaded: 0, skipped: FILE_COUNT, failed: 0 });
    for (const row of rows) expect(row.reason).toBe('content matches (MD5 = ETag)');
    const sent = h.proxy.stats().byOperation;
    expect([sent.PutObject ?? 0, sent.UploadPart ?? 0]).toEqual([0, 0]);

    const pages = listings(h);
    expect(pages).toHaveLength(Math.ceil(FILE_COUNT / PAGE_KEYS));
    pages.forEach(({ query, fault }, page) => {
      expect(fault).toBe('drop-continuation-token');
      expect(query.get('prefix')).toBe(keyOf(h, 'logs/'));
      expect(query.has('continuation-token')).toBe(false);
      // each page goes on after the last key of the page before (keys sort as the zero-padded names)
      expect(query.get('start-after')).toBe(page === 0 ? null : keyOf(h, relPath(page * PAGE_KEYS - 1)));
    });
  });
});

describe('a listing page answered again', () => {
  it('ends the run with one line naming the listing (exit 1), after two requests and no upload', async () => {
    const h = await uploadedProject('PAGES2');
    h.proxy.setRules([
      { ...NO_TOKEN, times: 1 },
      { match: { operation: 'ListObjectsV2' }, action: 'repeat-listing-page' },
    ]);
    const { result, rows } = await rerun(h, '--verify');
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toBe(
      `upload-to-s3: list s3://${bucket}/${keyOf(h, 'logs/')}: the server says the listing goes on but answers ` +
        "the same page again; report it to the server's maintainers\n",
    );
    expect(listings(h).map(({ query, fault }) => [query.get('start-after'), fault])).toEqual([
      [null, 'drop-continuation-token'],
      [keyOf(h, relPath(PAGE_KEYS - 1)), 'repeat-listing-page'],
    ]);
    const sent = h.proxy.stats().byOperation;
    expect([sent.PutObject ?? 0, sent.UploadPart ?? 0]).toEqual([0, 0]);
    expect(rows).toEqual([]);
  });
});

describe('a server that cannot list objects (ListObjectsV2 answered 501 NotImplemented)', () => {
  it('has a rerun with --verify ask for each object by HeadObject instead: it finds every one and sends none again', async () => {
    const h = await uploadedProject('LIST-501');
    h.proxy.setRules([
      { match: { operation: 'ListObjectsV2' }, action: 'not-implemented-501', times: Infinity },
    ]);
    const { result, rows } = await rerun(h, '--verify');
    expect(result.code, result.stderr).toBe(0);
    expect(countOutcomes(rows)).toEqual({ uploaded: 0, skipped: FILE_COUNT, failed: 0 });
    const stats = h.proxy.stats();
    expect(stats.byOperation.HeadObject).toBe(FILE_COUNT);
    expect(stats.byOperation.PutObject ?? 0).toBe(0);

    h.proxy.resetStats();
    const dryRun = await runCli(uploadArgs(h, '--dry-run', '--verify'));
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(h.proxy.stats().byOperation.HeadObject).toBe(FILE_COUNT);
    expect(h.proxy.stats().byOperation.PutObject ?? 0).toBe(0);
  });
});
