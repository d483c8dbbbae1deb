import { createInterface, type Interface } from 'node:readline';

/**
 * Reads one line from stdin: from a hidden prompt in a terminal (nothing echoed), or the next
 * line of piped input (scripts, CI), so `printf 'id\nsecret\n' | ...` answers two calls in turn.
 * Secrets never come from flags, which land in shell history. Resolves '' at the end of input.
 */
export async function readSecretLine(prompt: string, hidden: boolean): Promise<string> {
  if (!process.stdin.isTTY) return (await readPipedLine()).trim();
  process.stderr.write(prompt);
  return hidden ? readHidden() : (await readTerminalLine()).trim();
}

interface PipedInput {
  reader: Interface;
  lines: AsyncIterator<string>;
}

let pipedInput: PipedInput | undefined;

// One reader for the whole process: readline takes a whole chunk off stdin at once, so a second
// reader would never see the lines the first one buffered.
async function readPipedLine(): Promise<string> {
  if (!pipedInput) {
    const reader = createInterface({ input: process.stdin, terminal: false, crlfDelay: Infinity });
    pipedInput = { reader, lines: reader[Symbol.asyncIterator]() };
  }
  pipedInput.reader.resume();
  const next = await pipedInput.lines.next();
  // a paused stdin no longer keeps the process alive once the command is done
  pipedInput.reader.pause();
  return next.done ? '' : next.value;
}

async function readTerminalLine(): Promise<string> {
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
    const stop = () => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          stop();
          resolve(value);
          return;
        }
        if (char === '\u0003') {
          // raw mode swallows Ctrl+C's SIGINT; the terminal is restored before leaving
          stop();
          process.exit(130);
        }
        value = char === '\u007f' || char === '\b' ? value.slice(0, -1) : value + char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
