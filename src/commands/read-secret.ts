import { createInterface } from 'node:readline';

/**
 * Reads one line from stdin: from a hidden prompt in a terminal (nothing echoed), or the first
 * line of piped input (scripts, CI). Secrets never come from flags, which land in shell history.
 */
export async function readSecretLine(prompt: string, hidden: boolean): Promise<string> {
  if (!process.stdin.isTTY) return (await readFirstLine()).trim();
  process.stderr.write(prompt);
  return hidden ? readHidden() : (await readFirstLine()).trim();
}

async function readFirstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

function readHidden(): Promise<string> {
  return new Promise((resolve) => {
    const stdin = process.stdin;
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (char === '\u0003') process.exit(130);
        value = char === '\u007f' || char === '\b' ? value.slice(0, -1) : value + char;
      }
    };
    stdin.on('data', onData);
  });
}
