import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeOtherProjectFolder, otherProjectOfFolder } from '../../../src/config/project-folder-name.js';

const at = (...segments: string[]) => path.join(path.sep, 'surveys', ...segments);

describe('otherProjectOfFolder', () => {
  it('names the project a folder named like another key belongs to', () => {
    expect(otherProjectOfFolder(at('RMI25320'), 'RMI99999')).toBe('RMI25320');
  });

  it('looks at the folder above a single folder-type folder', () => {
    expect(otherProjectOfFolder(at('RMI25320', 'reels'), 'RMI99999')).toBe('RMI25320');
  });

  it('says nothing when the folder or the one above it is the key, whatever the case', () => {
    expect(otherProjectOfFolder(at('RMI25320'), 'RMI25320')).toBeUndefined();
    expect(otherProjectOfFolder(at('rmi25320', 'reels'), 'RMI25320')).toBeUndefined();
    expect(otherProjectOfFolder(at('RMI25320', 'RMI25321'), 'RMI25320')).toBeUndefined();
  });

  it('says nothing of names that are no project key', () => {
    for (const name of ['reels', 'backup 2025', '2025-01-12', 'R001', 'survey_day1'])
      expect(otherProjectOfFolder(at(name), 'RMI25320'), name).toBeUndefined();
  });
});

describe('describeOtherProjectFolder', () => {
  it('names the folder, both keys, where the files go and the fix', () => {
    const folder = at('RMI25320');
    expect(describeOtherProjectFolder(folder, 'RMI99999')).toBe(
      `--folder ${folder} is project RMI25320's by its name, but --project-key is RMI99999: its files go under ` +
        'RMI99999/; check the key (or rename the folder, if RMI99999 is right)',
    );
    expect(describeOtherProjectFolder(folder, 'RMI25320')).toBeUndefined();
  });
});
