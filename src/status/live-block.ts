/**
 * A block of lines at the bottom of a terminal, redrawn in place. It uses only `\r`, ESC[K (erase
 * line) and ESC[nA (cursor up), which Windows Terminal and conhost (Windows 10+) understand as well
 * as every Unix terminal.
 */
export interface LiveBlock {
  /**
   * Prints `permanent` lines where the block was (they scroll up with the output), then draws `block`
   * under them, in one write. Block lines must be shorter than the terminal width: a wrapped line
   * would make the next redraw move up too few rows.
   */
  draw(permanent: readonly string[], block: readonly string[]): void;
}

const ERASE_LINE = '\r\x1b[K';

/** Creates a live block on `stream`, which starts empty at the cursor's line. */
export function createLiveBlock(stream: NodeJS.WritableStream): LiveBlock {
  let heightLines = 0;
  return {
    draw(permanent, block) {
      let out = heightLines > 0 ? cursorUp(heightLines) : '';
      for (const line of [...permanent, ...block]) out += `${ERASE_LINE}${line}\n`;
      // When the block shrinks, blank the rows it no longer uses and come back up under it.
      const leftover = heightLines - permanent.length - block.length;
      if (leftover > 0) out += `${ERASE_LINE}\n`.repeat(leftover) + cursorUp(leftover);
      heightLines = block.length;
      if (out !== '') stream.write(out);
    },
  };
}

function cursorUp(lines: number): string {
  return `\x1b[${lines}A`;
}
