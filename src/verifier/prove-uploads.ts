import pLimit from 'p-limit';
import type { UploadTask } from '../collector/plan-upload.js';
import type { Decision } from './decide.js';
import { lookupRemote } from './lookup-remote.js';
import { proveFile, type ProofContext } from './prove-file.js';

/** Files proved at once, as when deciding. */
const FILES_AT_ONCE = 4;

/**
 * upload --check, after the transfer: proves again every file the run decided to upload, from a fresh HeadObject
 * (size, then content as when deciding), and reports each one the bucket does not prove through `warn`.
 * Returns how many were not proven.
 * @throws RemoteError/AuthError when the bucket cannot be read.
 */
export async function proveUploads(
  decided: ReadonlyArray<{ task: UploadTask; decision: { action: Decision['action'] | 'fix-settings' } }>,
  ctx: ProofContext,
  warn: (message: string) => void,
): Promise<number> {
  const sent = decided.filter((d) => d.decision.action === 'upload').map((d) => d.task);
  const found = await lookupRemote(sent, 'head-each', ctx);
  const limit = pLimit(FILES_AT_ONCE);
  const findings = await Promise.all(
    sent.map((task) =>
      limit(async () => ({ task, finding: await proveFile(task, found.get(task.key), ctx, 'upload-check') })),
    ),
  );
  const unproven = findings.filter(({ finding }) => finding.verdict !== 'same');
  for (const { task, finding } of unproven) {
    warn(
      `verify s3://${ctx.bucket}/${task.key} after upload: ${finding.verdict} (${finding.reason}); run again to resend it`,
    );
  }
  return unproven.length;
}
