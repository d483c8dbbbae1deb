import pLimit from 'p-limit';
import type { UploadPlan, UploadTask } from '../collector/plan-upload.js';
import { ConfigError, type UploadError } from '../errors.js';
import { refusesRequest } from '../remote/answer-fields.js';
import { describeAnswer, toUploadError } from '../remote/classify-error.js';
import type { Finding } from './decide.js';
import { listUnder, plannedPrefixes } from './lookup-remote.js';
import { findSettingsDiff, type SettingsContext } from './check-settings.js';
import { proveFile, type ProofContext } from './prove-file.js';
import { describeSettingsDiff } from './settings-diff.js';

/** How a planned file (or an object no planned file maps to) stands in the bucket. */
export type CheckStatus = 'proven' | 'settings-differ' | 'missing' | 'different' | 'unproven' | 'extra';

/** One line of a check: the key, the local file ('' for an extra object), its status and why. */
export interface CheckRow {
  key: string;
  file: string;
  status: CheckStatus;
  reason: string;
}

/** Files proved at once: each may read a file from disk while it waits for the bucket. */
const FILES_AT_ONCE = 4;

/**
 * Compares a planned upload with the bucket, like `rclone check`: lists the planned prefixes, proves each planned
 * file by content (downloading the object when `download` and nothing else proves it), and names the objects under
 * those prefixes that no planned file maps to. Sends nothing. Rows come in plan order, then the extra objects.
 * @throws RemoteError/AuthError when the bucket cannot be read.
 */
export async function checkPlan(
  plan: UploadPlan,
  ctx: ProofContext,
  options: { download: boolean; wanted?: SettingsContext['wanted'] | undefined },
): Promise<CheckRow[]> {
  const tasks = [...plan.groups.values()].flat();
  const listed = await listUnder(plannedPrefixes(tasks), ctx).catch((error: unknown) => {
    throw listingError(error, ctx.bucket);
  });
  const policy = options.download ? 'check-download' : 'check';
  const limit = pLimit(FILES_AT_ONCE);
  const planned = await Promise.all(
    tasks.map((task) =>
      limit(async () => {
        const row = toRow(task, await proveFile(task, listed.get(task.key), ctx, policy));
        return options.wanted && row.status === 'proven'
          ? withSettings(row, task, { ...ctx, wanted: options.wanted })
          : row;
      }),
    ),
  );
  const unreadable = plan.problems.map((problem): CheckRow => ({
    key: '',
    file: problem.path,
    status: 'unproven',
    reason: problem.cause === 'read' ? `cannot read: ${problem.error}` : `no valid key: ${problem.error}`,
  }));
  const keys = new Set(tasks.map((t) => t.key));
  const extra = [...listed.keys()]
    .filter((key) => !keys.has(key))
    .sort()
    .map((key): CheckRow => ({ key, file: '', status: 'extra', reason: 'no planned file maps to this key' }));
  return [...planned, ...unreadable, ...extra];
}

/** A proven object whose storage class, encryption or tags differ is reported as such: it is not done yet. */
async function withSettings(row: CheckRow, task: UploadTask, ctx: SettingsContext): Promise<CheckRow> {
  const differences = await findSettingsDiff(task, ctx);
  return differences.length === 0
    ? row
    : { ...row, status: 'settings-differ', reason: describeSettingsDiff(differences) };
}

function toRow(task: UploadTask, finding: Finding): CheckRow {
  const status = finding.verdict === 'same' ? 'proven' : finding.verdict;
  return { key: task.key, file: task.path, status, reason: finding.reason };
}

/** True when every planned file is proven: extra objects do not count against a check. */
export function isAllProven(rows: readonly CheckRow[]): boolean {
  return rows.every((row) => row.status === 'proven' || row.status === 'extra');
}

/**
 * Why the check could not list the bucket, in one line: a server that does not list (405, 501) is named as such,
 * not as one refusing a setting, which a NotImplemented hint would say.
 */
function listingError(error: unknown, bucket: string): UploadError {
  if (!refusesRequest(error)) return toUploadError(error, 'list', `s3://${bucket}`);
  return new ConfigError(
    `check s3://${bucket}: the server cannot list objects (${describeAnswer(error)}), which check needs to find ` +
      'what the bucket holds; a dry run with --verify asks for each file by HeadObject and sends nothing',
    { cause: error },
  );
}
