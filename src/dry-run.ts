import { summarizeLeftOut } from './collector/left-out-summary.js';
import type { UploadPlan } from './collector/plan-upload.js';
import type { RunOptions } from './config/run-options.js';
import { formatBytes } from './status/format.js';
import { formatTable } from './status/text-table.js';
import type { DecidedTask } from './transfer/upload-all.js';

/**
 * Prints what a run would do without sending anything: per group, files and bytes to upload and
 * to skip; every file the plan cannot read or leaves out, with its reason; with --debug every
 * file, its key and the reason for its decision.
 */
export function printDryRun(
  decided: readonly DecidedTask[],
  plan: Pick<UploadPlan, 'problems' | 'leftOut'>,
  options: RunOptions,
  stream: NodeJS.WritableStream,
): void {
  const rows: string[][] = [['group', 'files', 'bytes', 'to upload', 'upload bytes', 'to skip']];
  for (const [group, items] of groupBy(decided)) {
    const uploads = items.filter((i) => i.decision.action === 'upload');
    rows.push([
      group,
      String(items.length),
      formatBytes(sum(items)),
      String(uploads.length),
      formatBytes(sum(uploads)),
      String(items.length - uploads.length),
    ]);
  }
  const target = `s3://${options.bucket}/${options.prefix}${options.projectKey}/`;
  stream.write(`Dry run: nothing is sent. Plan for ${options.folder} -> ${target}\n`);
  for (const line of formatTable(rows, ['left', 'right', 'right', 'right', 'right', 'right']))
    stream.write(`${line}\n`);
  printPlanGaps(plan, stream);
  if (!options.debug) return;
  for (const { task, decision } of decided) {
    stream.write(
      `${decision.action.padEnd(6)} ${task.relPath} -> ${task.key} (${formatBytes(task.sizeBytes)}): ${decision.reason}\n`,
    );
  }
}

function printPlanGaps(plan: Pick<UploadPlan, 'problems' | 'leftOut'>, stream: NodeJS.WritableStream): void {
  if (plan.problems.length > 0) {
    const count = plan.problems.length;
    stream.write(`would fail, cannot be read: ${count} ${count === 1 ? 'file' : 'files'}\n`);
    for (const problem of plan.problems) stream.write(`  ${problem.path}: ${problem.error}\n`);
  }
  for (const line of summarizeLeftOut(plan.leftOut, true)) stream.write(`${line}\n`);
}

function groupBy(decided: readonly DecidedTask[]): Map<string, DecidedTask[]> {
  const groups = new Map<string, DecidedTask[]>();
  for (const item of decided) {
    const list = groups.get(item.group);
    if (list) list.push(item);
    else groups.set(item.group, [item]);
  }
  return groups;
}

function sum(items: readonly DecidedTask[]): number {
  return items.reduce((total, item) => total + item.task.sizeBytes, 0);
}
