/**
 * Telling a server's answer to another request (the object, served where a subresource was asked for) from an
 * answer cut off by the network: only a body read whole and refused by the parser is the first.
 */
import { describe, expect, it } from 'vitest';
import { isForeignAnswer } from '../../../src/remote/classify-error.js';

/** An error as the SDK's deserializer leaves it: the status, and the body text when the parser refused it. */
function deserializationError(status: number, bodyText?: string): Error {
  const error = Object.assign(new Error('@aws-sdk XML parse error: unexpected content.'), {
    $metadata: { httpStatusCode: status },
  });
  if (bodyText !== undefined) Object.defineProperty(error, '$responseBodyText', { value: bodyText });
  return error;
}

describe('isForeignAnswer', () => {
  it('is true for a 200 or 206 whose whole body did not parse as the answer, and for a 416', () => {
    expect(isForeignAnswer(deserializationError(200, 'hello'))).toBe(true);
    expect(isForeignAnswer(deserializationError(206, '<'))).toBe(true);
    expect(
      isForeignAnswer(Object.assign(new Error('InvalidRange'), { $metadata: { httpStatusCode: 416 } })),
    ).toBe(true);
  });

  it('is false for a body the network cut off, and for any error status', () => {
    expect(isForeignAnswer(deserializationError(200))).toBe(false);
    expect(isForeignAnswer(deserializationError(404, '<Error>'))).toBe(false);
    expect(isForeignAnswer(deserializationError(500, 'oops'))).toBe(false);
    expect(isForeignAnswer(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isForeignAnswer(undefined)).toBe(false);
  });
});
