import { describe, expect, it } from 'vitest';
import { isCi, pickViewMode, shouldUseColor } from '../../../src/status/terminal-view.js';

describe('pickViewMode', () => {
  it.each([
    [{ isTTY: true, json: false, quiet: false, ci: false }, 'tty'],
    [{ isTTY: false, json: false, quiet: false, ci: false }, 'plain'],
    [{ isTTY: true, json: false, quiet: false, ci: true }, 'plain'],
    [{ isTTY: true, json: true, quiet: false, ci: false }, 'json'],
    [{ isTTY: false, json: true, quiet: true, ci: true }, 'json'],
    [{ isTTY: true, json: false, quiet: true, ci: false }, 'quiet'],
    [{ isTTY: false, json: false, quiet: true, ci: true }, 'quiet'],
    [{ isTTY: true, json: false, quiet: false, ci: false, dumbTerminal: true }, 'plain'],
  ] as const)('picks %o → %s', (options, expected) => {
    expect(pickViewMode(options)).toBe(expected);
  });
});

describe('isCi', () => {
  it.each([
    [{ CI: 'true' }, true],
    [{ CI: '1' }, true],
    [{ CI: 'woodpecker' }, true],
    [{ CI: 'false' }, false],
    [{ CI: 'FALSE' }, false],
    [{ CI: '0' }, false],
    [{ CI: '' }, false],
    [{}, false],
  ])('reads %o as %s', (env, expected) => {
    expect(isCi(env)).toBe(expected);
  });
});

describe('shouldUseColor', () => {
  it.each([
    [true, {}, true],
    [false, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '0' }, false],
    [true, { NO_COLOR: '' }, true],
    [true, { TERM: 'dumb' }, false],
    [true, { TERM: 'xterm-256color' }, true],
    [false, { FORCE_COLOR: '1' }, true],
    [false, { FORCE_COLOR: '' }, true],
    [true, { FORCE_COLOR: '0' }, false],
    [true, { FORCE_COLOR: 'false' }, false],
    [false, { FORCE_COLOR: '1', NO_COLOR: '1' }, true],
    [true, { FORCE_COLOR: '2', TERM: 'dumb' }, true],
  ] as const)('isTTY=%s env=%o → %s', (isTTY, env, expected) => {
    expect(shouldUseColor({ isTTY, env })).toBe(expected);
  });
});
