import { planUpload, type UploadPlan, type UploadTask } from './collector/plan-upload.js';
import type { RunOptions } from './config/run-options.js';
import { InterruptedError } from './errors.js';
import type { Interrupts } from './interrupt.js';
import type { Logger } from './log/logger.js';
import { connectStore } from './remote/connect.js';
import type { S3Store } from './remote/s3-store.js';
import { openCsvLog, parseUploadedKeysFromLog } from './status/csv-log.js';
import { rotateCsvLogIfLarge } from './status/csv-log-rotation.js';
import { startReporting, type Reporting } from './status/reporting.js';
import type { FileResult, StatusSnapshot } from './status/status-tracker.js';
import { createBandwidthLimiter } from './transfer/bandwidth-limiter.js';
import { TransferScheduler } from './transfer/scheduler.js';
import { BufferPool } from './transfer/buffer-pool.js';
import { uploadAll, type DecidedTask } from './transfer/upload-all.js';
import { JournalStore } from './transfer/upload-journal.js';
import { chooseIntegrityMode } from './transfer/integrity-mode.js';
import { HashCache } from './content/hash-cache.js';
import { decideUploads } from './verifier/verify-plan.js';
import { printDryRun } from './dry-run.js';
import { acquireRunLock } from './run-lock.js';
import { applyMinFileAge } from './collector/min-file-age.js';
import { groupOf } from './collector/group-of.js';

/** How a run ended, for the summary and the exit code. */
export interface RunResult {
  snapshot: StatusSnapshot;
  failed: number;
  elapsedMs: number;
}

/**
 * One upload run: plan → connect → decide → transfer → report. Each step lives in its own
 * module; this function only threads them together and guarantees the final status write.
 * @throws UploadError subclasses for run-fatal problems; InterruptedError when stopped by a signal.
 */
export async function runUpload(
  options: RunOptions,
  interrupts: Interrupts,
  log: Logger,
): Promise<RunResult> {
  const releaseLock = options.dryRun
    ? async () => {}
    : await acquireRunLock(options.stateDir, lockScope(options));
  try {
    return await runLocked(options, interrupts, log);
  } finally {
    await releaseLock();
  }
}

async function runLocked(options: RunOptions, interrupts: Interrupts, log: Logger): Promise<RunResult> {
  const started = performance.now();
  const reporting = await startReporting(options, log);
  // a second Ctrl+C exits at once; the status file still says how the run ended
  interrupts.onForcedExit(() => reporting.stopNow('interrupted'));
  let store: S3Store | undefined;
  const hashCache = await HashCache.load(options.stateDir);
  try {
    reporting.tracker.setPhase('planning');
    const plan = applyMinFileAge(await planUpload(options), options.minFileAgeSec, log);
    store = options.dryRun && !options.verify ? undefined : await connectStore(options, log, interrupts.hard);
    reporting.tracker.setPhase('verifying');
    // a dry run may run beside a real one and changes nothing, the log included
    if (!options.dryRun) await rotateLogIfLarge(options.logCsv, log);
    const decided = await decide(plan, options, store, hashCache, interrupts);
    if (options.dryRun) {
      printDryRun(decided, options, process.stdout);
    } else {
      await transfer(decided, plan, options, { store: store!, hashCache, interrupts, reporting, log });
    }
    const snapshot = reporting.tracker.snapshot();
    reporting.tracker.setPhase(snapshot.totals.failed > 0 ? 'failed' : 'completed');
    return {
      snapshot: reporting.tracker.snapshot(),
      failed: snapshot.totals.failed,
      elapsedMs: performance.now() - started,
    };
  } catch (error) {
    reporting.tracker.setPhase(
      error instanceof InterruptedError || interrupts.interrupted ? 'interrupted' : 'failed',
    );
    throw error;
  } finally {
    await reporting.stop();
    await hashCache
      .save()
      .catch((error: unknown) => log.warn(`could not save the hash cache: ${String(error)}`));
    store?.destroy();
  }
}

function lockScope(options: RunOptions): string {
  return `${options.endpoint ?? options.region}/${options.bucket}/${options.prefix}${options.projectKey}`;
}

/** @throws ConfigError when the log cannot be read or rewritten: then it could not be appended to either. */
async function rotateLogIfLarge(logCsv: string, log: Logger): Promise<void> {
  const oldPath = await rotateCsvLogIfLarge(logCsv);
  if (oldPath) log.debug(`CSV log rotated: earlier rows in ${oldPath}, one row per object carried over`);
}

async function decide(
  plan: UploadPlan,
  options: RunOptions,
  store: S3Store | undefined,
  hashCache: HashCache,
  interrupts: Interrupts,
): Promise<DecidedTask[]> {
  const tasks: UploadTask[] = [...plan.groups.values()].flat();
  const logged = await parseUploadedKeysFromLog(options.logCsv);
  const decisions = await decideUploads(tasks, {
    store,
    bucket: options.bucket,
    logged,
    hashCache,
    force: options.force,
    verify: options.verify,
    verifyLarge: options.verifyLarge,
    signal: interrupts.soft,
  });
  return tasks.map((task) => ({
    task,
    decision: decisions.get(task)!,
    group: groupOf(task, options.groupKey),
  }));
}

interface TransferDeps {
  store: S3Store;
  hashCache: HashCache;
  interrupts: Interrupts;
  reporting: Reporting;
  log: Logger;
}

async function transfer(
  decided: DecidedTask[],
  plan: UploadPlan,
  options: RunOptions,
  deps: TransferDeps,
): Promise<void> {
  const { tracker } = deps.reporting;
  announceGroups(decided, plan, deps.reporting);
  tracker.setPhase('uploading');
  const csvLog = await openCsvLog(options.logCsv);
  try {
    recordWalkProblems(plan, deps.reporting, csvLog.append.bind(csvLog));
    await uploadAll(decided, {
      tracker,
      csvLog,
      maxFilesInFlight: options.maxConcurrency,
      abortAll: (reason) => deps.interrupts.abortAll(reason),
      transfer: {
        store: deps.store,
        bucket: options.bucket,
        scheduler: new TransferScheduler(
          options.maxConcurrency,
          options.maxMemoryBytes,
          deps.interrupts.soft,
        ),
        buffers: new BufferPool(options.maxMemoryBytes),
        journals: new JournalStore(options.stateDir, options.endpoint ?? `aws:${options.region}`),
        hashCache: deps.hashCache,
        limiter: createBandwidthLimiter(options.maxBandwidthBytesPerSec),
        signal: deps.interrupts.soft,
        hardSignal: deps.interrupts.hard,
        maxWorkersPerFile: options.maxConcurrency,
        verifyLarge: options.verifyLarge,
        integrity: chooseIntegrityMode(options.checksumAlgorithm, options.endpoint),
        encryption: options.encryption,
        debug: (message) => deps.log.debug(message),
      },
    });
  } finally {
    await csvLog.close();
  }
}

function announceGroups(decided: DecidedTask[], plan: UploadPlan, reporting: Reporting): void {
  const groups = new Map<string, { files: number; bytes: number }>();
  for (const { group, task } of decided) {
    const entry = groups.get(group) ?? { files: 0, bytes: 0 };
    groups.set(group, { files: entry.files + 1, bytes: entry.bytes + task.sizeBytes });
  }
  const problems = plan.problems.length;
  reporting.tracker.setTotals(
    decided.length + problems,
    decided.reduce((sum, d) => sum + d.task.sizeBytes, 0),
  );
  for (const [group, { files, bytes }] of groups) reporting.tracker.startGroup(group, files, bytes);
}

/** Files the walk could not read are failures of this run, so the next run looks at them again. */
function recordWalkProblems(plan: UploadPlan, reporting: Reporting, append: (r: FileResult) => void): void {
  for (const problem of plan.problems) {
    const result: FileResult = {
      group: 'unreadable',
      path: problem.path,
      key: '',
      sizeBytes: 0,
      mtimeMs: 0,
      outcome: 'failed',
      reason: 'source error',
      error: `read ${problem.path}: ${problem.error}`,
      seconds: 0,
    };
    reporting.tracker.fileDone(result);
    append(result);
  }
}
