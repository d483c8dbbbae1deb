/**
 * A CSV reader for the upload log, fed text in chunks (RFC 4180: fields quoted with `"` when they hold a comma,
 * a quote or a line break, quotes doubled inside; lines end in LF or CRLF). Lines without quotes, nearly all of a
 * log, are split at commas without looking at each character. Lenient the way the log needs: a leading byte
 * order mark is dropped, empty lines are skipped, records may have any number of fields, and a record with a
 * stray quote is skipped to the end of its line. A quoted field still open at the end of the text (a torn last
 * line) ends the read: the records before it stand.
 */
export class CsvRecordReader {
  private pending = '';
  private started = false;

  constructor(private readonly onRecord: (record: string[]) => void) {}

  /** Reads the whole records in `text` (after what earlier pushes left); keeps an unfinished last one. */
  push(text: string): void {
    let chunk = this.pending + text;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === BOM) chunk = chunk.slice(1);
    }
    this.pending = chunk.slice(this.readRecords(chunk, false));
  }

  /** Reads what is left as the end of the text. */
  end(): void {
    this.readRecords(this.pending, true);
    this.pending = '';
  }

  /** Reads records from `text`; returns where the unread rest starts. */
  private readRecords(text: string, final: boolean): number {
    let pos = 0;
    let quote = -1;
    while (pos < text.length) {
      const lineEnd = text.indexOf('\n', pos);
      if (lineEnd === -1 && !final) return pos;
      const end = lineEnd === -1 ? text.length : lineEnd;
      // the next quote is looked for again only once passed: a text without quotes is scanned once
      if (quote !== Infinity && quote < pos) quote = indexOrInfinity(text.indexOf('"', pos));
      if (quote > end) {
        this.emitLine(text, pos, end);
        pos = end + 1;
        continue;
      }
      const next = readQuotedRecord(text, pos, final, this.onRecord);
      if (next === INCOMPLETE) return final ? text.length : pos;
      pos = next;
    }
    return pos;
  }

  private emitLine(text: string, start: number, end: number): void {
    const stop = end > start && text.charCodeAt(end - 1) === CR ? end - 1 : end;
    if (stop > start) this.onRecord(text.slice(start, stop).split(','));
  }
}

function indexOrInfinity(index: number): number {
  return index === -1 ? Infinity : index;
}

const BOM = 0xfeff;
const CR = 0x0d;
const LF = 0x0a;
const QUOTE = 0x22;
const COMMA = 0x2c;
const INCOMPLETE = -1;

/**
 * Reads one record that holds a quote, character by character, from `start`. Returns where the next record
 * starts, or INCOMPLETE when a quoted field runs past the end of `text`.
 */
function readQuotedRecord(
  text: string,
  start: number,
  final: boolean,
  onRecord: (record: string[]) => void,
): number {
  const fields: string[] = [];
  let pos = start;
  for (;;) {
    const field = readField(text, pos, final);
    if (field === INCOMPLETE) return INCOMPLETE;
    if (field === STRAY_QUOTE) return skipLine(text, pos, final);
    fields.push(field.value);
    pos = field.next;
    // the record may go on in the next chunk
    if (pos >= text.length && !final) return INCOMPLETE;
    const code = pos < text.length ? text.charCodeAt(pos) : LF;
    if (code === COMMA) {
      pos += 1;
      continue;
    }
    if (code === CR && text.charCodeAt(pos + 1) === LF) pos += 1;
    else if (code !== LF) return skipLine(text, pos, final);
    if (fields.length > 1 || fields[0] !== '') onRecord(fields);
    return pos + 1;
  }
}

const STRAY_QUOTE = -2;

/** One field from `pos`: its value and where the text after it starts. */
function readField(
  text: string,
  pos: number,
  final: boolean,
): { value: string; next: number } | typeof INCOMPLETE | typeof STRAY_QUOTE {
  if (text.charCodeAt(pos) !== QUOTE) {
    let end = pos;
    for (; end < text.length; end++) {
      const code = text.charCodeAt(end);
      if (code === COMMA || code === LF || (code === CR && text.charCodeAt(end + 1) === LF)) break;
      if (code === QUOTE) return STRAY_QUOTE;
    }
    return { value: text.slice(pos, end), next: end };
  }
  let value = '';
  let from = pos + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return INCOMPLETE;
    value += text.slice(from, quote);
    if (text.charCodeAt(quote + 1) !== QUOTE) {
      // a doubled quote split across chunks cannot be told from a closing one yet
      if (quote + 1 === text.length && !final) return INCOMPLETE;
      return { value, next: quote + 1 };
    }
    value += '"';
    from = quote + 2;
  }
}

/** Skips a malformed record to the end of its line. */
function skipLine(text: string, pos: number, final: boolean): number {
  const lineEnd = text.indexOf('\n', pos);
  if (lineEnd === -1) return final ? text.length : INCOMPLETE;
  return lineEnd + 1;
}
