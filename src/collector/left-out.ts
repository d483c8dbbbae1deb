/**
 * Why a file or folder found under `--folder` is not in the plan. Closed set, in the order the
 * summary lists them.
 */
export const LEFT_OUT_REASONS = [
  'extension',
  'not a folder type',
  'not a regular file',
  'link loop',
  'system folder',
  'system file',
  'too recent',
] as const;

export type LeftOutReason = (typeof LEFT_OUT_REASONS)[number];

/**
 * One file or folder the plan leaves out on purpose (unlike a walk problem, it is no failure).
 * `detail` is, for `extension`, the folder type whose extension set the name is not in, and for
 * `link loop` the folder the link leads back to. One small record per entry: a plan of 100,000
 * files keeps only these strings.
 */
export interface LeftOutFile {
  path: string;
  reason: LeftOutReason;
  detail?: string;
}
