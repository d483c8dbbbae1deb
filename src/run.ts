import { writeLeftOutList } from './collector/left-out-log.js';
import type { LeftOutFile } from './collector/left-out.js';
import { planUpload, type UploadPlan, type UploadTask } from './collector/plan-upload.js';
import { projectPrefixOf, type RunOptions } from './config/run-options.js';
import { InterruptedError, UploadError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { describeStopAgain, describeStopping, GRACE_MS, type Interrupts } from './interrupt.js';
import type { Logger } from './log/logger.js';
import type { Listing } from './remote/bucket-probe.js';
import { connectStore, probeBucket } from './remote/connect.js';
import { endpointId } from './remote/endpoint-id.js';
import { PartSizeLimits } from './state/part-size-limits.js';
import type { S3Store } from './remote/s3-store.js';
import { openCsvLog, readUploadLog, type LogTarget, type UploadLogIndex } from './status/csv-log.js';
import { rotateCsvLogIfLarge } from './status/csv-log-rotation.js';
import { checkOutputPaths } from './status/output-paths.js';
import { startReporting, type Reporting } from './status/reporting.js';
import type { FileResult, StatusSnapshot, StatusTracker } from './status/status-tracker.js';
import { createBandwidthLimiter, type BandwidthLimiter } from './transfer/bandwidth-limiter.js';
import {
  describeRateInForce,
  rateAt,
  type BandwidthSchedule,
  type RateInForce,
} from './config/bandwidth-schedule.js';
import { TransferScheduler } from './transfer/scheduler.js';
import { BufferPool } from './transfer/buffer-pool.js';
import { WholeFileReader } from './transfer/whole-file-reader.js';
import { uploadAll, type DecidedTask } from './transfer/upload-all.js';
import { holdYoungGeneration, shouldHoldYoungGeneration } from './young-generation.js';
import { JournalStore } from './transfer/upload-journal.js';
import { leftBehindFolders } from './transfer/left-behind-folders.js';
import { formatBytes, formatCount } from './status/format.js';
import { abortLeftoverUploads } from './transfer/leftover-uploads.js';
import { chooseIntegrityMode, crcOfSetting, describeChecksumNotKept } from './transfer/integrity-mode.js';
import { TAGS_NOT_KEPT } from './transfer/object-tags.js';
import { HashCache } from './content/hash-cache.js';
import { decideUploads, isSettledByLog } from './verifier/verify-plan.js';
import { describeLogGap, findLogGap, listPrefixes, settledByLog, type LogGap } from './verifier/log-gap.js';
import { plannedPrefixes } from './verifier/lookup-remote.js';
import { proveUploads } from './verifier/prove-uploads.js';
import { printDryRun } from './dry-run.js';
import { previewResumes } from './transfer/resume-preview.js';
import { uploadSettingsFor } from './transfer/upload-settings.js';
import { acquireRunLock, lockScope, type RunLock } from './run-lock.js';
import { lockBucketIfAsked } from './bucket-lock.js';
import { applyMinFileAge } from './collector/min-file-age.js';
import { groupOf } from './collector/group-of.js';
import { settingsForType } from './config/object-options.js';
import { describeMtimeOnlySkips, LOG_SKIP_REASON, type Decision } from './verifier/decide.js';
import { findSettingsToFix, sampleSkippedSettings, wantedSettingsFrom } from './verifier/check-settings.js';
import { describeSettingsDiff } from './verifier/settings-diff.js';
import { describeOtherProjectFolder } from './config/project-folder-name.js';
import { createStopTriage } from './transfer/stop-triage.js';
import { pacedPartBytes, pacedWireBytes } from './transfer/transfer-config.js';
import { SettingVerdicts } from './transfer/setting-verdicts.js';
import { LinkWatch } from './transfer/link-watch.js';
import { PartSizeCap } from './transfer/part-size-cap.js';
import { monotonicMs } from './monotonic-clock.js';
import { interruptedBySignal } from './resume-advice.js';
import { runErrorOf } from './status/run-error.js';
import { readStatusFile } from './status/status-file.js';
import { unfinishedTimestampFolder } from './status/unfinished-run.js';
import { removeOrphanedRunTemps } from './state/orphaned-temps.js';

/** How a run ended, for the summary and the exit code. */
export interface RunResult {
  snapshot: StatusSnapshot;
  failed: number;
  elapsedMs: number;
  /** What the plan left out on purpose, for the summary. */
  leftOut: readonly LeftOutFile[];
  /**
   * The error (or the interruption) that stopped a run after it began to send: the caller shows what the run did,
   * then reports this as it would have been thrown.
   */
  stoppedBy?: Error;
}

/**
 * One upload run: plan → connect → decide → transfer → report. Each step lives in its own
 * module; this function only threads them together and guarantees the final status write.
 * @throws UploadError subclasses for run-fatal problems, and InterruptedError when stopped by a signal, before the run
 * sent or settled anything; after that, the result carries them as `stoppedBy`.
 */
export async function runUpload(
  options: RunOptions,
  interrupts: Interrupts,
  log: Logger,
): Promise<RunResult> {
  await checkOutputPaths(options);
  const lock = options.dryRun
    ? undefined
    : await acquireRunLock(options.stateDir, lockScope(options), {
        statusFile: options.statusJson,
        onLost: (error) => interrupts.abortAll(error),
      });
  // a lock left behind would refuse the next run (a CI job re-run on another runner) until its lease ends
  if (lock) interrupts.onForcedExit(() => lock.releaseSync());
  try {
    if (lock) await removeTempsOfKilledRuns(options, log);
    return await runLocked(options, interrupts, log);
  } finally {
    await lock?.release();
  }
}

/** What a run killed mid-write left beside the files it replaces; only the run holding the lock may remove it. */
async function removeTempsOfKilledRuns(options: RunOptions, log: Logger): Promise<void> {
  const files = [options.statusJson, options.logCsv, options.logLeftOut].filter((file) => file !== undefined);
  const removed = await removeOrphanedRunTemps(options.stateDir, files);
  if (removed.length > 0) log.debug(`removed temp files left by a killed run: ${removed.join(', ')}`);
}

async function runLocked(options: RunOptions, interrupts: Interrupts, log: Logger): Promise<RunResult> {
  const started = monotonicMs();
  // read before this run's first heartbeat replaces it
  const unfinished = options.timestampFromClock ? await unfinishedRunFolder(options) : undefined;
  const reporting = await startReporting(options, log);
  // a second Ctrl+C stops at once: the status file says how the run ended before the run unwinds
  interrupts.onStopNow(() => reporting.stopNow('interrupted'));
  interrupts.onStopping((signal) =>
    reporting.announceStopping(describeStopping(signal), describeStopAgain(signal)),
  );
  let store: S3Store | undefined;
  let bucketLock: RunLock | undefined;
  const hashCache = await HashCache.load(options.stateDir);
  let leftOut: readonly LeftOutFile[] = [];
  try {
    reporting.tracker.setPhase('planning');
    const otherProject = describeOtherProjectFolder(options.folder, options.projectKey);
    if (otherProject) log.warn(otherProject);
    const planned = await planUpload({ ...options, onDebug: (message) => log.debug(message) });
    const plan = applyMinFileAge(planned, options.minFileAgeSec, log);
    leftOut = plan.leftOut;
    if (options.logLeftOut)
      await writeLeftOutList(options.logLeftOut, plan.leftOut, (message) => log.warn(message));
    if (shouldHoldYoungGeneration(plan)) holdYoungGeneration();
    // known from the plan: while the run decides, the views and the status file already show what it will do
    reporting.tracker.setTotals(...plannedTotals(plan));
    reporting.tracker.startRun({
      folder: options.folder,
      bucket: options.bucket,
      projectPrefix: projectPrefixOf(options),
      timestampFolder: options.timestamp,
    });
    await warnOfLeftBehindFolders(options, log, unfinished);
    const logged = await readUploadLog(options.logCsv, logTarget(options), { hashes: 'etag' });
    const opened = await openStore(plan, options, logged, { log, interrupts });
    store = opened.store;
    if (opened.logGap)
      log.warn(
        `upload log: ${describeLogGap(opened.logGap)}; every planned file is checked against the bucket this run, as --verify does`,
      );
    if (store && !options.dryRun)
      bucketLock = await lockBucketIfAsked(store.ownObjects, options, (error) => interrupts.abortAll(error));
    reporting.tracker.setPhase('verifying');
    // a dry run may run beside a real one and changes nothing, the log included
    if (!options.dryRun) await rotateLogIfLarge(options.logCsv, logged, log);
    const decided = await decide(plan, opened.logGap ? { ...options, verify: true } : options, {
      store,
      hashCache,
      interrupts,
      logged,
    });
    const trustedSkips = options.check ? describeMtimeOnlySkips(decided) : undefined;
    if (trustedSkips) log.warn(trustedSkips);
    if (store && !options.fixSettings)
      await warnOfSkippedWithOtherSettings(decided, options, { store, log, signal: interrupts.soft });
    let unproven = 0;
    // a dry run exits as the run would: the files it could not read or name are failures of the run
    let wouldFail = 0;
    if (options.dryRun) {
      wouldFail = plan.problems.length;
      const journals = new JournalStore(options.stateDir, endpointId(options.endpoint));
      printDryRun(
        decided,
        plan,
        options,
        process.stdout,
        await previewResumes(decided, journals, {
          bucket: options.bucket,
          settingsOf: (task) =>
            uploadSettingsFor(
              task.key,
              settingsForType(options.objects, task.group),
              options.objects.requests.customerKey?.keyMd5Base64,
            ),
          verifyLarge: options.verifyLarge,
        }),
      );
    } else {
      await transfer(decided, plan, options, {
        store,
        hashCache,
        interrupts,
        reporting,
        log,
        logged,
      });
      // --check: a run that would exit 0 first proves by content that the bucket holds what it sent
      if (options.check && reporting.tracker.snapshot().totals.failed === 0) {
        const proof = { reader: store!, bucket: options.bucket, hashCache, signal: interrupts.soft };
        unproven = await proveUploads(decided, proof, (message) => log.warn(message));
      }
    }
    const snapshot = reporting.tracker.snapshot();
    // a run that ends here ended without a run-fatal error, whatever a signal during it announced
    reporting.tracker.setRunError(null);
    const failed = snapshot.totals.failed + unproven + wouldFail;
    reporting.tracker.setPhase(failed > 0 ? 'failed' : 'completed');
    return {
      snapshot: reporting.tracker.snapshot(),
      failed,
      elapsedMs: monotonicMs() - started,
      leftOut: plan.leftOut,
    };
  } catch (error) {
    const ended = endingError(error, interrupts, options);
    const began = hasSentOrSettled(reporting.tracker.snapshot());
    recordRunError(reporting, ended);
    if (!began || !(ended instanceof Error)) throw ended;
    const snapshot = reporting.tracker.snapshot();
    const elapsedMs = monotonicMs() - started;
    return { snapshot, failed: snapshot.totals.failed, elapsedMs, leftOut, stoppedBy: ended };
  } finally {
    await reporting.stop();
    // before the hash cache, which may take a while to write: a run stopped at once has little time left, and
    // the bucket lock keeps other machines off the project, while the local run lock covers the cache
    await bucketLock?.release();
    await hashCache
      .save()
      .catch((error: unknown) => log.warn(`could not save the hash cache: ${String(error)}`));
    store?.destroy();
  }
}

/**
 * A `--timestamp` run names the folders in which a crashed run (power lost, a killed task) left uploads: this run
 * sends those files again into its own folder, where `--custom-timestamp` with the old one would resume them. The
 * folders come from the journals (multipart uploads under way) and from `unfinished`, the folder of the last run
 * whose status file says it stopped before it was done (a run of small files leaves no journal).
 */
async function warnOfLeftBehindFolders(
  options: RunOptions,
  log: Logger,
  unfinished: string | undefined,
): Promise<void> {
  if (!options.timestampFromClock) return;
  const journals = await new JournalStore(options.stateDir, endpointId(options.endpoint)).list();
  const folders = leftBehindFolders(journals, options);
  const resend = options.dryRun ? 'the run would send' : 'this run sends';
  const instead = options.dryRun ? 'run' : 'stop it and run';
  for (const folder of folders) {
    const uploads = `${formatCount(folder.files, 'upload')} (${formatBytes(folder.bytesSent)} stored)`;
    log.warn(
      `an interrupted run left ${uploads} under timestamp folder ${folder.timestamp}; ${resend} those files again into ${options.timestamp}: to resume them instead, ${instead} with --custom-timestamp ${folder.timestamp}`,
    );
  }
  if (unfinished === undefined || unfinished === options.timestamp) return;
  if (folders.some((folder) => folder.timestamp === unfinished)) return;
  log.warn(
    `the last run stopped before it was done under timestamp folder ${unfinished}; ${resend} its files again into ${options.timestamp}: to finish that folder instead, ${instead} with --custom-timestamp ${unfinished}`,
  );
}

/** The timestamp folder the last run of this project left unfinished, by its status file (none when unreadable). */
async function unfinishedRunFolder(options: RunOptions): Promise<string | undefined> {
  const status = await readStatusFile(options.statusJson).catch(() => undefined);
  return unfinishedTimestampFolder(status, options.projectKey);
}

/** The store a run connected (none when it needs none), and what the bucket lacks of what the log says was sent. */
interface OpenedStore {
  store: S3Store | undefined;
  logGap: LogGap | undefined;
}

/**
 * The store a run (or a dry run) needs, connected and proven with one HeadBucket. A run
 * the upload log settles whole (nothing to send, fix or clean up) needs only to know that the bucket is there and
 * holds what the log says was sent: a probe without the SDK tells it where the target allows, and the store is
 * then never built. Either way, before the log is trusted, the prefixes of the files it settles are listed and
 * each of their objects looked for ({@link settledByLog}); any one missing has the run decide as --verify does.
 */
async function openStore(
  plan: UploadPlan,
  options: RunOptions,
  logged: UploadLogIndex,
  { log, interrupts }: { log: Logger; interrupts: Interrupts },
): Promise<OpenedStore> {
  const trustsLog = !options.force && !options.verify && !options.check;
  const settled = trustsLog ? settledByLog([...plan.groups.values()].flat(), logged.uploads) : [];
  const prefixes = plannedPrefixes(settled);
  let listing: Listing | undefined;
  if (await needsNothingButTheBucket(plan, options, logged)) {
    listing = await probeBucket(options, log, interrupts.hard, prefixes);
    if (listing && !findLogGap(settled, listing, options.bucket, logged.uploads))
      return { store: undefined, logGap: undefined };
  }
  const store = await connectStore(options, log, interrupts.hard);
  listing ??= await listPrefixes(store, options.bucket, prefixes, interrupts.hard);
  return { store, logGap: findLogGap(settled, listing, options.bucket, logged.uploads) };
}

async function needsNothingButTheBucket(
  plan: UploadPlan,
  options: RunOptions,
  logged: UploadLogIndex,
): Promise<boolean> {
  if (options.fixSettings || (options.bucketLock && !options.dryRun)) return false;
  if (!planSettledByLog(plan, options, logged)) return false;
  // a dry run aborts nothing, and proves as the run does that the bucket answers these credentials: a CI job
  // gated on it must not go green on a key the upload step is then refused
  if (options.dryRun) return true;
  // an unfinished upload an earlier run of this project left is aborted at the end of this one, through the
  // store; another project's, in the same state folder, waits for its own run to resume it
  const projectPrefix = projectPrefixOf(options);
  const journals = await new JournalStore(options.stateDir, endpointId(options.endpoint)).list();
  return !journals.some(({ bucket, key }) => bucket === options.bucket && key.startsWith(projectPrefix));
}

/** Whether the upload log alone settles every planned file as a skip (never with --force, --verify or --check). */
function planSettledByLog(plan: UploadPlan, options: RunOptions, logged: UploadLogIndex): boolean {
  const tasks = [...plan.groups.values()].flat();
  const { force, verify, check } = options;
  return isSettledByLog(tasks, { logged: logged.uploads, force, verify, check });
}

/**
 * The error a run ends with. A stop signal aborts whatever was awaited (hashing, listing), whatever error that
 * surfaces as: the run was interrupted, it did not fail. A run stopped by its own fatal error (a lost lock, a log
 * that cannot be written) ends with that error, not with the abort it caused.
 */
function endingError(error: unknown, interrupts: Interrupts, options: RunOptions): unknown {
  if (interrupts.interrupted) return new InterruptedError(interruptedBySignal(options));
  const reason: unknown = interrupts.hard.aborted ? interrupts.hard.reason : undefined;
  return reason instanceof UploadError ? reason : error;
}

/**
 * Whether a run has done something its summary would tell: a file settled or bytes sent. A run refused at its first
 * request (a storage class the server does not know) has nothing to show but the error.
 */
function hasSentOrSettled({ phase, totals }: StatusSnapshot): boolean {
  if (phase !== 'uploading') return false;
  return totals.uploaded + totals.skipped + totals.failed > 0 || totals.bytes_sent > 0;
}

/** The status file says why the run ended, for an unattended run's owner who never sees stderr. */
function recordRunError(reporting: Reporting, error: unknown): void {
  const runError = runErrorOf(error);
  reporting.tracker.setRunError(runError);
  reporting.tracker.setPhase(runError.exit_code === EXIT.interrupted ? 'interrupted' : 'failed');
}

/** @throws ConfigError when the log cannot be read or rewritten: then it could not be appended to either. */
async function rotateLogIfLarge(logCsv: string, counts: UploadLogIndex, log: Logger): Promise<void> {
  const onWarning = (message: string) => log.warn(message);
  const oldPath = await rotateCsvLogIfLarge(logCsv, undefined, { onWarning, counts });
  if (oldPath) log.debug(`CSV log rotated: earlier rows in ${oldPath}, one row per object carried over`);
}

function logTarget(options: RunOptions): LogTarget {
  return { endpoint: endpointId(options.endpoint), bucket: options.bucket };
}

interface DecideDeps {
  store: S3Store | undefined;
  hashCache: HashCache;
  interrupts: Interrupts;
  logged: UploadLogIndex;
}

async function decide(
  plan: UploadPlan,
  options: RunOptions,
  { store, hashCache, interrupts, logged }: DecideDeps,
): Promise<DecidedTask[]> {
  const tasks: UploadTask[] = [...plan.groups.values()].flat();
  const decisions = await decideUploads(tasks, {
    store,
    bucket: options.bucket,
    logged: logged.uploads,
    mismatched: logged.mismatched,
    hashCache,
    force: options.force,
    verify: options.verify,
    check: options.check,
    signal: interrupts.soft,
  });
  const toFix = await settingsToFix(tasks, decisions, options, { store, signal: interrupts.soft });
  return tasks.map((task, i) => {
    const differences = toFix.get(task);
    const decision = differences
      ? { action: 'fix-settings' as const, reason: describeSettingsDiff(differences) }
      : decisions[i]!;
    return { task, decision, group: groupOf(task, options.groupKey) };
  });
}

/**
 * Says once when files the run skips because the bucket holds them (not because its log does) are stored
 * otherwise than it asks, judged by the first of them: a bucket filled by another machine, or by a run the server
 * stored without the encryption asked for.
 */
async function warnOfSkippedWithOtherSettings(
  decided: readonly DecidedTask[],
  options: RunOptions,
  { store, log, signal }: { store: S3Store; log: Logger; signal: AbortSignal },
): Promise<void> {
  const skipped = decided
    .filter(({ decision }) => decision.action === 'skip' && decision.reason !== LOG_SKIP_REASON)
    .map(({ task }) => task);
  const first = skipped[0];
  const wanted = wantedSettingsFrom(options.objects);
  const asked = first && wanted(first);
  // tags alone are asked of every object (project=KEY by default): a rerun pays requests for encryption or a class
  if (!asked || (!asked.settings.encryption && !asked.settings.storageClass && !asked.customerKey)) return;
  const differences = await sampleSkippedSettings(first, {
    reader: store,
    bucket: options.bucket,
    wanted,
    signal,
  });
  if (!differences) return;
  log.warn(
    `${formatCount(skipped.length, 'file')} skipped as already in the bucket, ${first.key} stored otherwise than ` +
      `asked (${differences.join('; ')}); a run does not rewrite objects already there: ` +
      'upload --fix-settings does, and check lists each',
  );
}

/** With --fix-settings: the files already in the bucket whose objects' settings differ, and how. */
async function settingsToFix(
  tasks: readonly UploadTask[],
  decisions: readonly Decision[],
  options: RunOptions,
  { store, signal }: { store: S3Store | undefined; signal: AbortSignal },
): Promise<Map<UploadTask, string[]>> {
  if (!options.fixSettings || !store) return new Map();
  const skipped = tasks.filter((_task, i) => decisions[i]?.action === 'skip');
  const wanted = wantedSettingsFrom(options.objects);
  return findSettingsToFix(skipped, { reader: store, bucket: options.bucket, wanted, signal });
}

interface TransferDeps {
  /** Absent when the upload log settled every file: then there is nothing to send. */
  store: S3Store | undefined;
  hashCache: HashCache;
  interrupts: Interrupts;
  reporting: Reporting;
  log: Logger;
  /** The log as read before deciding: rows that would only repeat it are not written. */
  logged: UploadLogIndex;
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
  const csvLog = await openCsvLog(options.logCsv, {
    target: logTarget(options),
    known: deps.logged,
    unchanged: {
      reason: LOG_SKIP_REASON,
      scope: { folder: options.folder, keyPrefix: projectPrefixOf(options) },
    },
    onWarning: (message) => deps.log.warn(message),
    // a log that cannot be written (disk full) stops the run: files sent but not recorded would be sent again
    onFatal: (error) => deps.interrupts.abortAll(error),
  });
  const journals = new JournalStore(options.stateDir, endpointId(options.endpoint));
  const partSizeLimits = new PartSizeLimits(options.stateDir);
  // a timetable's later rates change the pace, not the part sizes and the bodies in flight chosen for this one
  const pacedRate = rateAt(options.bandwidth, new Date()).entry.bytesPerSecond;
  try {
    recordWalkProblems(plan, deps.reporting, csvLog.append.bind(csvLog));
    await uploadAll(decided, {
      tracker,
      csvLog,
      maxFilesInFlight: options.maxConcurrency,
      abortAll: (reason) => deps.interrupts.abortAll(reason),
      stopStarting: (reason) => deps.interrupts.stopStarting(reason),
      signal: deps.interrupts.soft,
      transfer: deps.store && {
        store: deps.store,
        bucket: options.bucket,
        scheduler: new TransferScheduler(
          options.maxConcurrency,
          options.maxMemoryBytes,
          deps.interrupts.soft,
          pacedWireBytes(pacedRate),
        ),
        pacedPartBytes: pacedPartBytes(pacedRate),
        buffers: new BufferPool(options.maxMemoryBytes),
        wholeFiles: new WholeFileReader((message) => deps.log.debug(message)),
        journals,
        hashCache: deps.hashCache,
        limiter: bandwidthLimiter(options.bandwidth, tracker),
        signal: deps.interrupts.soft,
        hardSignal: deps.interrupts.hard,
        flights: createStopTriage({
          soft: deps.interrupts.soft,
          hard: deps.interrupts.hard,
          graceMs: GRACE_MS,
          debug: (message) => deps.log.debug(message),
        }),
        link: new LinkWatch(),
        maxWorkersPerFile: options.maxConcurrency,
        partSizeCap: await learntPartSizeCap(partSizeLimits, options, deps.log),
        storageClassVerdicts: new SettingVerdicts(),
        aclVerdicts: new SettingVerdicts(),
        wholeObjectTags: {},
        verifyLarge: options.verifyLarge,
        integrity: chooseIntegrityMode(options.checksumAlgorithm, options.endpoint),
        crc: crcOfSetting(options.checksumAlgorithm),
        settingsFor: (folderType) => settingsForType(options.objects, folderType ?? ''),
        customerKeyMd5: options.objects.requests.customerKey?.keyMd5Base64,
        debug: (message) => deps.log.debug(message),
        warn: (message) => deps.log.warn(message),
        onChecksumNotKept: once(() => deps.log.warn(describeChecksumNotKept(options.checksumAlgorithm))),
        onTagsNotKept: once(() => deps.log.warn(TAGS_NOT_KEPT)),
      },
      fixSettings: deps.store && {
        store: deps.store,
        bucket: options.bucket,
        settingsFor: (folderType) => settingsForType(options.objects, folderType ?? ''),
        customerKey: options.objects.requests.customerKey !== undefined,
        signal: deps.interrupts.hard,
      },
    });
  } finally {
    await csvLog.close();
    await partSizeLimits.settled();
  }
  if (deps.store && tracker.snapshot().totals.failed === 0) {
    const scope = {
      bucket: options.bucket,
      projectPrefix: projectPrefixOf(options),
      folderTypes: new Set(plan.groups.keys()),
      timestamp: options.timestamp,
      isPlanned: isPlannedKey(decided),
    };
    await abortLeftoverUploads(deps.store, journals, scope, deps.log, deps.interrupts.hard);
  }
}

/**
 * The part size cap the runs before this one learnt at this endpoint; a cap this run lowers is kept for the next.
 * Keeping it can fail (a full disk): the next run then learns it again, which costs it one refused part.
 */
async function learntPartSizeCap(
  limits: PartSizeLimits,
  options: RunOptions,
  log: Logger,
): Promise<PartSizeCap> {
  const endpoint = endpointId(options.endpoint);
  const learnt = await limits.load(endpoint);
  if (learnt)
    log.debug(
      `parts at most ${formatBytes(learnt.bytes)}: the endpoint refused bigger ones (learnt ${learnt.learnedAt}, kept in the state folder's part-size-limits.json)`,
    );
  return new PartSizeCap(learnt?.bytes, (bytes) => {
    limits
      .save(endpoint, bytes)
      .catch((error: unknown) => log.debug(`could not keep the part size limit: ${String(error)}`));
  });
}

/**
 * The run's bandwidth limiter. Under a timetable, the views say which rate holds and until when as the upload
 * starts, and again each time the rate changes, so a run slower than the link can be told from a slow link.
 */
function bandwidthLimiter(schedule: BandwidthSchedule, tracker: StatusTracker): BandwidthLimiter {
  const tell = (inForce: RateInForce, at: Date, now: string) =>
    tracker.notice(`bandwidth ${now}${describeRateInForce(inForce, at)} (max_bandwidth timetable)`);
  if (schedule.entries.length > 1) {
    const at = new Date();
    tell(rateAt(schedule, at), at, '');
  }
  return createBandwidthLimiter(schedule, {}, (inForce, at) => tell(inForce, at, 'now '));
}

/** Whether a key is one this run planned; the set of every planned key is built only if a journal asks. */
function isPlannedKey(decided: readonly DecidedTask[]): (key: string) => boolean {
  let keys: Set<string> | undefined;
  return (key) => (keys ??= new Set(decided.map((d) => d.task.key))).has(key);
}

/** The files and bytes a plan holds, the files the walk could not read counted as files. */
function plannedTotals(plan: UploadPlan): [files: number, bytes: number] {
  let files = plan.problems.length;
  let bytes = 0;
  for (const tasks of plan.groups.values()) {
    files += tasks.length;
    for (const task of tasks) bytes += task.sizeBytes;
  }
  return [files, bytes];
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

/**
 * Files the walk could not read, and files whose path makes no valid key, are failures of this run, so the next run
 * looks at them again.
 */
function recordWalkProblems(plan: UploadPlan, reporting: Reporting, append: (r: FileResult) => void): void {
  for (const problem of plan.problems) {
    const unreadable = problem.cause === 'read';
    const result: FileResult = {
      group: unreadable ? 'unreadable' : 'invalid key',
      path: problem.path,
      key: '',
      sizeBytes: problem.sizeBytes ?? 0,
      mtimeMs: 0,
      outcome: 'failed',
      reason: unreadable ? 'source error' : 'key error',
      error: unreadable ? `read ${problem.path}: ${problem.error}` : problem.error,
      seconds: 0,
    };
    reporting.tracker.fileDone(result);
    append(result);
  }
}

/** Calls `action` the first time the function it returns is called, and never again: a warning said once a run. */
function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}
