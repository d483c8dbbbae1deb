import { open, type FileHandle } from 'node:fs/promises';
import { READ_APPEND_NO_FOLLOW } from '../state/no-follow.js';
import { HEADER_LINE } from './csv-log-rows.js';

/** Opens a file the way `fs.promises.open` does; tests inject failures here. */
export type OpenFile = (path: string, flags: string | number) => Promise<FileHandle>;

/**
 * What one writer knows about the log file after its last append: which file it was (a rotation replaces
 * it), how far it had checked, and what the check found. Lets each append check only what other writers
 * added since, instead of the whole log.
 */
export interface LogTail {
  fileId: string;
  sizeBytes: number;
  quoteCount: number;
  lastByte: number;
}

const QUOTE = 0x22;
const NEWLINE = 0x0a;
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Appends `text` (whole CSV lines) to the log at `path`, creating it with a header when new or empty: opens,
 * appends, flushes to disk and closes, so no writer keeps a log open that a rotation has replaced. When a crash
 * left the file without a final newline, starts a new line first, and closes a quoted field the crash left open
 * so the torn row cannot swallow the rows after it. A symbolic link at `path` is not followed (ELOOP where the
 * system can tell). The caller holds the log lock.
 * Returns what it knows of the file now, to pass to the next call.
 * @throws the fs error of the open, read, write or flush.
 */
export async function appendToLog(
  path: string,
  text: string,
  tail: LogTail | undefined,
  openFile: OpenFile = open,
): Promise<LogTail> {
  const handle = await openFile(path, READ_APPEND_NO_FOLLOW);
  try {
    const checked = await checkTail(handle, tail);
    const bytes = Buffer.from(repairPrefix(checked) + text, 'utf8');
    if (bytes.length === 0) return checked;
    await handle.appendFile(bytes);
    await handle.sync();
    return { ...checked, sizeBytes: checked.sizeBytes + bytes.length, quoteCount: 0, lastByte: NEWLINE };
  } finally {
    await handle.close();
  }
}

/** What to write before the first new row: a header, a repair of a torn tail, or nothing. */
function repairPrefix(tail: LogTail): string {
  if (tail.sizeBytes === 0) return HEADER_LINE;
  // Our writer always doubles quotes, so an odd count means the last field was cut inside quotes.
  if (tail.quoteCount % 2 === 1) return '"\n';
  return tail.lastByte === NEWLINE ? '' : '\n';
}

/** Scans what was added since `known`, or the whole file when it is another file or shrank. */
async function checkTail(handle: FileHandle, known: LogTail | undefined): Promise<LogTail> {
  const info = await handle.stat();
  // the inode alone may be 0 on some Windows file systems; with the birth time a replaced file still differs
  const fileId = `${info.ino}:${info.birthtimeMs}`;
  const resume = known?.fileId === fileId && known.sizeBytes <= info.size ? known : undefined;
  let quoteCount = resume?.quoteCount ?? 0;
  let lastByte = resume?.lastByte ?? -1;
  const buffer = Buffer.alloc(Math.min(READ_CHUNK_BYTES, Math.max(1, info.size)));
  for (let position = resume?.sizeBytes ?? 0; position < info.size;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    for (let i = 0; i < bytesRead; i++) if (buffer[i] === QUOTE) quoteCount += 1;
    lastByte = buffer[bytesRead - 1] ?? -1;
    position += bytesRead;
  }
  return { fileId, sizeBytes: info.size, quoteCount: quoteCount % 2, lastByte };
}
