import pLimit from 'p-limit';
import { S3_LIMITS, partRange } from '../content/part-layout.js';
import { RemoteError } from '../errors.js';
import { classifyS3Error, isNotImplemented, toUploadError } from '../remote/classify-error.js';
import { contentTypeFor } from '../remote/content-type.js';
import { OWN_METADATA_KEYS, RESTORE_FIRST_CLASSES, type ObjectSettings } from '../remote/object-settings.js';
import type { RemoteObject, RemotePart } from '../remote/remote-object.js';
import type { S3Store } from '../remote/s3-store.js';
import type { CopySource, ObjectTarget } from '../remote/write-request.js';
import { diffSettings } from '../verifier/settings-diff.js';
import { withRetry } from './retry.js';
import { cleanupSignal, outlastStop } from './stopped-uploads.js';
import { getTransferConfig } from './transfer-config.js';

/** What fixing an object's settings needs from the run. */
export interface FixSettingsContext {
  store: S3Store;
  bucket: string;
  /** The settings wanted for a folder type. */
  settingsFor: (folderType: string | undefined) => ObjectSettings;
  /** Whether the run writes with an SSE-C key. */
  customerKey: boolean;
  /** Requests in flight stop only when this aborts: a copy is the server's work and ends quickly. */
  signal: AbortSignal;
  /** Objects up to this size are copied by one CopyObject, larger ones part by part (S3 allows 5 GiB). */
  copyLimitBytes?: number;
}

/**
 * An object whose settings were fixed: its ETag now, and what was done, for the log. `unapplied`: what a copy did
 * not change (Ceph RGW ignores encryption headers on CopyObject), so only sending the bytes again can.
 */
export interface FixedObject {
  etag: string;
  detail: string;
  unapplied?: string[];
  /** With `unapplied`: the object's user metadata and tags, which the file sent again must keep. */
  kept?: KeptSettings;
}

/** What an object replaced by its own file sent again keeps: its user metadata but ours, and its tags. */
export interface KeptSettings {
  metadata: Record<string, string>;
  tags: Record<string, string>;
}

/** `settings` over what an object kept: the configured metadata and tags win, the object's others stay. */
export function withKept(settings: ObjectSettings | undefined, kept: KeptSettings): ObjectSettings {
  return {
    ...settings,
    metadata: { ...kept.metadata, ...settings?.metadata },
    tags: { ...kept.tags, ...settings?.tags },
  };
}

/** Parts copied at once in a multipart copy: the server does the work, so a few keep it busy. */
const PARTS_AT_ONCE = 4;

/**
 * Gives the object of `file` the settings its folder type wants, without sending its bytes again: storage class
 * and encryption by copying the object onto itself (CopyObject up to 5 GiB, UploadPartCopy above), which keeps
 * its content type, metadata and tags; tags by PutObjectTagging, keeping tags the object already has. The copy
 * gets the configured ACL or none, as any copy in S3 does. A copy is checked by HeadObject: what it did not change
 * is returned as `unapplied`, as is a copy that did not keep the object's size, so that the file is sent again.
 * @throws RemoteError when the object is gone, changed meanwhile (412) or archived; AuthError/RemoteError from S3.
 */
export async function fixObjectSettings(
  file: { key: string; group: string },
  ctx: FixSettingsContext,
): Promise<FixedObject> {
  const target = `s3://${ctx.bucket}/${file.key}`;
  const wanted = ctx.settingsFor(file.group);
  const head = await retried(() => ctx.store.headObject(ctx.bucket, file.key, ctx.signal), ctx).catch(
    (error: unknown) => {
      throw toUploadError(error, 'fix settings of', target);
    },
  );
  if (!head)
    throw new RemoteError(`fix settings of ${target}: the object is gone; rerun to upload it`, false);
  const storedDiff = diffSettings(
    { settings: wanted, customerKey: ctx.customerKey },
    { storageClass: head.storageClass, encryption: head.encryption, kmsKeyId: head.kmsKeyId },
  );
  const done: string[] = [];
  let etag = head.etag;
  try {
    const tagsBefore = await readTags(file.key, ctx);
    if (storedDiff.length > 0) {
      refuseArchived(head, target);
      const kept = keptSettings(head, tagsBefore);
      const copying = copyInPlace(head, { ...wanted, tags: { ...tagsBefore, ...wanted.tags } }, ctx);
      // Ceph RGW copies no SSE-KMS object (501), and a server may copy nothing at all: the bytes go again
      if (await copying.then(() => false, rethrowUnlessNotImplemented))
        return {
          etag,
          detail: '',
          unapplied: ['the server does not copy this object (NotImplemented)'],
          kept,
        };
      const copied = await headAfterCopy(file.key, ctx);
      etag = copied.etag;
      // a server that ignored the copy source stored the request's empty body: the file must go again
      if (copied.sizeBytes !== head.sizeBytes)
        return {
          etag,
          detail: '',
          unapplied: [`the copy stored ${copied.sizeBytes} of ${head.sizeBytes} bytes`],
          kept,
        };
      const unapplied = diffSettings({ settings: wanted, customerKey: ctx.customerKey }, copied);
      if (unapplied.length > 0) return { etag, detail: '', unapplied, kept };
      done.push(`copied in place (${storedDiff.join('; ')})`);
    }
    if (tagsBefore !== undefined) {
      // a copy may drop tags (a multipart copy starts untagged; Ceph RGW drops them on CopyObject too)
      const tagsNow = storedDiff.length > 0 ? await readTags(file.key, ctx) : tagsBefore;
      const tagged = await fixTags(file.key, tagsNow ?? {}, { ...tagsBefore, ...wanted.tags }, ctx);
      if (tagged) done.push(`tags set (${tagged})`);
    }
  } catch (error) {
    throw toUploadError(error, 'fix settings of', target);
  }
  return { etag, detail: done.length > 0 ? done.join('; ') : 'settings already as wanted' };
}

/**
 * The object as HeadObject tells after its copy: its ETag (Ceph RGW answers none to CompleteMultipartUpload) and
 * the class and encryption the copy really gave it.
 */
async function headAfterCopy(key: string, ctx: FixSettingsContext): Promise<RemoteObject> {
  const head = await retried(() => ctx.store.headObject(ctx.bucket, key, ctx.signal), ctx);
  if (!head)
    throw new RemoteError(
      `fix settings of s3://${ctx.bucket}/${key}: the object is gone after its copy`,
      true,
    );
  return head;
}

function refuseArchived(head: RemoteObject, target: string): void {
  if (!head.storageClass || !RESTORE_FIRST_CLASSES.includes(head.storageClass)) return;
  throw new RemoteError(
    `fix settings of ${target}: the object is archived in ${head.storageClass} and S3 copies it only after a ` +
      'restore; restore it (aws s3api restore-object) and rerun with --fix-settings, or leave it as it is',
    false,
  );
}

/** True for a copy the server does not implement; any other failure is the fix's. */
function rethrowUnlessNotImplemented(error: unknown): true {
  if (isNotImplemented(error)) return true;
  throw error;
}

/** What the object had before its copy and must keep when its file is sent again: its metadata but ours, its tags. */
function keptSettings(head: RemoteObject, tags: Record<string, string> | undefined): KeptSettings {
  const metadata = Object.entries(head.metadata ?? {}).filter(([key]) => !OWN_METADATA_KEYS.includes(key));
  return { metadata: Object.fromEntries(metadata), tags: tags ?? {} };
}

/** The object as it should be rewritten: the wanted class, encryption, tags and ACL; its own type and metadata. */
function rewriteTarget(head: RemoteObject, wanted: ObjectSettings, bucket: string): ObjectTarget {
  const stored = head.metadata ?? {};
  const own = Object.fromEntries(Object.entries(stored).filter(([key]) => OWN_METADATA_KEYS.includes(key)));
  return {
    bucket,
    key: head.key,
    contentType: head.contentType ?? contentTypeFor(head.key),
    metadata: { ...stored, ...wanted.metadata, ...own },
    encryption: wanted.encryption,
    storageClass: wanted.storageClass,
    tags: wanted.tags,
    acl: wanted.acl,
  };
}

async function copyInPlace(
  head: RemoteObject,
  wanted: ObjectSettings,
  ctx: FixSettingsContext,
): Promise<void> {
  const target = rewriteTarget(head, wanted, ctx.bucket);
  const source: CopySource = { etag: head.etag, customerKeyEncrypted: head.encryption === 'SSE-C' };
  if (head.sizeBytes <= (ctx.copyLimitBytes ?? S3_LIMITS.maxPutObjectBytes))
    await retried(() => copyObjectLookingFirst(target, source, head.sizeBytes, ctx), ctx);
  else await copyByParts(target, source, head.sizeBytes, ctx);
}

/**
 * One CopyObject, looked at before it may be sent again: a server that ignores the copy source stores the
 * request's empty body and answers 200 without one, which the SDK takes for an aborted copy. Sent again, it would
 * store the empty body again (and then fail the source's ETag condition). An object whose size the failed copy
 * changed is left to the check after the copy, which has the file sent again.
 */
async function copyObjectLookingFirst(
  target: ObjectTarget,
  source: CopySource,
  sizeBytes: number,
  ctx: FixSettingsContext,
): Promise<void> {
  try {
    await ctx.store.copyObjectInPlace(target, source, ctx.signal);
  } catch (error) {
    // a refusal (412: the object changed meanwhile) is an answer, not a copy that may have happened
    if (classifyS3Error(error) !== 'retryable') throw error;
    const now = await ctx.store.headObject(ctx.bucket, target.key, ctx.signal).catch(() => undefined);
    if (now && now.sizeBytes !== sizeBytes) return;
    throw error;
  }
}

/** A copy of an object over 5 GiB: a multipart upload whose parts are ranges of the object itself. */
async function copyByParts(
  target: ObjectTarget,
  source: CopySource,
  sizeBytes: number,
  ctx: FixSettingsContext,
): Promise<void> {
  const { uploadId } = await retried(
    () => outlastStop(ctx.signal, (signal) => ctx.store.uploads.create(target, signal)),
    ctx,
  );
  const upload = { bucket: target.bucket, key: target.key, uploadId };
  const { partSizeBytes, partCount } = getTransferConfig(sizeBytes);
  const limit = pLimit(PARTS_AT_ONCE);
  try {
    const parts = await Promise.all(
      Array.from({ length: partCount }, (_, index) =>
        limit(async (): Promise<RemotePart> => {
          const partNumber = index + 1;
          const { start, length } = partRange(partNumber, partSizeBytes, sizeBytes);
          const range = { ...source, firstByte: start, lastByte: start + length - 1 };
          const etag = await retried(
            () => ctx.store.uploads.copyPart({ ...upload, partNumber }, range, ctx.signal),
            ctx,
          );
          return { partNumber, etag, sizeBytes: length };
        }),
      ),
    );
    await retried(() => ctx.store.uploads.complete(upload, parts, ctx.signal), ctx);
  } catch (error) {
    await ctx.store.uploads
      .abort(upload.bucket, upload.key, uploadId, cleanupSignal(ctx.signal))
      .catch(() => undefined);
    throw error;
  }
}

/** The object's tags, or undefined from a server that keeps none (OpenStack Swift's s3api, fauxqs). */
function readTags(key: string, ctx: FixSettingsContext): Promise<Record<string, string> | undefined> {
  return retried(() => ctx.store.getObjectTags(ctx.bucket, key, ctx.signal), ctx);
}

/** Sets `wanted` (the object's tags with the configured ones over them) when `stored` differs; says what changed. */
async function fixTags(
  key: string,
  stored: Record<string, string>,
  wanted: Record<string, string>,
  ctx: FixSettingsContext,
): Promise<string> {
  const changed = Object.keys(wanted).filter((name) => stored[name] !== wanted[name]);
  if (changed.length === 0) return '';
  await retried(() => ctx.store.putObjectTags(ctx.bucket, key, wanted, ctx.signal), ctx);
  return changed.map((name) => `${name}=${wanted[name]}`).join(', ');
}

function retried<T>(attempt: () => Promise<T>, ctx: FixSettingsContext): Promise<T> {
  return withRetry(attempt, { signal: ctx.signal });
}
