import { displayWidth } from './display-width.js';

/**
 * A block of lines at the bottom of a terminal, redrawn in place. It uses only `\r`, ESC[1A (cursor up), ESC[2K (erase
 * the line) and ESC[J (erase to the end of the screen), which Windows Terminal and conhost (Windows 10+) understand
 * as well as every Unix terminal.
 */
export interface LiveBlock {
  /**
   * Prints `permanent` lines where the block was (they scroll up with the output), then draws `block` under them,
   * in one write. Block lines should fit the terminal's width, and the block should take fewer rows than the
   * terminal has (the cursor cannot move up over rows that scrolled out of it); a permanent line may wrap.
   */
  draw(permanent: readonly string[], block: readonly string[]): void;
}

const ERASE_LINE = '\x1b[2K';
const CURSOR_UP = '\x1b[1A';
const ERASE_DOWN = '\x1b[J';

/**
 * Creates a live block on `stream`, which starts empty at the cursor's line. `columns` is read at every draw: after
 * the window narrows, the terminal re-wraps the rows already drawn, and the block moves up over every row its old
 * lines now take, so no partial line is left behind.
 */
export function createLiveBlock(stream: NodeJS.WritableStream, columns: () => number): LiveBlock {
  let drawnWidths: number[] = [];
  return {
    draw(permanent, block) {
      const width = Math.max(columns(), 1);
      const rows = drawnWidths.reduce((sum, w) => sum + Math.max(1, Math.ceil(w / width)), 0);
      const lines = [...permanent, ...block];
      let out = `\r${eraseRowsAbove(rows)}`;
      for (const line of lines) out += `${line}\n`;
      // below the lines just written, never at the top of the screen: see eraseRowsAbove
      if (lines.length > 0) out += ERASE_DOWN;
      drawnWidths = block.map((line) => displayWidth(stripEscapes(line)));
      if (rows > 0 || lines.length > 0) stream.write(out);
    },
  };
}

/**
 * Erases the cursor's row (where the terminal echoes `^C`) and the `rows` rows above it, and leaves the cursor on the
 * first of them. Row by row rather than by ESC[J from the first: a block at the top of the screen would make that
 * erase the whole screen, which tmux (`scroll-on-clear`) and other terminals copy into the scrollback first, one
 * stale copy of the block per redraw.
 */
function eraseRowsAbove(rows: number): string {
  return ERASE_LINE + `${CURSOR_UP}${ERASE_LINE}`.repeat(rows);
}

/** Colour codes take no columns. */
function stripEscapes(line: string): string {
  // eslint-disable-next-line no-control-regex -- exactly the escape sequences the views write
  return line.replace(/\x1b\[[0-9;]*m/g, '');
}
