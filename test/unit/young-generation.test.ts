/**
 * Which runs hold V8's young generation (pure), and that holding it works on the Node running the tests: a child
 * process allocates objects that survive several collections, with and without the hold, and reports the young
 * generation's size. Sizes, not times: the outcome does not depend on how busy the machine is.
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { UploadTask } from '../../src/collector/plan-upload.js';
import { shouldHoldYoungGeneration } from '../../src/young-generation.js';

const MiB = 1024 ** 2;

function files(count: number, sizeBytes: number, group = 'logs'): UploadTask[] {
  return Array.from({ length: count }, (_, i) => ({
    group,
    path: `/d/${group}/f${i}`,
    relPath: `f${i}`,
    key: `P/${group}/f${i}`,
    sizeBytes,
    mtimeMs: 0,
  }));
}

function plan(...groups: UploadTask[][]) {
  return { groups: new Map(groups.map((tasks, i) => [`type${i}`, tasks])) };
}

describe('shouldHoldYoungGeneration', () => {
  it.each([
    ['one big file', plan(files(1, 4096 * MiB)), true],
    ['a reel and its 999 sidecars', plan(files(1, 4096 * MiB, 'reels'), files(999, 40_000)), true],
    ['a thousand small files', plan(files(1000, 40_000)), false],
    ['a thousand small files in two folder types', plan(files(500, 40_000), files(500, 10, 'config')), false],
    ['a thousand files just under the multipart threshold', plan(files(1000, 8 * MiB - 1)), false],
    ['a thousand multipart files', plan(files(1000, 8 * MiB)), true],
  ])('%s: %s', (_name, planned, expected) => {
    expect(shouldHoldYoungGeneration(planned)).toBe(expected);
  });
});

const MODULE_URL = pathToFileURL(new URL('../../src/young-generation.ts', import.meta.url).pathname);

/** The young generation's size before and after churning objects that survive collections, in a child Node. */
function youngGenerationGrowth(hold: boolean): { before: number; after: number; stderr: string } {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { holdYoungGeneration } from ${JSON.stringify(MODULE_URL.href)};
    const size = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    if (${hold}) holdYoungGeneration();
    const before = size();
    const kept = [];
    for (let round = 0; round < 400; round++) {
      kept.push(Array.from({ length: 20000 }, (_, i) => ({ i, round })));
      if (kept.length > 8) kept.shift();
    }
    console.log(JSON.stringify({ before, after: size() }));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  expect(child.status, child.stderr).toBe(0);
  return { ...(JSON.parse(child.stdout) as { before: number; after: number }), stderr: child.stderr };
}

describe('holdYoungGeneration', () => {
  it('keeps the young generation at its size where it would otherwise grow, and says nothing', () => {
    const free = youngGenerationGrowth(false);
    expect(free.after).toBeGreaterThan(free.before);
    const held = youngGenerationGrowth(true);
    expect(held.after).toBe(held.before);
    expect(held.stderr).toBe('');
  });
});
