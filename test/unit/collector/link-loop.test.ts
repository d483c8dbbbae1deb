import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLinkLoop, markWalked, type WalkedFolders } from '../../../src/collector/link-loop.js';

describe('findLinkLoop', () => {
  const walked = new Map([
    ['/mnt/survey/RMI25320/reels', '/mnt/survey/RMI25320/reels'],
    ['/mnt/disk2/R007', '/mnt/survey/RMI25320/reels/R007'],
  ]);
  const root = '/mnt/survey/RMI25320/reels';

  it('lets a folder not yet walked and not holding the root be walked', () => {
    expect(findLinkLoop('/mnt/disk2/R008', walked, root, path.posix)).toBeUndefined();
    expect(findLinkLoop('/mnt/survey/RMI25320/reels-old', walked, root, path.posix)).toBeUndefined();
  });

  it('names the path a folder was walked as when a link leads to it again', () => {
    expect(findLinkLoop('/mnt/disk2/R007', walked, root, path.posix)).toBe(
      'leads back to /mnt/survey/RMI25320/reels/R007',
    );
  });

  it('refuses a folder that holds the root, up to the file system root', () => {
    expect(findLinkLoop('/mnt/survey', walked, root, path.posix)).toBe(
      'leads back to /mnt/survey, which holds /mnt/survey/RMI25320/reels',
    );
    expect(findLinkLoop('/', walked, root, path.posix)).toMatch(/^leads back to \/, which holds/);
  });

  it('compares Windows paths (junction targets) without regard to case or drive-letter spelling', () => {
    const winRoot = 'D:\\Survey\\RMI25320\\reels';
    const none = new Map<string, string>();

    expect(findLinkLoop('d:\\survey', none, winRoot, path.win32)).toBe(
      `leads back to d:\\survey, which holds ${winRoot}`,
    );
    expect(findLinkLoop('D:\\', none, winRoot, path.win32)).toMatch(/which holds/);
    expect(findLinkLoop('E:\\Survey', none, winRoot, path.win32)).toBeUndefined();
    expect(findLinkLoop('D:\\Survey\\RMI25320\\reels..old', none, winRoot, path.win32)).toBeUndefined();
  });

  it('finds a folder walked under another spelling of its case on Windows only', () => {
    // --folder d:\survey\rmi25320\reels, and a junction to D:\Survey\RMI25320\reels\R007 inside it
    const walkedAs = 'd:\\survey\\rmi25320\\reels\\R007';
    const winWalked: WalkedFolders = new Map();
    markWalked(winWalked, walkedAs, walkedAs, path.win32);
    const junctionTarget = 'D:\\Survey\\RMI25320\\reels\\R007';

    expect(findLinkLoop(junctionTarget, winWalked, 'd:\\survey\\rmi25320\\reels', path.win32)).toBe(
      `leads back to ${walkedAs}`,
    );
    const posixWalked: WalkedFolders = new Map();
    markWalked(posixWalked, '/mnt/survey/r007', '/mnt/survey/r007', path.posix);
    expect(findLinkLoop('/mnt/survey/R007', posixWalked, '/mnt/survey', path.posix)).toBeUndefined();
  });
});
