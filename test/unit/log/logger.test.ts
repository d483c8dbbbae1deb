import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';

describe('createLogger', () => {
  it('writes a warning naming a file with control characters as one line, the characters escaped', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const log = createLogger({ debug: false, stream });
    log.warn('could not read logs/nl\nfake uploaded line.log or logs/\x1b[2Jclear.log');
    expect(text).toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} warn could not read logs\/nl\\nfake uploaded line\.log or logs\/\\x1b\[2Jclear\.log\n$/,
    );
  });
});
