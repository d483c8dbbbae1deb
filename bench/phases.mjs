/**
 * The phases of a benchmark, each a list of measured runs in interleaved rounds (A B C, A B C, …):
 * uploads of each dataset by every client, reruns on already-uploaded data, peak RSS on one big file, and
 * dry runs planning a large set against an empty bucket.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { READ_ALL_SCRIPT } from './clients.mjs';
import { runClient } from './run-client.mjs';
import { createFreshBucket, deleteBucket } from './s3-admin.mjs';

/** Uploads: for each set, `rounds` rounds of every client that applies to it. */
export async function runUploadPhase({ sets, datasets, clients, rounds, ctx }) {
  const records = [];
  for (const set of sets) {
    const forSet = clients.filter((c) => !c.sets || c.sets.includes(set));
    for (let round = 1; round <= rounds; round += 1) {
      for (const client of forSet) {
        records.push(
          await runLogged(
            { client, set, round, dataset: datasets[set], ...names(ctx, set, client, round) },
            ctx,
          ),
        );
      }
    }
  }
  return records;
}

/**
 * Reruns on the unchanged `mixed` set: each seed client (ours, aws, rclone) fills its own bucket once
 * (recorded with round 0), then each rerun client runs `rounds` times on its seed's bucket. Our reruns use
 * the seed run's state folder, as a user's second run would.
 */
export async function runRerunPhase({ dataset, uploadClients, rerunClients, rounds, ctx }) {
  const seeds = uploadClients.filter((c) => rerunClients.some((r) => r.seed === c.id));
  const seeded = new Map();
  const records = [];
  for (const seed of seeds) {
    const at = {
      bucket: `${ctx.tag}-rerun-${seed.id}`,
      runDir: path.join(ctx.runsDir, `rerun-seed-${seed.id}`),
    };
    await createFreshBucket(ctx.server.admin, at.bucket);
    const record = await runLogged(
      { client: seed, set: 'rerun-seed', round: 0, dataset, ...at, keepBucket: true, keepRunDir: true },
      ctx,
    );
    records.push(record);
    if (record.ok) seeded.set(seed.id, at);
  }
  for (let round = 1; round <= rounds; round += 1) {
    for (const client of rerunClients.filter((c) => seeded.has(c.seed))) {
      const at = seeded.get(client.seed);
      records.push(
        await runLogged(
          { client, set: 'rerun', round, dataset, ...at, keepBucket: true, keepRunDir: true },
          ctx,
        ),
      );
    }
  }
  for (const { bucket } of seeded.values()) await deleteBucket(ctx.server.admin, bucket);
  return records;
}

/** Peak RSS: each of `datasets` (one big file each) uploaded `rounds` times by each client. */
export async function runRssPhase({ datasets, clients, rounds, ctx }) {
  const records = [];
  for (const dataset of datasets) {
    for (let round = 1; round <= rounds; round += 1) {
      for (const client of clients) {
        warmPageCache(dataset.root);
        records.push(
          await runLogged(
            { client, set: dataset.name, round, dataset, ...names(ctx, dataset.name, client, round) },
            ctx,
          ),
        );
      }
    }
  }
  return records;
}

/**
 * Reads every file of `root` once, unmeasured: the peak-RSS and planning sets have no `cat` reference run before
 * them, and a 4 GiB reel read cold from a shared disk, or 100,000 files' metadata, would charge the disk's pace to
 * whichever client runs first.
 */
function warmPageCache(root) {
  spawnSync('bash', ['-c', READ_ALL_SCRIPT, '_', root]);
}

/**
 * Dry runs of `dataset` (the planning-at-scale set): `rounds` rounds of every client, all against one empty
 * bucket, each with a fresh state folder (no upload log), so each plans every file from scratch.
 */
export async function runPlanPhase({ dataset, clients, rounds, ctx }) {
  const bucket = `${ctx.tag}-plan-empty`;
  await createFreshBucket(ctx.server.admin, bucket);
  warmPageCache(dataset.root);
  const records = [];
  for (let round = 1; round <= rounds; round += 1) {
    for (const client of clients) {
      const runDir = path.join(ctx.runsDir, `plan-${client.id}-r${round}`);
      const params = { client, set: 'plan', round, dataset, bucket, runDir, keepBucket: true };
      records.push(await runLogged(params, ctx));
    }
  }
  await deleteBucket(ctx.server.admin, bucket);
  return records;
}

function names(ctx, set, client, round) {
  const id = `${set}-${client.id}-r${round}`;
  return { bucket: `${ctx.tag}-${id}`.slice(0, 63), runDir: path.join(ctx.runsDir, id) };
}

/**
 * Runs one client and logs a line about it. An error of the benchmark's own (a bucket it cannot create, a
 * folder that vanished) becomes a failed record instead of ending a long run; every record also goes to
 * `ctx.onRecord`, which keeps partial results.
 */
async function runLogged(params, ctx) {
  const record = await runClient({ ...params, server: ctx.server, work: ctx.work }).catch((error) =>
    failedRecord(params, error),
  );
  ctx.onRecord?.(record);
  const mb = record.bytes / 1e6 / record.wallSeconds;
  const status = record.ok ? 'ok' : `FAILED: ${record.problem}`;
  ctx.log(
    `${params.set} r${params.round} ${params.client.id}: ${record.wallSeconds.toFixed(2)} s, ${mb.toFixed(1)} MB/s, ` +
      `cpu ${record.clientCpuSeconds.toFixed(2)} s, rss ${(record.peakRssBytes / 1e6).toFixed(0)} MB, ` +
      `${record.requests} requests; ${status}`,
  );
  if (!record.ok && record.logTail)
    ctx.log(`  client output (tail):\n${record.logTail.replace(/^/gm, '    ')}`);
  return record;
}

function failedRecord({ client, set, round, dataset }, error) {
  return {
    set,
    round,
    client: client.id,
    label: client.label,
    role: client.role,
    display: '',
    ok: false,
    problem: `benchmark error: ${error?.message ?? error}`,
    bytes: dataset.bytes,
    files: dataset.files,
    wallSeconds: NaN,
    clientCpuSeconds: NaN,
    peakRssBytes: NaN,
    requests: NaN,
  };
}
