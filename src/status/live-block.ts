import { displayWidth } from './display-width.js';

/**
 * A block of lines at the bottom of a terminal, redrawn in place. It uses only `\r`, ESC[nA (cursor up) and ESC[J
 * (erase to the end of the screen), which Windows Terminal and conhost (Windows 10+) understand as well as every
 * Unix terminal.
 */
export interface LiveBlock {
  /**
   * Prints `permanent` lines where the block was (they scroll up with the output), then draws `block` under them,
   * in one write. Block lines should fit the terminal's width; a permanent line may wrap.
   */
  draw(permanent: readonly string[], block: readonly string[]): void;
}

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
      let out = `\r${rows > 0 ? `\x1b[${rows}A` : ''}${ERASE_DOWN}`;
      for (const line of [...permanent, ...block]) out += `${line}\n`;
      drawnWidths = block.map((line) => displayWidth(stripEscapes(line)));
      if (rows > 0 || permanent.length > 0 || block.length > 0) stream.write(out);
    },
  };
}

/** Colour codes take no columns. */
function stripEscapes(line: string): string {
  // eslint-disable-next-line no-control-regex -- exactly the escape sequences the views write
  return line.replace(/\x1b\[[0-9;]*m/g, '');
}
