import { SERVER_TIME_LEEWAY_MS } from '../remote/server-clock.js';

/**
 * The open multipart uploads started at least `olderThanMs` before `serverNowMs`. Ages are taken on the server's
 * clock, which wrote Initiated: on a laptop whose clock runs 40 minutes ahead, `--older-than 30m` measured on its
 * own time would abort an upload another machine started ten minutes ago and is still sending. Our reckoning of the
 * server's time is that clock's to its leeway, so `--older-than 0` takes an upload started a moment ago too.
 */
export function staleUploads<T extends { initiatedMs: number }>(
  uploads: readonly T[],
  serverNowMs: number,
  olderThanMs: number,
): T[] {
  const cutoffMs = serverNowMs - olderThanMs + SERVER_TIME_LEEWAY_MS;
  return uploads.filter((upload) => upload.initiatedMs <= cutoffMs);
}
