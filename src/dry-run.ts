import { describeLeftOut, summarizeLeftOut } from './collector/left-out-summary.js';
import type { UploadPlan, UploadTask } from './collector/plan-upload.js';
import { projectPrefixOf, type RunOptions } from './config/run-options.js';
import { escapeControls } from './status/control-escapes.js';
import { formatBytes, formatCount } from './status/format.js';
import { countLeftOut } from './status/summary.js';
import { formatTable } from './status/text-table.js';
import type { ResumePreview } from './transfer/resume-preview.js';
import type { DecidedTask } from './transfer/upload-all.js';

type DryRunOptions = Pick<RunOptions, 'bucket' | 'prefix' | 'projectKey' | 'folder' | 'debug' | 'json'> &
  Partial<Pick<RunOptions, 'timestamp'>>;

/** The interrupted uploads the run would resume, by file (see `previewResumes`). */
type Resumes = ReadonlyMap<UploadTask, ResumePreview>;

/**
 * Prints what a run would do without sending anything: per group, files and bytes to upload and
 * to skip (the bytes an interrupted upload already sent are not counted again); every file the plan cannot read
 * or leaves out, with its reason; each upload the run would resume; with --debug every file, its key and the
 * reason for its decision. With --json, JSON lines only (see {@link printDryRunJson}).
 */
export function printDryRun(
  decided: readonly DecidedTask[],
  plan: Pick<UploadPlan, 'problems' | 'leftOut'>,
  options: DryRunOptions,
  stream: NodeJS.WritableStream,
  resumes: Resumes = new Map(),
): void {
  if (options.json) return printDryRunJson(decided, plan, options, stream, resumes);
  const rows: string[][] = [['group', 'files', 'bytes', 'to upload', 'upload bytes', 'to skip']];
  for (const [group, tally] of tallyByGroup(decided, resumes)) {
    rows.push([
      escapeControls(group),
      String(tally.files),
      formatBytes(tally.bytes),
      String(tally.uploads),
      formatBytes(tally.uploadBytes),
      String(tally.files - tally.uploads),
    ]);
  }
  const target = `s3://${options.bucket}/${projectPrefixOf(options)}`;
  const stamp = options.timestamp ? ` (timestamp folder ${options.timestamp})` : '';
  stream.write(
    `${escapeControls(`Dry run: nothing is sent. Plan for ${options.folder} -> ${target}${stamp}`)}\n`,
  );
  for (const line of formatTable(rows, ['left', 'right', 'right', 'right', 'right', 'right']))
    stream.write(`${line}\n`);
  printPlanGaps(plan, stream);
  printSettingsToFix(decided, options.debug, stream);
  printResumes(resumes, stream);
  if (!options.debug) return;
  for (const { task, decision } of decided) {
    const resume = resumes.get(task);
    const resumed = resume ? `; resumes an interrupted upload, ${describeResume(resume)}` : '';
    const line = `${decision.action.padEnd(6)} ${task.relPath} -> ${task.key} (${formatBytes(task.sizeBytes)}): ${decision.reason}${resumed}`;
    stream.write(`${escapeControls(line)}\n`);
  }
}

/**
 * The dry run as JSON lines: one `planned` record per file (group, file, key, size, action, reason), one
 * `unreadable` record per file the walk could not read, one `left-out` record per file left out, and a last
 * `dry-run` record with the destination and the counts (`left_out` by reason, every reason present).
 */
export function printDryRunJson(
  decided: readonly DecidedTask[],
  plan: Pick<UploadPlan, 'problems' | 'leftOut'>,
  options: DryRunOptions,
  stream: NodeJS.WritableStream,
  resumes: Resumes = new Map(),
): void {
  const emit = (record: Record<string, unknown>): void => void stream.write(`${JSON.stringify(record)}\n`);
  for (const { task, decision, group } of decided) {
    const { path: file, key, sizeBytes } = task;
    emit({
      type: 'planned',
      group,
      file,
      key,
      size_bytes: sizeBytes,
      action: decision.action,
      reason: decision.reason,
      sent_earlier_bytes: resumes.get(task)?.bytesSent ?? 0,
    });
  }
  for (const problem of plan.problems)
    emit({
      type: problem.cause === 'read' ? 'unreadable' : 'invalid-key',
      file: problem.path,
      error: problem.error,
    });
  for (const entry of plan.leftOut)
    emit({
      type: 'left-out',
      file: entry.path,
      reason: entry.reason,
      detail: entry.detail ?? null,
      text: describeLeftOut(entry),
    });
  const totals = tallyOf(decided, resumes);
  emit({
    type: 'dry-run',
    folder: options.folder,
    bucket: options.bucket,
    project_prefix: projectPrefixOf(options),
    timestamp_folder: options.timestamp ?? null,
    files: totals.files,
    bytes: totals.bytes,
    to_upload: totals.uploads,
    upload_bytes: totals.uploadBytes,
    to_skip: totals.files - totals.uploads,
    to_fix_settings: totals.fixes,
    unreadable: plan.problems.filter((problem) => problem.cause === 'read').length,
    invalid_key: plan.problems.filter((problem) => problem.cause === 'key').length,
    left_out: countLeftOut(plan.leftOut),
  });
}

/** Objects shown when settings would change, before "and N more": --debug lists every file anyway. */
const FIXES_SHOWN = 50;

/** What --fix-settings would change: each object whose class, encryption or tags differ, and how. */
function printSettingsToFix(
  decided: readonly DecidedTask[],
  debug: boolean,
  stream: NodeJS.WritableStream,
): void {
  const fixes = decided.filter((item) => item.decision.action === 'fix-settings');
  if (fixes.length === 0) return;
  const count = formatCount(fixes.length, 'object');
  stream.write(`would fix settings in place (a copy in the bucket, no bytes sent): ${count}\n`);
  if (debug) return;
  for (const { task, decision } of fixes.slice(0, FIXES_SHOWN))
    stream.write(`  ${escapeControls(`${task.key}: ${decision.reason}`)}\n`);
  if (fixes.length > FIXES_SHOWN)
    stream.write(`  and ${fixes.length - FIXES_SHOWN} more (--debug lists them all)\n`);
}

/** Each upload the run would take up where it stopped, with what it already sent. */
function printResumes(resumes: Resumes, stream: NodeJS.WritableStream): void {
  if (resumes.size === 0) return;
  stream.write(`would resume ${formatCount(resumes.size, 'interrupted upload')}:\n`);
  for (const [task, resume] of resumes)
    stream.write(`  ${escapeControls(task.key)}: ${describeResume(resume)}\n`);
}

function describeResume({ partsSent, partsTotal, bytesSent, touched }: ResumePreview): string {
  const checked = touched ? "; the file's mtime moved since: kept where they still hold its bytes" : '';
  return `${partsSent} of ${partsTotal} parts (${formatBytes(bytesSent)}) sent earlier${checked}`;
}

const PROBLEM_HEADINGS = [
  ['read', 'cannot be read'],
  ['key', 'no valid object key'],
] as const;

function printPlanGaps(plan: Pick<UploadPlan, 'problems' | 'leftOut'>, stream: NodeJS.WritableStream): void {
  for (const [cause, heading] of PROBLEM_HEADINGS) {
    const problems = plan.problems.filter((problem) => problem.cause === cause);
    if (problems.length === 0) continue;
    stream.write(`would fail, ${heading}: ${formatCount(problems.length, 'file')}\n`);
    for (const problem of problems)
      stream.write(`  ${escapeControls(`${problem.path}: ${problem.error}`)}\n`);
  }
  for (const line of summarizeLeftOut(plan.leftOut, Infinity)) stream.write(`${escapeControls(line)}\n`);
}

/** Files and bytes of a set of planned files, and how many of them a run would upload or fix in place. */
interface Tally {
  files: number;
  bytes: number;
  uploads: number;
  uploadBytes: number;
  fixes: number;
}

/** Counted in one pass, without a list per group: 100,000 files cost a few numbers, not copies of the plan. */
function tallyByGroup(decided: readonly DecidedTask[], resumes: Resumes): Map<string, Tally> {
  const tallies = new Map<string, Tally>();
  for (const item of decided) {
    let tally = tallies.get(item.group);
    if (!tally) tallies.set(item.group, (tally = emptyTally()));
    count(tally, item, resumes);
  }
  return tallies;
}

function tallyOf(decided: readonly DecidedTask[], resumes: Resumes): Tally {
  const tally = emptyTally();
  for (const item of decided) count(tally, item, resumes);
  return tally;
}

function emptyTally(): Tally {
  return { files: 0, bytes: 0, uploads: 0, uploadBytes: 0, fixes: 0 };
}

function count(tally: Tally, { task, decision }: DecidedTask, resumes: Resumes): void {
  tally.files += 1;
  tally.bytes += task.sizeBytes;
  if (decision.action === 'upload') {
    tally.uploads += 1;
    tally.uploadBytes += task.sizeBytes - (resumes.get(task)?.bytesSent ?? 0);
  } else if (decision.action === 'fix-settings') {
    tally.fixes += 1;
  }
}
