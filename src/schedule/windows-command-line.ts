/**
 * Quotes one argument so that a Windows program reading its command line with the Microsoft C
 * runtime rules (CommandLineToArgvW, node.exe, schtasks.exe) gets it back unchanged: arguments
 * without space, tab or double quote stay as they are; others go in double quotes, a double quote
 * inside becomes `\"`, and backslashes are doubled only where they precede a double quote
 * (`C:\My Data\` becomes `"C:\My Data\\"`, so its last backslash does not escape the closing quote).
 */
export function quoteWindowsArgument(argument: string): string {
  if (argument !== '' && !/[\s"]/.test(argument)) return argument;
  let quoted = '"';
  let backslashes = 0;
  for (const char of argument) {
    if (char === '\\') {
      backslashes += 1;
      continue;
    }
    // Backslashes count double only before a quote: the inner one here, the closing one below.
    quoted += char === '"' ? '\\'.repeat(backslashes * 2 + 1) + '"' : '\\'.repeat(backslashes) + char;
    backslashes = 0;
  }
  return `${quoted}${'\\'.repeat(backslashes * 2)}"`;
}

/** Joins arguments into one Windows command line, each quoted by {@link quoteWindowsArgument}. */
export function joinWindowsCommandLine(args: readonly string[]): string {
  return args.map(quoteWindowsArgument).join(' ');
}
