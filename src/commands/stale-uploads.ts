/**
 * Servers write an upload's Initiated in whole seconds, and Swift rounds it up: an upload started 0.4 s ago reads
 * as started 0.6 s from now, and `--older-than 0` run at once would leave it open.
 */
const INITIATED_ROUNDING_MS = 1000;

/**
 * The open multipart uploads started at least `olderThanMs` before `serverNowMs`. Ages are taken on the server's
 * clock, which wrote Initiated: on a laptop whose clock runs 40 minutes ahead, `--older-than 30m` measured on its
 * own time would abort an upload another machine started ten minutes ago and is still sending.
 */
export function staleUploads<T extends { initiatedMs: number }>(
  uploads: readonly T[],
  serverNowMs: number,
  olderThanMs: number,
): T[] {
  const cutoffMs = serverNowMs - olderThanMs + INITIATED_ROUNDING_MS;
  return uploads.filter((upload) => upload.initiatedMs <= cutoffMs);
}
