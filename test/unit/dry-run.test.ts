import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { printDryRun } from '../../src/dry-run.js';
import type { DecidedTask } from '../../src/transfer/upload-all.js';

function collect(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

const decided: DecidedTask[] = [
  {
    group: 'reels',
    task: {
      group: 'reels',
      path: '/p/reels/a.mp4',
      relPath: 'reels/a.mp4',
      key: 'P1/reels/a.mp4',
      sizeBytes: 10,
      mtimeMs: 1,
    },
    decision: { action: 'upload', reason: 'new' },
  },
  {
    group: 'config',
    task: {
      group: 'config',
      path: '/p/config/b.yaml',
      relPath: 'config/b.yaml',
      key: 'P1/config/b.yaml',
      sizeBytes: 5,
      mtimeMs: 1,
    },
    decision: { action: 'skip', reason: 'unchanged' },
  },
];

const plan = {
  problems: [
    { path: '/p/reels/locked.mp4', error: 'permission denied (EACCES)', cause: 'read' as const },
    {
      path: '/p/reels/deep/long.json',
      error: "build key: the key is 1028 bytes, over S3's limit of 1024; shorten the path or the prefix",
      cause: 'key' as const,
    },
  ],
  leftOut: [{ path: '/p/misc', reason: 'not a folder type' as const }],
};

const options = {
  bucket: 'b',
  prefix: '',
  projectKey: 'P1',
  folder: '/p',
  debug: false,
  timestamp: undefined,
};

describe('printDryRun', () => {
  it('with --json prints only JSON lines: planned, unreadable, left-out, then the summary', () => {
    const out = collect();
    printDryRun(decided, plan, { ...options, json: true }, out.stream);
    const records = out
      .text()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => r.type)).toEqual([
      'planned',
      'planned',
      'unreadable',
      'invalid-key',
      'left-out',
      'dry-run',
    ]);
    expect(records[0]).toEqual({
      type: 'planned',
      group: 'reels',
      file: '/p/reels/a.mp4',
      key: 'P1/reels/a.mp4',
      size_bytes: 10,
      action: 'upload',
      reason: 'new',
      sent_earlier_bytes: 0,
    });
    expect(records[3]).toMatchObject({
      file: '/p/reels/deep/long.json',
      error: expect.stringContaining('1028'),
    });
    expect(records[4]).toMatchObject({ file: '/p/misc', reason: 'not a folder type', detail: null });
    expect(records[5]).toMatchObject({
      files: 2,
      bytes: 15,
      to_upload: 1,
      upload_bytes: 10,
      to_skip: 1,
      unreadable: 1,
      invalid_key: 1,
    });
    expect(records[5]?.left_out).toMatchObject({ 'not a folder type': 1, extension: 0 });
  });

  it('without --json prints the table and names the timestamp folder', () => {
    const out = collect();
    printDryRun(decided, plan, { ...options, json: false, timestamp: '20260102_0304' }, out.stream);
    expect(out.text().split('\n')[0]).toBe(
      'Dry run: nothing is sent. Plan for /p -> s3://b/P1/ (timestamp folder 20260102_0304)',
    );
    expect(out.text()).not.toContain('{');
    // a path too long for a key is no read failure: each is named for what it is
    expect(out.text()).toContain(
      'would fail, cannot be read: 1 file\n  /p/reels/locked.mp4: permission denied (EACCES)\n',
    );
    expect(out.text()).toContain(
      'would fail, no valid object key: 1 file\n  /p/reels/deep/long.json: build key',
    );
  });
});

describe('printDryRun with settings to fix', () => {
  const fixes: DecidedTask[] = Array.from({ length: 52 }, (_, i) => ({
    group: 'reels',
    task: {
      group: 'reels',
      path: `/p/reels/r${i}.mp4`,
      relPath: `reels/r${i}.mp4`,
      key: `P1/reels/r${i}.mp4`,
      sizeBytes: 10,
      mtimeMs: 1,
    },
    decision: { action: 'fix-settings', reason: 'settings differ: storage class STANDARD, wanted COLD' },
  }));

  it('names each object and how it differs, up to 50, then how many more', () => {
    const out = collect();
    printDryRun(
      [...decided, ...fixes],
      { problems: [], leftOut: [] },
      { ...options, json: false },
      out.stream,
    );
    const text = out.text();
    expect(text).toContain('would fix settings in place (a copy in the bucket, no bytes sent): 52 objects\n');
    expect(text).toContain('  P1/reels/r0.mp4: settings differ: storage class STANDARD, wanted COLD\n');
    expect(text).toContain('  P1/reels/r49.mp4: settings differ');
    expect(text).not.toContain('P1/reels/r50.mp4');
    expect(text).toContain('  and 2 more (--debug lists them all)\n');
  });

  it('counts them in the JSON summary', () => {
    const out = collect();
    printDryRun(
      [...decided, ...fixes],
      { problems: [], leftOut: [] },
      { ...options, json: true },
      out.stream,
    );
    const summary = JSON.parse(out.text().trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({ type: 'dry-run', to_upload: 1, to_fix_settings: 52 });
  });
});

describe('printDryRun with an interrupted upload to resume', () => {
  const [upload] = decided;
  const resumes = new Map([[upload!.task, { partsSent: 3, partsTotal: 5, bytesSent: 6, touched: false }]]);

  it('counts only the bytes left to send, and names the upload and what it sent', () => {
    const out = collect();
    printDryRun(decided, { problems: [], leftOut: [] }, { ...options, json: false }, out.stream, resumes);
    const text = out.text();
    expect(text).toMatch(/^reels\s+1\s+10 B\s+1\s+4 B\s+0\s*$/m);
    expect(text).toContain(
      'would resume 1 interrupted upload:\n  P1/reels/a.mp4: 3 of 5 parts (6 B) sent earlier\n',
    );
  });

  it('gives each file the bytes sent earlier in JSON, and the summary the bytes left', () => {
    const out = collect();
    printDryRun(decided, { problems: [], leftOut: [] }, { ...options, json: true }, out.stream, resumes);
    const records = out
      .text()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => r.sent_earlier_bytes)).toEqual([6, 0, undefined]);
    expect(records.at(-1)).toMatchObject({ type: 'dry-run', to_upload: 1, upload_bytes: 4 });
  });

  it('with --debug adds it to the reason of the file', () => {
    const out = collect();
    printDryRun(
      decided,
      { problems: [], leftOut: [] },
      { ...options, debug: true, json: false },
      out.stream,
      resumes,
    );
    expect(out.text()).toContain(
      'upload reels/a.mp4 -> P1/reels/a.mp4 (10 B): new; resumes an interrupted upload, 3 of 5 parts (6 B) sent earlier\n',
    );
  });
});
