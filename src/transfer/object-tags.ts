import { isNotImplemented, toUploadError } from '../remote/classify-error.js';
import { withRetry } from './retry.js';
import { reportedRetries } from './send-body.js';
import type { FileToSend, TransferContext } from './transfer-context.js';

/**
 * Whether objects sent whole keep the tags sent with them (x-amz-tagging on PutObject), as the first such object
 * of the run showed: undefined until one was read back, `no-tags` where the server keeps none at all.
 */
export interface WholeObjectTags {
  kept?: boolean | 'no-tags';
}

/**
 * Gives an object sent whole the tags asked for where the server dropped x-amz-tagging from its PutObject (s3rver
 * does): the run's first tagged object sent whole has its tags read back, and once they are found missing, it and
 * each object sent whole after it are tagged by a request of their own, as a multipart one is on Ceph RGW.
 * @throws UploadError when the tags cannot be read or written.
 */
export async function tagWholeObject(file: FileToSend, ctx: TransferContext): Promise<void> {
  const tags = ctx.settingsFor?.(file.group).tags ?? {};
  const probe = ctx.wholeObjectTags;
  if (Object.keys(tags).length === 0 || !probe || probe.kept === true || probe.kept === 'no-tags') return;
  const options = reportedRetries(`tag ${file.key}`, ctx);
  try {
    if (probe.kept === undefined) {
      const stored = await withRetry(
        () => ctx.store.getObjectTags(ctx.bucket, file.key, ctx.hardSignal),
        options,
      );
      if (!stored) return void (probe.kept = keepsNoTags(file, ctx));
      probe.kept = Object.entries(tags).every(([name, value]) => stored[name] === value);
      if (probe.kept) return;
      ctx.debug('the server dropped the tags sent with PutObject: each object sent whole is tagged after it');
    }
    // a PutObject replaces an object's tags: the ones asked for are all it has
    await withRetry(() => ctx.store.putObjectTags(ctx.bucket, file.key, tags, ctx.hardSignal), options);
  } catch (error) {
    if (isNotImplemented(error)) return void (probe.kept = keepsNoTags(file, ctx));
    throw toUploadError(error, 'tag', file.key);
  }
}

/**
 * Tags the object when the server dropped the tags the upload was started with: Ceph RGW (Pacific) ignores
 * x-amz-tagging on CreateMultipartUpload. Amazon S3 keeps them, so there this sends nothing. The tags are read
 * first: a server that answers no tag set keeps none, and one that does not know `?tagging` (fauxqs) would store
 * the tag document as the object.
 */
export async function tagIfDropped(
  file: FileToSend,
  tagCount: number | undefined,
  ctx: TransferContext,
): Promise<'tagged' | 'kept' | 'no-tags'> {
  const tags = ctx.settingsFor?.(file.group).tags ?? {};
  if (Object.keys(tags).length === 0 || (tagCount ?? 0) >= Object.keys(tags).length) return 'kept';
  const options = reportedRetries(`tag ${file.key}`, ctx);
  try {
    const stored = await withRetry(
      () => ctx.store.getObjectTags(ctx.bucket, file.key, ctx.hardSignal),
      options,
    );
    if (!stored) return keepsNoTags(file, ctx);
    const merged = { ...stored, ...tags };
    await withRetry(() => ctx.store.putObjectTags(ctx.bucket, file.key, merged, ctx.hardSignal), options);
    return 'tagged';
  } catch (error) {
    // a server that took the tags with the upload but has no PutObjectTagging keeps the object untagged
    if (isNotImplemented(error)) return keepsNoTags(file, ctx);
    throw toUploadError(error, 'tag', file.key);
  }
}

function keepsNoTags(file: FileToSend, ctx: TransferContext): 'no-tags' {
  ctx.debug(`tag ${file.key}: the server keeps no tags`);
  ctx.onTagsNotKept?.();
  return 'no-tags';
}

/**
 * The warning of a run whose server keeps no object tags: the objects are all stored, so the run goes on, but
 * without the tags a lifecycle rule or a cost report may count on, which the user asked for and must hear of.
 */
export const TAGS_NOT_KEPT =
  'the server keeps no object tags (it dropped the tags sent with the objects and cannot set them after): ' +
  'objects are stored untagged; remove tags / --tag for this endpoint';
