import { LEFT_OUT_REASONS, type LeftOutFile, type LeftOutReason } from './left-out.js';
import { formatCount } from '../status/format.js';

const REASON_LABELS: Record<LeftOutReason, string> = {
  extension: "extension not in the type's set",
  'not a folder type': 'not a folder type',
  'not a regular file': 'not a regular file',
  'link loop': 'link loop',
  'system folder': 'system folder',
  'system file': 'macOS AppleDouble file',
  'too recent': 'too recent',
};

/**
 * Lines telling what the plan left out: none for nothing, else one line of counts by reason
 * (`left out: 12 files (9 extension not in the type's set, 2 not a folder type, 1 too recent)`),
 * followed by one line per entry for the first `shown` of them, in the order given, from {@link describeLeftOut},
 * and a line counting the rest that names `more`, where to find them.
 */
export function summarizeLeftOut(leftOut: readonly LeftOutFile[], shown = 0, more = ''): string[] {
  if (leftOut.length === 0) return [];
  const counts = countByReason(leftOut);
  const parts = LEFT_OUT_REASONS.filter((reason) => counts[reason] > 0).map(
    (reason) => `${counts[reason]} ${REASON_LABELS[reason]}`,
  );
  const header = `left out: ${formatCount(leftOut.length, 'file')} (${parts.join(', ')})`;
  const listed = leftOut.slice(0, shown).map((entry) => `  ${describeLeftOut(entry)}`);
  const rest = leftOut.length - listed.length;
  if (listed.length === 0 || rest === 0) return [header, ...listed];
  return [header, ...listed, `  and ${rest} more${more ? `: ${more}` : ''}`];
}

/** One entry as a line: `<path>: <reason>`, with the detail (`extension not in the reels set`). */
export function describeLeftOut(entry: LeftOutFile): string {
  if (entry.reason === 'extension' && entry.detail !== undefined)
    return `${entry.path}: extension not in the ${entry.detail} set`;
  const detail = entry.detail === undefined ? '' : ` (${entry.detail})`;
  return `${entry.path}: ${REASON_LABELS[entry.reason]}${detail}`;
}

function countByReason(leftOut: readonly LeftOutFile[]): Record<LeftOutReason, number> {
  const counts = Object.fromEntries(LEFT_OUT_REASONS.map((reason) => [reason, 0])) as Record<
    LeftOutReason,
    number
  >;
  for (const entry of leftOut) counts[entry.reason] += 1;
  return counts;
}
