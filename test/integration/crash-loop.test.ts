/**
 * The crash loop: a project of two 300 MiB reels and fifty small files, the CLI killed with SIGKILL at seeded
 * random moments and rerun each time, until a run exits 0. Then every object equals its file, no multipart
 * upload is open, and the server accepted no more body bytes than the project plus what could have been in
 * flight at each kill (max concurrency × part size per kill): a kill never costs more than its parts in flight.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyStats } from '../support/fault-proxy.js';
import { removeTempDirs, writeFiles, type FileContent } from '../support/fixtures.js';
import { spawnCli, type CliResult, type RunningCli } from '../support/run-cli.js';
import { createTestBucket } from '../support/s3-env.js';
import {
  describeFiles,
  expectStoredExactly,
  MiB,
  openUploadsUnder,
  openWorld,
  recordMeasurement,
  seededRandom,
  worldArgs,
  type World,
} from './reliability-world.js';
import { deleteBucket } from './transfer-harness.js';

const SEED = 20_251_125;
const KILLS = 12;
const MAX_CONCURRENCY = 4;
/** Both reels are under 512 MiB: the 8 MiB tier; every small file is one PutObject below 8 MiB. */
const PART_BYTES = 8 * MiB;
const SMALL_TYPES = [
  'logs/run-{n}.log',
  'config/survey-{n}.yaml',
  'gis_data/layer-{n}.geojson',
  'report/day-{n}.md',
  'reels/R001/frame-{n}.json',
];

function buildProject(random: () => number): Record<string, FileContent> {
  const files: Record<string, FileContent> = {
    'reels/R001/R001_cam1.mp4': { sizeBytes: 300 * MiB, seed: 'crash-cam1' },
    'reels/R002/R002_cam2.mp4': { sizeBytes: 300 * MiB + 4_321, seed: 'crash-cam2' },
  };
  for (let i = 0; i < 50; i++) {
    const rel = SMALL_TYPES[i % SMALL_TYPES.length]!.replace('{n}', String(i).padStart(2, '0'));
    files[rel] = { sizeBytes: Math.floor(random() * 2 * MiB) + 1, seed: `crash-${rel}` };
  }
  return files;
}

/** Body bytes of UploadPart and PutObject the proxy received (sent) and the server answered 2xx to (accepted). */
function bodyBytes(stats: ProxyStats): { sent: number; accepted: number } {
  const by = stats.bodyBytesByOperation;
  return { sent: (by.UploadPart ?? 0) + (by.PutObject ?? 0), accepted: stats.acceptedBodyBytes };
}

/**
 * Bodies the client dropped unanswered since `since`, each counted once across calls. Call it after the killed
 * process is gone and the proxy has seen its sockets close: requests still in the kernel's buffers at the kill
 * reach the proxy late, and belong to that kill, not the next one.
 */
function bodiesDropped(stats: ProxyStats, counted: Set<number>, since: number): number {
  let dropped = 0;
  stats.log.forEach((e, index) => {
    const isBody = e.operation === 'UploadPart' || e.operation === 'PutObject';
    if (!isBody || e.clientClosedAt === undefined || e.clientClosedAt < since || counted.has(index)) return;
    counted.add(index);
    dropped += 1;
  });
  return dropped;
}

/**
 * Waits for the kill moment: a random time after the start (often during planning or verifying), or a random
 * amount of new body bytes (in the middle of the transfer). Resolves false when the run ended first.
 */
async function waitForKillMoment(cli: RunningCli, w: World, random: () => number): Promise<boolean> {
  let exited = false;
  void cli.exited.then(() => (exited = true));
  const byTime = random() < 0.4;
  const deadline = Date.now() + 200 + random() * 1800;
  const bytesTarget = bodyBytes(w.proxy.stats()).sent + (1 + random() * 60) * MiB;
  while (!exited) {
    if (byTime ? Date.now() >= deadline : bodyBytes(w.proxy.stats()).sent >= bytesTarget) return true;
    await sleep(20);
  }
  return false;
}

let bucket: string;
let w: World;

beforeAll(async () => {
  bucket = await createTestBucket('crash-loop');
  w = await openWorld({ bucket, projectKey: 'CRASH', seed: SEED });
});

afterAll(async () => {
  await w?.proxy.close();
  await deleteBucket(bucket).catch(() => {});
  await removeTempDirs();
});

describe('killed with SIGKILL at random moments and rerun until it finishes', () => {
  it(`survives ${KILLS} kills: every object equals its file, nothing is left open, and no kill cost more than its bodies in flight`, async () => {
    const random = seededRandom(SEED);
    const project = buildProject(random);
    await writeFiles(w.projectDir, project);
    const files = await describeFiles(w, Object.keys(project));
    const projectBytes = files.reduce((sum, f) => sum + f.sizeBytes, 0);
    const args = worldArgs(w, '--max-concurrency', String(MAX_CONCURRENCY), '--max-bandwidth', '40MB/s');

    const started = performance.now();
    const inFlightAtKills: number[] = [];
    const counted = new Set<number>();
    let givenUp = 0;
    let final: CliResult | undefined;
    for (let run = 1; final === undefined; run++) {
      expect(run, 'too many runs: the loop makes no progress').toBeLessThanOrEqual(KILLS + 3);
      const cli = spawnCli(args, { timeoutMs: 240_000 });
      if (inFlightAtKills.length < KILLS && (await waitForKillMoment(cli, w, random))) {
        // bodies the run gave up on itself (timeouts) before this kill are resent too, but are not the kill's
        givenUp += bodiesDropped(w.proxy.stats(), counted, 0);
        const killedAt = Date.now();
        cli.child.kill('SIGKILL');
        expect((await cli.exited).signal).toBe('SIGKILL');
        await sleep(300);
        inFlightAtKills.push(bodiesDropped(w.proxy.stats(), counted, killedAt));
        continue;
      }
      final = await cli.exited;
    }
    givenUp += bodiesDropped(w.proxy.stats(), counted, 0);
    const seconds = (performance.now() - started) / 1000;
    expect(final.code, final.stderr).toBe(0);
    expect(inFlightAtKills, 'the project finished before every planned kill').toHaveLength(KILLS);

    // the scheduler never had more than --max-concurrency bodies out, so no kill could cut more
    for (const n of inFlightAtKills) expect(n).toBeLessThanOrEqual(MAX_CONCURRENCY);
    await sleep(500); // answers still on the wire at the last kill are counted too
    const { sent, accepted } = bodyBytes(w.proxy.stats());
    const bound = projectBytes + (KILLS * MAX_CONCURRENCY + givenUp) * PART_BYTES;
    expect(accepted).toBeLessThanOrEqual(bound);
    expect(sent).toBeLessThanOrEqual(bound);
    // tighter, as measured: only the bodies the proxy saw unanswered at each kill were sent twice
    const inFlightTotal = inFlightAtKills.reduce((sum, n) => sum + n, 0);
    expect(sent).toBeLessThanOrEqual(projectBytes + (inFlightTotal + givenUp) * PART_BYTES);

    const prefix = `${w.projectKey}/`;
    const verifiedBytes = await expectStoredExactly(bucket, prefix, files, (f) => f.sizeBytes < PART_BYTES);
    expect(await openUploadsUnder(bucket, prefix)).toEqual([]);
    await recordMeasurement({
      test: 'crash-loop',
      seed: SEED,
      kills: KILLS,
      runs: KILLS + 1,
      files: files.length,
      projectBytes,
      sentBytes: sent,
      acceptedBytes: accepted,
      boundBytes: bound,
      bodiesInFlightAtKills: inFlightAtKills,
      bodiesGivenUpByTheClient: givenUp,
      verifiedBytes,
      seconds: Math.round(seconds),
    });
  });
});
