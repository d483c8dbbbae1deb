/**
 * A quoted Windows path that ends in a backslash, `--folder "D:\My Reels\"`, reaches the program as
 * `D:\My Reels" --project-key ...`: by the command-line rules every Windows program parses its arguments with
 * (CommandLineToArgvW), `\"` is a literal quote, so the closing quote and every argument after it become part
 * of the path. The user would otherwise be told about a missing flag they did give. A `"` cannot be in a
 * Windows file name, so on Windows an argument holding one before a blank or at its end is this mistake.
 */

const SWALLOWED = /"(\s|$)/;

/**
 * The one-line message for the first argument that swallowed its closing quote, or undefined.
 * @param args the arguments after node and the script
 */
export function describeSwallowedQuote(
  args: readonly string[],
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (platform !== 'win32') return undefined;
  const swallowed = args.find((arg) => SWALLOWED.test(arg));
  if (swallowed === undefined) return undefined;
  const path = swallowed.slice(0, swallowed.search(SWALLOWED));
  const doubled = `"${path}\\\\"`;
  // "D:" alone is the current folder of drive D, not its root: only the doubled form keeps the root
  const fix = /^[A-Za-z]:$/.test(path)
    ? `double the backslash (${doubled})`
    : `drop the last backslash ("${path}") or double it (${doubled})`;
  return `argument '${swallowed}': a quoted path ending in \\ took the closing quote and what followed as part of the path; ${fix}`;
}
