import { CRC_NAMES, type CrcName } from '../content/crc.js';
import { isEtagContentMd5, sameEtag } from '../content/etag.js';
import { isPlainMd5 } from '../content/multipart-etag.js';
import { MULTIPART_THRESHOLD_BYTES } from '../content/part-layout.js';
import type { RemoteObject } from '../remote/remote-object.js';
import { describeMtimeMove, recordedMtimeMs } from './mtime-move.js';
import { partSizeCandidates, type FirstPart } from './part-candidates.js';

/** What to do with one planned file, and why: the reason goes to the CSV log and --debug. */
export interface Decision {
  action: 'upload' | 'skip';
  reason: string;
}

/** How a planned file compares with the bucket. */
export type Verdict = 'missing' | 'different' | 'same' | 'unproven';

/** A verdict and what established it, in words for the CSV log, the check report and --debug. */
export interface Finding {
  verdict: Verdict;
  reason: string;
}

/**
 * How much a verdict of 'same' needs. `upload`: the tiers of a normal run (SHA-256 when both are known, then the
 * mtime recorded at upload, then content). `upload-check` (upload --check): content first; the recorded mtime
 * only when nothing can prove the content. `check`: content only. `check-download`: content, else the object's
 * bytes downloaded and hashed.
 */
export type ProofPolicy = 'upload' | 'upload-check' | 'check' | 'check-download';

/** Digests of the file cut into parts of `partSizeBytes`: S3's multipart ETag and composite SHA-256. */
export interface PartDigests {
  partSizeBytes: number;
  /** `md5(part MD5s)-N`, hex. */
  multipartEtag: string;
  /** `sha256(part SHA-256s)-N`, base64, as S3 reports a composite checksum. */
  compositeSha256: string;
}

/** What is known locally about a file; digests only once computed. */
export interface LocalFacts {
  sizeBytes: number;
  mtimeMs: number;
  sha256?: string | undefined;
  md5?: string | undefined;
  /** Part digests computed so far, one entry per part size tried. */
  parts?: readonly PartDigests[] | undefined;
  /** Whole-file CRCs (base64) computed so far. */
  crcs?: Partial<Record<CrcName, string>> | undefined;
}

/** The object's bytes as read back (check --download), or why they could not be. */
export type Downloaded = { sha256: string } | { unavailable: string };

/**
 * Everything gathered about one planned file. `remote` comes from a listing (no `metadata`) or from HeadObject
 * (`metadata` set, even if empty); the procedure asks for the HeadObject when it needs more than a listing says.
 */
export interface Facts {
  local: LocalFacts;
  remote: RemoteObject | undefined;
  firstPart?: FirstPart | undefined;
  downloaded?: Downloaded | undefined;
}

/** A fact the procedure needs before it can go on; the caller gathers it into {@link Facts} and asks again. */
export type Need =
  | { need: 'head' }
  | { need: 'local-digests'; md5: boolean }
  | { need: 'first-part' }
  | { need: 'part-digests'; partSizeBytes: number }
  | { need: 'local-crc'; name: CrcName }
  | { need: 'download' };

/** Storage classes whose objects cannot be read (or cost a retrieval fee) until restored: never downloaded. */
const ARCHIVED_CLASSES = ['GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR'];

/**
 * The one decision procedure: the next fact it needs, or the finding. It reads only `facts`, so a file looked up
 * by HeadObject and one found in a listing reach the same finding: a listing's ETag proves a match when it equals
 * the local MD5, and anything else it cannot settle asks for the HeadObject. LastModified never decides.
 */
export function nextStep(facts: Facts, policy: ProofPolicy): Finding | Need {
  const { local, remote } = facts;
  if (!remote) return { verdict: 'missing', reason: 'new: not in the bucket' };
  if (remote.sizeBytes !== local.sizeBytes) {
    return different(`size differs (local ${local.sizeBytes}, remote ${remote.sizeBytes} bytes)`);
  }
  // a small file is hashed at once: reading it costs less than a HeadObject, and its MD5 settles most cases
  if (local.sizeBytes < MULTIPART_THRESHOLD_BYTES && !local.md5) return { need: 'local-digests', md5: true };
  if (sameEtag(remote.etag, local.md5)) return same(facts, 'MD5 = ETag');
  if (!remote.metadata) return { need: 'head' };
  if (policy === 'upload') {
    const tiered = decideByTiers(facts);
    if (tiered) return tiered;
  }
  return proveContent(facts) ?? unprovable(facts, policy);
}

/** A normal run's shortcuts before content: SHA-256s already known, then the mtime recorded at upload. */
function decideByTiers(facts: Facts): Finding | undefined {
  const { local, remote } = facts;
  const contradicted = contradictsEtag(facts);
  if (contradicted) return contradicted;
  const recordedSha256 = remote?.metadata?.sha256;
  if (recordedSha256 && local.sha256) {
    return recordedSha256 === local.sha256
      ? same(facts, 'SHA-256 = x-amz-meta-sha256')
      : different('content differs (SHA-256 != x-amz-meta-sha256)');
  }
  if (remote && recordedMtimeMs(remote) === local.mtimeMs) {
    return { verdict: 'same', reason: 'same size and the recorded mtime matches' };
  }
  return undefined;
}

/** A known local MD5 against an ETag that is the content MD5: the server's own digest beats user metadata. */
function contradictsEtag({ local, remote }: Facts): Finding | undefined {
  if (!remote || !local.md5 || !isPlainMd5(remote.etag) || !isEtagContentMd5(remote.encryption))
    return undefined;
  return sameEtag(remote.etag, local.md5) ? undefined : different('content differs (MD5 != ETag)');
}

/**
 * Content proof, digests the server computed first (they prove the stored bytes), then x-amz-meta-sha256.
 * Undefined when nothing available can prove or disprove the content.
 */
function proveContent(facts: Facts): Finding | Need | undefined {
  return proveByEtag(facts) ?? proveByChecksum(facts) ?? proveByCrc(facts) ?? proveByRecordedSha256(facts);
}

function proveByEtag(facts: Facts): Finding | Need | undefined {
  const { local, remote } = facts;
  if (!remote || !isEtagContentMd5(remote.encryption)) return undefined;
  if (isPlainMd5(remote.etag)) {
    if (!local.md5) return { need: 'local-digests', md5: true };
    return sameEtag(remote.etag, local.md5)
      ? same(facts, 'MD5 = ETag')
      : different('content differs (MD5 != ETag)');
  }
  const partCount = /^[0-9a-f]{32}-(\d+)$/i.exec(remote.etag)?.[1];
  if (partCount === undefined) return undefined;
  return proveByParts(facts, Number(partCount), (parts) => sameEtag(parts.multipartEtag, remote.etag), {
    match: 'multipart ETag from local part MD5s',
    mismatch: 'multipart ETag != local part MD5s',
  });
}

function proveByChecksum(facts: Facts): Finding | Need | undefined {
  const { local, remote } = facts;
  const stored = remote?.checksums?.SHA256;
  if (!stored) return undefined;
  const [digest, count] = stored.split('-');
  if (remote.checksumType !== 'COMPOSITE' && count === undefined) {
    if (!local.sha256) return { need: 'local-digests', md5: false };
    return Buffer.from(local.sha256, 'hex').toString('base64') === digest
      ? same(facts, 'SHA-256 = stored SHA256 checksum')
      : different('content differs (SHA-256 != stored SHA256 checksum)');
  }
  const partCount = Number(count ?? /-(\d+)$/.exec(remote.etag)?.[1]);
  if (!Number.isInteger(partCount) || partCount < 1) return undefined;
  return proveByParts(facts, partCount, (parts) => parts.compositeSha256 === `${digest}-${partCount}`, {
    match: 'composite SHA256 checksum from local part SHA-256s',
    mismatch: 'composite SHA256 checksum != local part SHA-256s',
  });
}

/**
 * A full-object CRC the server stored (a single PutObject's, or a multipart upload's with ChecksumType
 * FULL_OBJECT) against the file's own. A composite CRC (`-N`, the parts' CRCs combined differently) is left to the
 * other proofs.
 */
function proveByCrc(facts: Facts): Finding | Need | undefined {
  const { local, remote } = facts;
  if (!remote?.checksums || remote.checksumType === 'COMPOSITE') return undefined;
  const name = CRC_NAMES.find(
    (n) => remote.checksums?.[n] !== undefined && !remote.checksums[n]!.includes('-'),
  );
  if (!name) return undefined;
  const ours = local.crcs?.[name];
  if (!ours) return { need: 'local-crc', name };
  return ours === remote.checksums[name]
    ? same(facts, `${name} = stored full-object ${name} checksum`)
    : different(`content differs (${name} != stored ${name} checksum)`);
}

/**
 * Compares part digests for each part size the object may have been cut into. Only a part size the server
 * reported makes a mismatch conclusive; a guessed one that does not match proves nothing either way.
 */
function proveByParts(
  facts: Facts,
  partCount: number,
  matches: (parts: PartDigests) => boolean,
  words: { match: string; mismatch: string },
): Finding | Need | undefined {
  if (!facts.firstPart) return { need: 'first-part' };
  const { sizesBytes, reported } = partSizeCandidates(facts.local.sizeBytes, partCount, facts.firstPart);
  for (const partSizeBytes of sizesBytes) {
    const parts = facts.local.parts?.find((p) => p.partSizeBytes === partSizeBytes);
    if (!parts) return { need: 'part-digests', partSizeBytes };
    if (matches(parts)) return same(facts, words.match);
  }
  return reported ? different(`content differs (${words.mismatch})`) : undefined;
}

function proveByRecordedSha256(facts: Facts): Finding | Need | undefined {
  const recorded = facts.remote?.metadata?.sha256;
  if (!recorded) return undefined;
  if (!facts.local.sha256) return { need: 'local-digests', md5: false };
  return recorded === facts.local.sha256
    ? same(facts, 'SHA-256 = x-amz-meta-sha256')
    : different('content differs (SHA-256 != x-amz-meta-sha256)');
}

/** Why `upload --check` skips a file whose stored copy nothing proves: its recorded mtime, the one tier left. */
export const MTIME_ONLY_REASON = 'same size and the recorded mtime matches; content not provable';

/**
 * The warning for the files `upload --check` skipped on their recorded mtime alone, or undefined when none was:
 * a skip a check takes on trust is said where it is seen, with the command that proves it.
 */
export function describeMtimeOnlySkips(
  decided: readonly { task: { key: string }; decision: { reason: string } }[],
): string | undefined {
  const trusted = decided.filter(({ decision }) => decision.reason.startsWith(MTIME_ONLY_REASON));
  if (trusted.length === 0) return undefined;
  const first = trusted[0]!;
  const why = first.decision.reason.slice(MTIME_ONLY_REASON.length).replace(/^ \((.*)\)$/, '$1');
  const files = trusted.length === 1 ? '1 file' : `${trusted.length} files`;
  return (
    `${files} skipped on the mtime recorded with the object: nothing on the server proves the content ` +
    `(${first.task.key}: ${why}); check --download proves them by reading them back, --force sends them again`
  );
}

/** Nothing on the server proves the content: what each policy makes of that. */
function unprovable(facts: Facts, policy: ProofPolicy): Finding | Need {
  const why = unprovableWhy(facts);
  const recorded = facts.remote && recordedMtimeMs(facts.remote);
  if (policy === 'upload-check' && recorded === facts.local.mtimeMs) {
    return {
      verdict: 'same',
      reason: `${MTIME_ONLY_REASON} (${why})`,
    };
  }
  if (policy === 'check-download') return proveByDownload(facts, why);
  return { verdict: 'unproven', reason: `nothing proves the stored copy matches (${why})` };
}

function proveByDownload(facts: Facts, why: string): Finding | Need {
  if (!facts.firstPart) return { need: 'first-part' };
  const storageClass = facts.firstPart.storageClass;
  if (storageClass && ARCHIVED_CLASSES.includes(storageClass)) {
    return {
      verdict: 'unproven',
      reason: `${why}; stored in ${storageClass}: not downloaded (needs a restore)`,
    };
  }
  if (!facts.downloaded) return { need: 'download' };
  if ('unavailable' in facts.downloaded) {
    return { verdict: 'unproven', reason: `${why}; download failed: ${facts.downloaded.unavailable}` };
  }
  if (!facts.local.sha256) return { need: 'local-digests', md5: false };
  return facts.downloaded.sha256 === facts.local.sha256
    ? same(facts, 'SHA-256 of the downloaded object')
    : different('content differs (SHA-256 of the downloaded object)');
}

function unprovableWhy({ remote, local }: Facts): string {
  if (remote && !isEtagContentMd5(remote.encryption)) {
    return `the ETag of an ${remote.encryption} object is not its MD5, and no SHA-256 is stored`;
  }
  if (remote && !isPlainMd5(remote.etag) && /-\d+$/.test(remote.etag)) {
    const tried = (local.parts ?? []).map((p) => `${p.partSizeBytes / 1024 ** 2} MiB`).join(', ');
    if (!tried) {
      const count = remote.etag.slice(remote.etag.lastIndexOf('-') + 1);
      return `the multipart ETag's ${count} parts fit none of the usual part sizes for a file of this size, and the server does not report its own`;
    }
    return `the multipart ETag matches no part size tried (${tried}) and the server does not report its own`;
  }
  return 'no digest stored with the object';
}

function same(facts: Facts, proof: string): Finding {
  const moved = facts.remote ? describeMtimeMove(facts.local.mtimeMs, facts.remote) : undefined;
  return { verdict: 'same', reason: `content matches (${proof})${moved ? `; ${moved}` : ''}` };
}

function different(reason: string): Finding {
  return { verdict: 'different', reason };
}

/** A normal run's decision: upload unless the file is the same. */
export function toDecision(finding: Finding): Decision {
  return { action: finding.verdict === 'same' ? 'skip' : 'upload', reason: finding.reason };
}

/** A row of an earlier run's CSV log that says the key was uploaded. */
export interface LogFacts {
  sizeBytes: number;
  mtimeMs: number;
}

/** The reason of every skip the upload log settles on its own. */
export const LOG_SKIP_REASON = 'upload log: sent earlier with the same size and mtime';

/**
 * Decides from the CSV log alone (the fast path, no request): skip when an earlier run
 * uploaded this key from a file of the same size and mtime. Returns undefined when the bucket must be asked.
 */
export function decideFromLog(local: LocalFacts, logged: LogFacts | undefined): Decision | undefined {
  if (logged && logged.sizeBytes === local.sizeBytes && logged.mtimeMs === local.mtimeMs) return SKIP_BY_LOG;
  return undefined;
}

// one object for every file the log settles: a rerun of 100,000 files allocates no decision
const SKIP_BY_LOG: Decision = Object.freeze({ action: 'skip', reason: LOG_SKIP_REASON });
