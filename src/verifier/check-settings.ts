import pLimit from 'p-limit';
import type { UploadTask } from '../collector/plan-upload.js';
import { settingsForType, type ObjectOptions } from '../config/object-options.js';
import { toUploadError } from '../remote/classify-error.js';
import type { ObjectReader } from './object-reader.js';
import { diffSettings, type StoredSettings, type WantedSettings } from './settings-diff.js';

/** What comparing settings needs: the bucket (read only), the wanted settings per file and the cancel signal. */
export interface SettingsContext {
  reader: ObjectReader;
  bucket: string;
  wanted: (task: UploadTask) => WantedSettings;
  signal: AbortSignal;
}

/** Objects whose settings are compared at once: each costs a HeadObject and a GetObjectTagging. */
const OBJECTS_AT_ONCE = 16;

/** The settings each planned file is wanted with: its folder type's, and the run's SSE-C key if any. */
export function wantedSettingsFrom(objects: ObjectOptions): (task: { group: string }) => WantedSettings {
  return (task) => ({
    settings: settingsForType(objects, task.group),
    customerKey: objects.requests.customerKey !== undefined,
  });
}

/**
 * The files among `tasks` (files already in the bucket) whose objects differ from their wanted settings, with the
 * differences. Reads no bytes.
 * @throws RemoteError/AuthError when the bucket cannot be read.
 */
export async function findSettingsToFix(
  tasks: readonly UploadTask[],
  ctx: SettingsContext,
): Promise<Map<UploadTask, string[]>> {
  const limit = pLimit(OBJECTS_AT_ONCE);
  const found = new Map<UploadTask, string[]>();
  await Promise.all(
    tasks.map((task) =>
      limit(async () => {
        if (ctx.signal.aborted) return;
        const differences = await findSettingsDiff(task, ctx);
        if (differences.length > 0) found.set(task, differences);
      }),
    ),
  );
  ctx.signal.throwIfAborted();
  return found;
}

/**
 * How the object of `task` differs from its wanted settings (empty when it matches), from a HeadObject and a
 * GetObjectTagging. Reads no bytes, so archived objects cost nothing and need no restore.
 * @throws RemoteError/AuthError when the bucket cannot be read.
 */
export async function findSettingsDiff(task: UploadTask, ctx: SettingsContext): Promise<string[]> {
  try {
    const stored = await readStoredSettings(task.key, ctx);
    return stored ? diffSettings(ctx.wanted(task), stored) : [];
  } catch (error) {
    throw toUploadError(error, 'check settings of', `s3://${ctx.bucket}/${task.key}`);
  }
}

async function readStoredSettings(key: string, ctx: SettingsContext): Promise<StoredSettings | undefined> {
  const head = await ctx.reader.headObject(ctx.bucket, key, ctx.signal);
  if (!head) return undefined;
  return {
    storageClass: head.storageClass,
    encryption: head.encryption,
    kmsKeyId: head.kmsKeyId,
    // undefined from a server that keeps no tags: an object there cannot differ by its tags
    tags: await ctx.reader.getObjectTags(ctx.bucket, key, ctx.signal),
  };
}

/**
 * The differences of `task`'s object (a file a run skips because the bucket holds it) from the settings the run
 * asks for, from one HeadObject and one GetObjectTagging; undefined when it matches, or cannot be read. A run does
 * not rewrite objects already there (nor does `aws s3 sync`): one sample lets it say so once.
 */
export async function sampleSkippedSettings(
  task: UploadTask,
  ctx: SettingsContext,
): Promise<string[] | undefined> {
  const differences = await findSettingsDiff(task, ctx).catch(() => []);
  return differences.length > 0 ? differences : undefined;
}
