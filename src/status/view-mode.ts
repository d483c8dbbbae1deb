/** How progress is shown: a live block, timestamped lines, NDJSON events, or nothing. */
export type ViewMode = 'tty' | 'plain' | 'json' | 'quiet';

/**
 * Picks the view mode. `json` wins (a script asked for machine output), then `quiet`; without a
 * terminal, in CI where the "terminal" is a log, or on a terminal that cannot move its cursor
 * (`TERM=dumb`: Emacs' shell, some CI consoles), lines are plain; otherwise the live view.
 */
export function pickViewMode(options: {
  isTTY: boolean;
  json: boolean;
  quiet: boolean;
  ci: boolean;
  dumbTerminal?: boolean;
}): ViewMode {
  if (options.json) return 'json';
  if (options.quiet) return 'quiet';
  if (!options.isTTY || options.ci || options.dumbTerminal) return 'plain';
  return 'tty';
}

/** Whether `CI` says this runs in CI: set to anything but empty, `0` or `false` (`CI=false` turns it off). */
export function isCi(env: Record<string, string | undefined>): boolean {
  const value = env['CI']?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/**
 * Decides whether to colour output, following Node's own rules: `FORCE_COLOR` decides when set
 * (`0` and `false` turn colour off, anything else on, even without a terminal); otherwise a non-empty
 * `NO_COLOR` (any value, https://no-color.org) or `TERM=dumb` turns it off, and a terminal turns it on.
 */
export function shouldUseColor(options: {
  isTTY: boolean;
  env: Record<string, string | undefined>;
}): boolean {
  const { isTTY, env } = options;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return isTTY;
}
