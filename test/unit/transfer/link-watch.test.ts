/** When a run's requests have had no answer for long enough that the run stops instead of retrying each file. */
import { describe, expect, it } from 'vitest';
import { LinkDownError } from '../../../src/errors.js';
import { LINK_DOWN_MS, LinkWatch } from '../../../src/transfer/link-watch.js';

const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
const busy = Object.assign(new Error('SlowDown'), { $metadata: { httpStatusCode: 503 } });

function watchAt(): { watch: LinkWatch; advance: (ms: number) => void } {
  let now = 1_000;
  return { watch: new LinkWatch(() => now), advance: (ms) => (now += ms) };
}

describe('LinkWatch', () => {
  it('stops the run once no request has had an answer for the whole window, with several failures', () => {
    const { watch, advance } = watchAt();
    for (let i = 0; i < 5; i++) watch.failed(reset);
    advance(LINK_DOWN_MS - 1);
    expect(watch.stopIfDown('ECONNRESET')).toBeUndefined();
    advance(1);
    const stop = watch.stopIfDown('ECONNRESET');
    expect(stop).toBeInstanceOf(LinkDownError);
    expect(stop?.message).toMatch(
      /^upload: the endpoint has answered none of 5 requests for 5m00s \(last: ECONNRESET\); the run stops here/,
    );
  });

  it('keeps going while requests are answered, an error status included, or too few have failed', () => {
    const { watch, advance } = watchAt();
    watch.failed(reset);
    watch.failed(reset);
    advance(LINK_DOWN_MS);
    expect(watch.stopIfDown('ECONNRESET')).toBeUndefined();
    watch.failed(busy);
    for (let i = 0; i < 5; i++) watch.failed(reset);
    advance(LINK_DOWN_MS - 1);
    expect(watch.stopIfDown('ECONNRESET')).toBeUndefined();
    watch.answered();
    advance(LINK_DOWN_MS - 1);
    expect(watch.stopIfDown('ECONNRESET')).toBeUndefined();
  });
});
