import type { S3Client, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-s3';
import type { FinalizeRequestMiddleware } from '@smithy/types';

/**
 * A signature dated more than 15 minutes from the server's clock is refused (RequestTimeTooSkewed, 403): a field
 * laptop whose clock is off by an hour could not upload at all. Each SDK client learns the offset from its own
 * answers, so each of a store's senders (the SDK's two clients, the lean PutObject) failed its first requests
 * before it knew; one clock shared by all of them learns it once, from the first answer that carries a Date.
 */
export class ServerClock {
  /** How far the server's clock is ahead of ours (negative: behind). */
  offsetMs = 0;

  /** The offset the last answer's Date showed, to its second; undefined before any answer carried one. */
  private seenOffsetMs: number | undefined;

  /** The time to sign a request with. */
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /**
   * The server's time now, to the second, for comparing with times the server wrote (an upload's Initiated, a
   * lock's refresh): two machines whose clocks differ by minutes then judge alike. Signing keeps {@link now},
   * which moves only when the difference is too large for S3 to accept.
   */
  serverNow(): Date {
    return new Date(Date.now() + (this.seenOffsetMs ?? this.offsetMs));
  }

  /**
   * Notes what an answer's Date header says of the server's time.
   * @returns the offset it shows, or undefined when there is no Date to read
   */
  observe(serverDate: string | undefined): number | undefined {
    const serverMs = serverDate ? Date.parse(serverDate) : NaN;
    if (Number.isNaN(serverMs)) return undefined;
    this.seenOffsetMs = serverMs - Date.now();
    return this.seenOffsetMs;
  }

  /**
   * Follows the server's Date header once it differs from our reckoning by more than a Date's rounding and a
   * request's time in flight can explain.
   */
  follow(serverDate: string | undefined): void {
    const seen = this.observe(serverDate);
    if (seen !== undefined && Math.abs(seen - this.offsetMs) >= FOLLOW_AFTER_MS) this.offsetMs = seen;
  }
}

/**
 * How much later than our reckoning of the server's time a time the server wrote may read: {@link
 * ServerClock.serverNow} comes from a Date header cut to its second (up to 1 s early, and a request's time in flight
 * more), and Swift's s3api rounds an upload's Initiated up to the next second (up to 1 s late).
 */
export const SERVER_TIME_LEEWAY_MS = 3_000;

/** The SDK's own threshold for calling a clock skewed (its signer corrects the offset beyond it). */
const FOLLOW_AFTER_MS = 4 * 60 * 1000;

/** Status of the answer S3 gives a request signed at a time too far from its own (RequestTimeTooSkewed). */
const SKEW_REFUSAL_STATUS = 403;

interface SdkAnswerShape {
  $metadata?: { httpStatusCode?: number; clockSkewCorrected?: boolean };
  $response?: AnswerWithHeaders;
}

interface AnswerWithHeaders {
  headers?: Record<string, string | undefined>;
}

/**
 * Makes `client` sign with `clock` and teach it what its answers say of the server's time. Also keeps the SDK's
 * skew correction to refusals: once the offset passes 4 minutes the SDK re-reads it from every answer, sees it
 * change by the Date header's rounding, and marks any error "clock skew corrected", which its retry strategy
 * retries, so every HeadObject of an object not there yet (404) was sent up to 12 times with backoff.
 */
export function signWithServerClock(client: S3Client, clock: ServerClock): void {
  const config = client.config as { systemClockOffset?: number };
  const middleware: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> =
    (next) => async (args) => {
      config.systemClockOffset = clock.offsetMs;
      try {
        const out = await next(args);
        clock.offsetMs = config.systemClockOffset ?? 0;
        clock.observe((out.response as AnswerWithHeaders | undefined)?.headers?.date);
        return out;
      } catch (error) {
        clock.offsetMs = config.systemClockOffset ?? 0;
        clock.observe((error as SdkAnswerShape | undefined)?.$response?.headers?.date);
        const metadata = (error as SdkAnswerShape | undefined)?.$metadata;
        if (metadata?.clockSkewCorrected && metadata.httpStatusCode !== SKEW_REFUSAL_STATUS)
          metadata.clockSkewCorrected = false;
        throw error;
      }
    };
  client.middlewareStack.addRelativeTo(middleware, {
    relation: 'before',
    toMiddleware: 'httpSigningMiddleware',
    name: 'serverClock',
    override: true,
  });
}
