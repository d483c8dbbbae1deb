import type { Logger } from '../log/logger.js';
import type { LeftOutFile } from './left-out.js';
import type { UploadPlan, UploadTask } from './plan-upload.js';
import { formatCount } from '../status/format.js';

/**
 * Leaves out files modified within the last `minAgeSec` seconds, so a scheduled run never sends a
 * reel that is still being recorded; the next run picks them up. They are not logged as skipped,
 * because nothing about the bucket was checked for them: they join `leftOut` as `too recent`.
 */
export function applyMinFileAge(
  plan: UploadPlan,
  minAgeSec: number,
  log: Logger,
  nowMs = Date.now(),
): UploadPlan {
  if (minAgeSec <= 0) return plan;
  const cutoffMs = nowMs - minAgeSec * 1000;
  const held: LeftOutFile[] = [];
  const groups = new Map<string, UploadTask[]>();
  for (const [group, tasks] of plan.groups) {
    const old = tasks.filter((task) => task.mtimeMs <= cutoffMs);
    for (const task of tasks)
      if (task.mtimeMs > cutoffMs) held.push({ path: task.path, reason: 'too recent' });
    if (old.length > 0) groups.set(group, old);
  }
  if (held.length > 0)
    log.warn(
      `left for the next run: ${formatCount(held.length, 'file')} modified in the last ${minAgeSec} s (--min-file-age)`,
    );
  return { groups, problems: plan.problems, leftOut: plan.leftOut.concat(held) };
}
