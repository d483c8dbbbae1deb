import { describe, expect, it } from 'vitest';
import { closestSpelling, editDistance } from '../../../src/config/edit-distance.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('status', 'status')).toBe(0);
    expect(editDistance('stauts', 'status')).toBe(2);
    expect(editDistance('chek', 'check')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('closestSpelling', () => {
  it('gives the nearest candidate within the distance, case aside, and none beyond it', () => {
    expect(closestSpelling('STATSU', ['status', 'cleanup', 'check'], 2)).toBe('status');
    expect(closestSpelling('upload', ['status', 'cleanup', 'check'], 2)).toBeUndefined();
  });
});
