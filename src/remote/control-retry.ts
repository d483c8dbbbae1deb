/**
 * A request the SDK's control client sends again after a failure (its own retries: CreateMultipartUpload,
 * CompleteMultipartUpload, ListParts, HeadObject, listings). Without a report these were silent, and a completion
 * retried for a minute looked like a stalled upload.
 */
export interface ControlRetry {
  /** The SDK's command name: `CompleteMultipartUpload`. */
  operation: string;
  /** The object key the request is about, when it has one. */
  key: string | undefined;
  /** The attempt that failed (1 for the first). */
  attempt: number;
  /** How many attempts the client makes in all. */
  attempts: number;
  error: unknown;
}

/** What the engine's own retries call the same requests, so both read alike in the log. */
const PHRASES: Record<string, string> = {
  CreateMultipartUpload: 'start upload of',
  CompleteMultipartUpload: 'complete upload of',
  AbortMultipartUpload: 'abort upload of',
  ListParts: 'list parts of',
  HeadObject: 'check',
  PutObjectTagging: 'tag',
  GetObjectTagging: 'read tags of',
  CopyObject: 'copy',
  DeleteObject: 'delete',
  GetObject: 'read',
  HeadBucket: 'open bucket',
  ListObjectsV2: 'list',
  ListMultipartUploads: 'list open uploads',
};

/** `complete upload of RMI25320/reels/R001.mp4`, `list`, `HeadBucket`: the request, in the log's words. */
export function describeControlRequest(operation: string, key: string | undefined): string {
  const name = operation.replace(/Command$/, '');
  const phrase = PHRASES[name] ?? name;
  return key ? `${phrase} ${key}` : phrase;
}
