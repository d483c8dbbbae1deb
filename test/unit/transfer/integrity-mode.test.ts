import { describe, expect, it } from 'vitest';
import { chooseIntegrityMode, partDigestChoice } from '../../../src/transfer/integrity-mode.js';

describe('chooseIntegrityMode', () => {
  it.each([
    ['auto', undefined, 'checksum'],
    ['auto', 'https://s3.eu-west-1.amazonaws.com', 'checksum'],
    ['auto', 'http://127.0.0.1:7480', 'md5'],
    ['auto', 'https://s3.wasabisys.com', 'md5'],
    ['SHA256', 'http://127.0.0.1:7480', 'checksum'],
    ['md5', undefined, 'md5'],
  ] as const)('%s with endpoint %s: %s', (setting, endpoint, mode) => {
    expect(chooseIntegrityMode(setting, endpoint)).toBe(mode);
  });

  it('hashes each part once: SHA-256 in checksum mode, MD5 in md5 mode', () => {
    expect(partDigestChoice('checksum')).toEqual({ sha256: true, md5: false });
    expect(partDigestChoice('md5')).toEqual({ sha256: false, md5: true });
  });
});
