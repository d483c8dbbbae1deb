/** What to do with one planned file, and why: the reason goes to the CSV log and --debug. */
export interface Decision {
  action: 'upload' | 'skip';
  reason: string;
}

/** What is known locally about a file; digests only when already computed. */
export interface LocalFacts {
  sizeBytes: number;
  mtimeMs: number;
  sha256?: string | undefined;
  md5?: string | undefined;
  /** `md5(part md5s)-N` for the part count the remote ETag names, when computed. */
  multipartEtag?: string | undefined;
}

/** What the bucket says about the key; `metadata` only from HeadObject. */
export interface RemoteFacts {
  sizeBytes: number;
  etag: string;
  lastModifiedMs: number;
  metadata?: Record<string, string> | undefined;
}

/** A row of an earlier run's CSV log that says the key was uploaded. */
export interface LogFacts {
  sizeBytes: number;
  mtimeMs: number;
}

/**
 * Decides from the CSV log alone (the seed's `parse_uploaded_keys_from_log` fast path):
 * skip when an earlier run uploaded this key from a file of the same size and mtime.
 * Returns undefined when the log cannot decide and the bucket must be asked.
 */
export function decideFromLog(local: LocalFacts, logged: LogFacts | undefined): Decision | undefined {
  if (logged && logged.sizeBytes === local.sizeBytes && logged.mtimeMs === local.mtimeMs) {
    return { action: 'skip', reason: 'upload log: sent earlier with the same size and mtime' };
  }
  return undefined;
}

/**
 * The seed's multi-tier match (`s3_object_matches_local`): SHA-256 beats MD5/ETag beats
 * timestamp beats size. A different size always means upload.
 */
export function decideFromRemote(local: LocalFacts, remote: RemoteFacts | undefined): Decision {
  if (!remote) return { action: 'upload', reason: 'new: not in the bucket' };
  if (remote.sizeBytes !== local.sizeBytes) {
    return {
      action: 'upload',
      reason: `size differs (local ${local.sizeBytes}, remote ${remote.sizeBytes} bytes)`,
    };
  }
  return decideByHash(local, remote) ?? decideByTime(local, remote);
}

function decideByHash(local: LocalFacts, remote: RemoteFacts): Decision | undefined {
  const remoteSha256 = remote.metadata?.sha256;
  if (remoteSha256 && local.sha256) {
    return remoteSha256 === local.sha256
      ? { action: 'skip', reason: 'sha256 matches x-amz-meta-sha256' }
      : { action: 'upload', reason: 'sha256 differs from x-amz-meta-sha256' };
  }
  if (local.md5 && /^[0-9a-f]{32}$/.test(remote.etag)) {
    return remote.etag === local.md5
      ? { action: 'skip', reason: 'md5 matches the ETag' }
      : { action: 'upload', reason: 'md5 differs from the ETag' };
  }
  if (local.multipartEtag && /-\d+$/.test(remote.etag)) {
    return remote.etag === local.multipartEtag
      ? { action: 'skip', reason: 'multipart ETag matches the local part MD5s' }
      : { action: 'upload', reason: 'multipart ETag differs from the local part MD5s' };
  }
  return undefined;
}

function decideByTime(local: LocalFacts, remote: RemoteFacts): Decision {
  const recorded = Number(remote.metadata?.['mtime-ms']);
  if (Number.isFinite(recorded) && remote.metadata?.['mtime-ms'] !== undefined) {
    return recorded === local.mtimeMs
      ? { action: 'skip', reason: 'same size and the recorded mtime matches' }
      : { action: 'upload', reason: 'mtime differs from the one recorded at upload' };
  }
  return remote.lastModifiedMs >= local.mtimeMs
    ? { action: 'skip', reason: 'same size and the remote copy is newer' }
    : { action: 'upload', reason: 'local file is newer than the remote copy' };
}
