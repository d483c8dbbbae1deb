/**
 * Splits a command line the way the Microsoft C runtime (and CommandLineToArgvW) builds argv: the
 * independent reading that quoteWindowsArgument must round-trip through.
 */
export function parseWindowsCommandLine(line: string): string[] {
  const args: string[] = [];
  let i = 0;
  const isBlank = (c: string | undefined) => c === ' ' || c === '\t';
  while (i < line.length) {
    while (isBlank(line[i])) i++;
    if (i >= line.length) break;
    let arg = '';
    let inQuotes = false;
    while (i < line.length && (inQuotes || !isBlank(line[i]))) {
      const c = line[i]!;
      if (c === '\\') {
        const start = i;
        while (line[i] === '\\') i++;
        const count = i - start;
        if (line[i] !== '"') {
          arg += '\\'.repeat(count);
          continue;
        }
        // 2n backslashes and a quote: n backslashes and a delimiter; 2n+1: n backslashes and a literal quote
        arg += '\\'.repeat(Math.floor(count / 2));
        if (count % 2 === 1) {
          arg += '"';
          i++;
        }
      } else if (c === '"') {
        if (inQuotes && line[i + 1] === '"') {
          arg += '"';
          i += 2;
        } else {
          inQuotes = !inQuotes;
          i++;
        }
      } else {
        arg += c;
        i++;
      }
    }
    args.push(arg);
  }
  return args;
}
