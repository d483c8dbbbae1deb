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
 * line before it stops, between folders where it can (see wrapPath). Nothing is left out. Never returns an empty
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
 * indented by `indent`: between folders where it can, else where the line ends (see cutAt), never within its
 * first `keep` characters (`uploaded `, `  -> `). Spaces are no place to break: a path may hold them. Nothing is left
 * out. Linear in the length of `text`: it is split into clusters once.
 */
export function wrapPath(text: string, width: number, keep = 0, indent = '  '): string[] {
  if (displayWidth(text) <= width) return [text];
  const lines: string[] = [];
  let rest = new PathRest(graphemes(text));
  let kept = keep;
  while (rest.width > width) {
    const cut = cutAt(rest, width, kept);
    // a width narrower than what a line must keep (its indent and one more cluster) holds the rest on one line
    if (cut >= rest.length) break;
    lines.push(rest.join(cut));
    rest = rest.after(cut, indent);
    kept = indent.length;
  }
  lines.push(rest.join(rest.length));
  return lines;
}

/**
 * Where a line of `width` columns ends in `rest` (wider than `width`): after the last `/` or `\` the line holds, so
 * a path breaks between its folders, else at the width; never within its first `keep` clusters (its indent), and
 * always after at least one more.
 */
function cutAt(rest: PathRest, width: number, keep: number): number {
  let taken = 0;
  let used = 0;
  while (taken < rest.length && used + rest.widthAt(taken) <= width) used += rest.widthAt(taken++);
  taken = Math.max(taken, keep + 1);
  let slash = Math.min(taken, rest.length) - 1;
  while (slash >= 0 && rest.at(slash) !== '/' && rest.at(slash) !== '\\') slash--;
  return slash >= keep && slash < rest.length - 1 ? slash + 1 : taken;
}

/**
 * What is left of a path to wrap: its clusters from `start` on, behind `lead` (the indent and the cluster after it,
 * split together, as they are on the line). The path's clusters are split once and shared by every line.
 */
class PathRest {
  readonly width: number;
  private readonly leadWidths: number[];
  private readonly tailWidths: number[];

  constructor(
    private readonly clusters: readonly string[],
    private readonly start = 0,
    private readonly lead: readonly string[] = [],
    /** `tailWidths[i]`: the columns of `clusters` from `i` on, shared by every rest of the same path. */
    tailWidths?: number[],
  ) {
    this.tailWidths = tailWidths ?? sumsFromEnd(clusters);
    this.leadWidths = lead.map(clusterWidth);
    this.width = this.leadWidths.reduce((sum, columns) => sum + columns, 0) + (this.tailWidths[start] ?? 0);
  }

  get length(): number {
    return this.lead.length + this.clusters.length - this.start;
  }

  at(index: number): string {
    return index < this.lead.length
      ? this.lead[index]!
      : this.clusters[this.start + index - this.lead.length]!;
  }

  widthAt(index: number): number {
    if (index < this.lead.length) return this.leadWidths[index]!;
    const at = this.start + index - this.lead.length;
    return this.tailWidths[at]! - this.tailWidths[at + 1]!;
  }

  /** The first `end` clusters as text. */
  join(end: number): string {
    const lead = this.lead.slice(0, end).join('');
    return lead + this.clusters.slice(this.start, this.start + end - this.lead.length).join('');
  }

  /**
   * The rest after the first `cut` clusters, behind `indent`. The indent and the cluster after it are split again
   * together, as splitting the new line would: a mark after a control character joins the indent's last space.
   */
  after(cut: number, indent: string): PathRest {
    const lead = this.lead.slice(cut).join('');
    const start = this.start + Math.max(cut - this.lead.length, 0);
    const next = this.clusters[start] ?? '';
    const end = Math.min(start + 1, this.clusters.length);
    return new PathRest(this.clusters, end, graphemes(indent + lead + next), this.tailWidths);
  }
}

/** `sums[i]`: the columns of `clusters` from `i` to the end; `sums[clusters.length]` is 0. */
function sumsFromEnd(clusters: readonly string[]): number[] {
  const sums = new Array<number>(clusters.length + 1).fill(0);
  for (let i = clusters.length - 1; i >= 0; i--) sums[i] = sums[i + 1]! + clusterWidth(clusters[i]!);
  return sums;
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
