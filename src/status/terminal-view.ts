import { startJsonView } from './json-view.js';
import { startPlainView } from './plain-view.js';
import type { StatusTracker } from './status-tracker.js';
import { startTtyView } from './tty-view.js';
import type { ViewMode } from './view-mode.js';

export { isCi, pickViewMode, shouldUseColor, type ViewMode } from './view-mode.js';

export interface TerminalViewOptions {
  mode: ViewMode;
  stream: NodeJS.WritableStream;
  /** Colour applies to the tty mode only; plain and json never colour. */
  color: boolean;
  /** Redraw (tty) or progress-line (plain, json) interval; defaults per mode. */
  intervalMs?: number;
}

/** A started view; `printAbove`, where present, shows a diagnostic line without breaking a live block. */
export interface TerminalView {
  stop(): void;
  printAbove?: (line: string) => void;
}

/** Default intervals: a smooth live block, a quiet log, a steady event feed. */
const DEFAULT_INTERVAL_MS: Record<ViewMode, number> = { tty: 200, plain: 10_000, json: 1_000, quiet: 0 };

/**
 * Starts showing the tracker's progress on `stream` in `mode` (see `startTtyView`, `startPlainView`,
 * `startJsonView`; `quiet` shows nothing). Returns the stop function, which writes what is pending
 * and releases the timer; the timer is unref'd so it never keeps the process alive.
 */
export function startTerminalView(tracker: StatusTracker, options: TerminalViewOptions): TerminalView {
  const { mode, stream, color } = options;
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS[mode];
  switch (mode) {
    case 'tty':
      return startTtyView(tracker, { stream, color, intervalMs });
    case 'plain':
      return startPlainView(tracker, { stream, intervalMs });
    case 'json':
      return startJsonView(tracker, { stream, intervalMs });
    case 'quiet':
      return { stop: () => undefined };
  }
}
