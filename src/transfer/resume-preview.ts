import { stat } from 'node:fs/promises';
import type { UploadTask } from '../collector/plan-upload.js';
import { compareFingerprints, fileIdOf } from '../content/file-identity.js';
import { MULTIPART_THRESHOLD_BYTES } from '../content/part-layout.js';
import type { DecidedTask } from './upload-all.js';
import type { JournalStore } from './upload-journal.js';
import { changesSinceStart, type UploadSettings } from './upload-settings.js';

/** What a run would take up of an interrupted upload of one file: the parts its journal records as sent. */
export interface ResumePreview {
  partsSent: number;
  partsTotal: number;
  bytesSent: number;
  /** The file's mtime or file id moved, not its size: the run keeps the stored parts that still hold its bytes. */
  touched: boolean;
}

/**
 * The interrupted uploads a run would resume, by planned file: each file to upload whose journal still matches
 * it (size, mtime and file id, as the run matches them; a file touched since is named so) and was started with the
 * settings asked for now, from the state folder alone. The run confirms those parts with ListParts before it trusts them; a dry run shows what the
 * journal records, which is what the server answered for each part when it was sent.
 */
export async function previewResumes(
  decided: readonly DecidedTask[],
  journals: Pick<JournalStore, 'load'>,
  asked: AskedSettings,
): Promise<Map<UploadTask, ResumePreview>> {
  const previews = new Map<UploadTask, ResumePreview>();
  for (const { task, decision } of decided) {
    // smaller files go in one request: there is no journal to find
    if (decision.action !== 'upload' || task.sizeBytes < MULTIPART_THRESHOLD_BYTES) continue;
    const preview = await previewOne(task, journals, asked);
    if (preview) previews.set(task, preview);
  }
  return previews;
}

/** What the run asks new uploads to be stored with: an upload started otherwise is started again. */
export interface AskedSettings {
  bucket: string;
  settingsOf: (task: UploadTask) => UploadSettings;
  verifyLarge: boolean;
}

async function previewOne(
  task: UploadTask,
  journals: Pick<JournalStore, 'load'>,
  asked: AskedSettings,
): Promise<ResumePreview | undefined> {
  const journal = await journals.load(asked.bucket, task.key);
  if (!journal || journal.parts.length === 0) return undefined;
  const fileId = await stat(task.path, { bigint: true }).then(fileIdOf, () => undefined);
  const current = { sizeBytes: task.sizeBytes, mtimeMs: task.mtimeMs, fileId };
  // a file of the same size whose mtime moved may hold the same bytes: the run checks before it keeps them
  if (journal.sizeBytes !== task.sizeBytes) return undefined;
  if (changesSinceStart(journal, asked.settingsOf(task), asked.verifyLarge).length > 0) return undefined;
  return {
    partsSent: journal.parts.length,
    partsTotal: Math.ceil(journal.sizeBytes / journal.partSizeBytes),
    bytesSent: journal.parts.reduce((sum, part) => sum + part.sizeBytes, 0),
    touched: compareFingerprints(journal, current) === 'different',
  };
}
