/**
 * Terminal columns of text: what a live view must count to fit a line on one row. Counted per grapheme cluster
 * (what a terminal draws as one character): East Asian wide and fullwidth characters and emoji take two
 * columns, combining marks and control characters none, everything else one.
 */
import { clustersOf, graphemes } from './grapheme-clusters.js';

const ELLIPSIS = '…';

/** The number of terminal columns `text` takes. */
export function displayWidth(text: string): number {
  if (/^[\u0020-\u007e]*$/.test(text)) return text.length;
  let width = 0;
  for (const cluster of clustersOf(text)) width += clusterWidth(cluster);
  return width;
}

/**
 * `text` cut to at most `width` columns by replacing its middle with `…`, so both the start (the folder) and the
 * end (the file name) of a path stay readable. Never splits a character.
 */
export function truncateMiddle(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 1) return width === 1 ? ELLIPSIS : '';
  const clusters = graphemes(text);
  const headBudget = Math.ceil((width - 1) / 2);
  const tail = takeColumns([...clusters].reverse(), width - 1 - headBudget).reverse();
  return `${takeColumns(clusters, headBudget).join('')}${ELLIPSIS}${tail.join('')}`;
}

/** `text` cut to at most `width` columns at its end, marked with `…`. Never splits a character. */
export function truncateEnd(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 1) return width === 1 ? ELLIPSIS : '';
  const clusters = graphemes(text);
  return `${takeColumns(clusters, width - 1).join('')}${ELLIPSIS}`;
}

/**
 * `text` broken into lines of at most `width` columns, the lines after the first indented by `indent` (the first keeps
 * the spaces it starts with): at spaces, and a word wider than a line (a long path) across lines, from where the
 * line before it stops, between folders where it can (see breakLine). Nothing is left out. Never returns an empty
 * list.
 */
export function wrapWords(text: string, width: number, indent = '  '): string[] {
  const lead = /^ */.exec(text)?.[0] ?? '';
  const lines: string[] = [];
  let line = lead;
  let hasWord = false;
  for (const word of text.slice(lead.length).split(' ')) {
    const candidate = hasWord ? `${line} ${word}` : line + word;
    hasWord = true;
    if (displayWidth(candidate) <= width) line = candidate;
    else if (line.trim() !== '' && displayWidth(indent + word) <= width) {
      lines.push(line);
      line = indent + word;
    } else {
      // a word no line holds goes on from where this line stops
      const broken = wrapPath(candidate, width, /^ */.exec(candidate)?.[0].length ?? 0, indent);
      line = broken.pop() ?? '';
      lines.push(...broken);
    }
  }
  lines.push(line);
  return lines;
}

/**
 * `text` (a path, or what ends in one) broken into lines of at most `width` columns, the lines after the first
 * indented by `indent`: between folders where it can, else where the line ends (see breakLine), never within its
 * first `keep` characters (`uploaded `, `  -> `). Spaces are no place to break: a path may hold them. Nothing is left
 * out.
 */
export function wrapPath(text: string, width: number, keep = 0, indent = '  '): string[] {
  const lines: string[] = [];
  let rest = text;
  let kept = keep;
  while (displayWidth(rest) > width) {
    const [head, tail] = breakLine(rest, width, kept);
    lines.push(head);
    rest = indent + tail;
    kept = indent.length;
  }
  lines.push(rest);
  return lines;
}

/**
 * `text` (wider than `width`) cut in two where a line of `width` columns ends: after the last `/` or `\` the line
 * holds, so a path breaks between its folders, else at the width; never within its first `keep` characters (its
 * indent), and always after at least one character more.
 */
function breakLine(text: string, width: number, keep: number): [string, string] {
  const clusters = graphemes(text);
  const taken = Math.max(takeColumns(clusters, width).length, keep + 1);
  const head = clusters.slice(0, taken);
  const slash = Math.max(head.lastIndexOf('/'), head.lastIndexOf('\\'));
  const cut = slash >= keep && slash < clusters.length - 1 ? slash + 1 : taken;
  return [clusters.slice(0, cut).join(''), clusters.slice(cut).join('')];
}

/** The longest run of `clusters` (in order) that fits `budget` columns; reversed input gives a tail, reversed. */
function takeColumns(clusters: readonly string[], budget: number): string[] {
  const taken: string[] = [];
  let used = 0;
  for (const cluster of clusters) {
    const width = clusterWidth(cluster);
    if (used + width > budget) break;
    taken.push(cluster);
    used += width;
  }
  return taken;
}

/**
 * The most columns a terminal may give a cluster. Terminals that know grapheme clusters draw an emoji sequence
 * (👩‍🔬, 👍🏽) in two columns; older ones (conhost, tmux 3.3) add up its code points. A line fitted with the larger
 * count never wraps on either, which is what keeps a live block from leaving rows behind.
 */
function clusterWidth(cluster: string): number {
  const codePoint = cluster.codePointAt(0) ?? 0;
  // eslint-disable-next-line no-control-regex -- control characters take no column
  if (/^[\u0000-\u001f\u007f-\u009f]/.test(cluster)) return 0;
  if (/^\p{Mark}+$/u.test(cluster)) return 0;
  let perCodePoint = 0;
  for (const char of cluster) perCodePoint += codePointWidth(char.codePointAt(0) ?? 0);
  return Math.max(graphemeWidth(cluster, codePoint), perCodePoint);
}

function graphemeWidth(cluster: string, codePoint: number): number {
  if (/\p{Extended_Pictographic}/u.test(cluster) && (cluster.includes('\ufe0f') || codePoint >= 0x1f000))
    return 2;
  return isWide(codePoint) ? 2 : 1;
}

function codePointWidth(codePoint: number): number {
  const char = String.fromCodePoint(codePoint);
  if (codePoint === 0x200d || /^[\p{Mark}\p{Default_Ignorable_Code_Point}]$/u.test(char)) return 0;
  return isWide(codePoint) || /^\p{Emoji_Presentation}$/u.test(char) ? 2 : 1;
}

/** East Asian Wide and Fullwidth ranges (Unicode 15, UAX #11), the ones file names contain in practice. */
function isWide(codePoint: number): boolean {
  return (
    (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0x303e) ||
    (codePoint >= 0x3041 && codePoint <= 0x33ff) ||
    (codePoint >= 0x3400 && codePoint <= 0x4dbf) ||
    (codePoint >= 0x4e00 && codePoint <= 0x9fff) ||
    (codePoint >= 0xa000 && codePoint <= 0xa4cf) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
    (codePoint >= 0x1f300 && codePoint <= 0x1f64f) ||
    (codePoint >= 0x1f900 && codePoint <= 0x1f9ff) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd)
  );
}
