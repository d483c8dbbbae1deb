import { httpStatusOf } from '../remote/classify-error.js';
import { LinkDownError } from '../errors.js';
import { monotonicMs } from '../monotonic-clock.js';
import { formatDuration } from '../status/format.js';

/**
 * How long the endpoint may leave every request of a run without an answer before the run stops: long enough for
 * a field link's usual drop-outs (a tunnel, a mobile dead zone), short enough that a link that is gone ends the
 * run in minutes whatever the number of files, each of which would otherwise spend its own retries.
 */
export const LINK_DOWN_MS = 5 * 60_000;

/** Failed requests it takes, besides the time, to call a link down: one stalled request proves nothing. */
const FAILURES_TO_STOP = 3;

/**
 * Watches, across a run's requests, whether the endpoint still answers at all. Any HTTP answer, an error status
 * included, shows it is there; a request that failed without one (reset, refused, timed out) counts against it.
 */
export class LinkWatch {
  private lastAnswerMs: number;
  private failuresSinceAnswer = 0;

  constructor(
    private readonly now: () => number = monotonicMs,
    private readonly downAfterMs = LINK_DOWN_MS,
  ) {
    this.lastAnswerMs = now();
  }

  /** Told of a request that got an answer. */
  answered(): void {
    this.lastAnswerMs = this.now();
    this.failuresSinceAnswer = 0;
  }

  /** Told of a failed request: an answer still counts as one, a failure without one counts against the link. */
  failed(error: unknown): void {
    if (httpStatusOf(error) !== undefined) this.answered();
    else this.failuresSinceAnswer += 1;
  }

  /**
   * The error that stops the run once the endpoint has answered nothing for {@link LINK_DOWN_MS} and requests keep
   * failing, else undefined. Not retryable: the files not sent are left for the next run, which resumes them.
   */
  stopIfDown(lastFailure: string): LinkDownError | undefined {
    const silentMs = this.now() - this.lastAnswerMs;
    if (silentMs < this.downAfterMs || this.failuresSinceAnswer < FAILURES_TO_STOP) return undefined;
    return new LinkDownError(
      `upload: the endpoint has answered none of ${this.failuresSinceAnswer} requests for ${formatDuration(silentMs / 1000)} ` +
        `(last: ${lastFailure}); the run stops here: check the network, then run again, which resumes what is not done`,
    );
  }
}
