import type { Logger } from '../log/logger.js';
import type { UploadPlan } from './plan-upload.js';

/**
 * Leaves out files modified within the last `minAgeSec` seconds, so a scheduled run never sends a
 * reel that is still being recorded; the next run picks them up. They are not logged as skipped,
 * because nothing about the bucket was checked for them.
 */
export function applyMinFileAge(
  plan: UploadPlan,
  minAgeSec: number,
  log: Logger,
  nowMs = Date.now(),
): UploadPlan {
  if (minAgeSec <= 0) return plan;
  const cutoffMs = nowMs - minAgeSec * 1000;
  let held = 0;
  const groups = new Map<string, UploadPlan['groups'] extends Map<string, infer T> ? T : never>();
  for (const [group, tasks] of plan.groups) {
    const old = tasks.filter((task) => task.mtimeMs <= cutoffMs);
    held += tasks.length - old.length;
    if (old.length > 0) groups.set(group, old);
  }
  if (held > 0)
    log.warn(
      `${held} file(s) modified in the last ${minAgeSec} s are left for the next run (--min-file-age)`,
    );
  return { groups, problems: plan.problems };
}
