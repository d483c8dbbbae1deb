/** A terminal that says it has no width (a pseudo-terminal left at 0x0, as `script` makes one) is taken as this wide. */
export const DEFAULT_COLUMNS = 80;

/**
 * The columns of the terminal `stream` writes to: its own width, else `COLUMNS` from the environment, else
 * {@link DEFAULT_COLUMNS}; undefined when it is no terminal (a file, a pipe), where lines are never broken.
 */
export function terminalColumns(
  stream: { isTTY?: boolean; columns?: unknown },
  env: NodeJS.ProcessEnv = process.env,
): number | undefined {
  if (!stream.isTTY) return undefined;
  if (typeof stream.columns === 'number' && stream.columns > 0) return stream.columns;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_COLUMNS;
}

/**
 * The columns a line may take on `stream` when it is a terminal: one fewer than it has (a Windows console wraps a
 * line that fills its last column, and prints a blank line after it), and never under 20; else none.
 */
export function terminalLineWidth(stream: { isTTY?: boolean; columns?: unknown }): number | undefined {
  const columns = terminalColumns(stream);
  return columns === undefined ? undefined : Math.max(columns - 1, 20);
}
