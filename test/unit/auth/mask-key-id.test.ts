import { describe, expect, it } from 'vitest';
import { maskAccessKeyId } from '../../../src/auth/mask-key-id.js';

describe('maskAccessKeyId', () => {
  it('shows only the first and last four characters of a full-length key id', () => {
    expect(maskAccessKeyId('AKIAIOSFODNN7EXAMPLE')).toBe('AKIA...MPLE');
  });

  it('shows nothing of a key id of eight characters or fewer', () => {
    expect(maskAccessKeyId('AKIA1234')).toBe('****');
    expect(maskAccessKeyId('abc')).toBe('****');
    expect(maskAccessKeyId('')).toBe('****');
  });

  it('starts showing the ends at nine characters, hiding the middle', () => {
    expect(maskAccessKeyId('AKIA5WXYZ')).toBe('AKIA...WXYZ');
  });
});
