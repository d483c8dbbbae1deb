import path from 'node:path';
import { applyMinFileAge } from '../collector/min-file-age.js';
import { planUpload } from '../collector/plan-upload.js';
import { HashCache } from '../content/hash-cache.js';
import { loadCommandConfig } from '../config/config-file.js';
import { wantedSettingsFrom } from '../verifier/check-settings.js';
import {
  projectPrefixOf,
  resolveRunOptions,
  type RunOptions,
  type UploadFlags,
} from '../config/run-options.js';
import { withKeyringCustomerKey } from '../auth/customer-key-source.js';
import { EXIT } from '../exit-codes.js';
import { reportError } from '../report-error.js';
import { createLogger, type Logger } from '../log/logger.js';
import { checkReportPath } from '../status/output-paths.js';
import { connectStore } from '../remote/connect.js';
import { checkPlan, isAllProven, type CheckRow } from '../verifier/check-plan.js';
import { formatCheckJson, formatCheckText, writeCheckReport } from '../verifier/check-report.js';
import { holdYoungGeneration, shouldHoldYoungGeneration } from '../young-generation.js';

export type CheckFlags = UploadFlags & { download?: boolean; report?: string };

/** Plans the upload's files, proves each one against the bucket, prints the rows and sets the exit code. */
export async function checkUpload(flags: CheckFlags): Promise<void> {
  // first, so that --log-file takes what ends the check too (a bad config, a missing bucket), as for an upload
  const log = createLogger({ debug: flags.debug ?? false, logFile: flags.logFile });
  try {
    await checkWithLog(flags, log);
  } catch (error) {
    process.exitCode = reportError(error, { debug: flags.debug ?? false, json: flags.json, log });
  }
}

async function checkWithLog(flags: CheckFlags, log: Logger): Promise<void> {
  const config = await loadCommandConfig(flags.config);
  const options = await withKeyringCustomerKey(
    resolveRunOptions(flags, config?.values ?? {}, process.env, new Date(), config?.path),
  );
  const report = flags.report === undefined ? undefined : path.resolve(flags.report);
  if (report) await checkReportPath(report);
  const rows = await runCheck(options, flags.download ?? false, log);
  // a check can take hours: its rows are shown before a report file that cannot be written ends it with exit 2
  printRows(rows, options, flags.download ?? false);
  process.exitCode = isAllProven(rows) ? EXIT.ok : EXIT.filesFailed;
  if (report) await writeCheckReport(report, rows);
}

async function runCheck(options: RunOptions, download: boolean, log: Logger): Promise<CheckRow[]> {
  const plan = applyMinFileAge(await planUpload(options), options.minFileAgeSec, log);
  if (shouldHoldYoungGeneration(plan)) holdYoungGeneration();
  const signal = new AbortController().signal;
  const store = await connectStore(options, log, signal);
  const hashCache = await HashCache.load(options.stateDir);
  try {
    const wanted = wantedSettingsFrom(options.objects);
    return await checkPlan(
      plan,
      { reader: store, bucket: options.bucket, hashCache, signal },
      { download, wanted },
    );
  } finally {
    store.destroy();
    await hashCache
      .save()
      .catch((error: unknown) => log.warn(`could not save the hash cache: ${String(error)}`));
  }
}

function printRows(rows: readonly CheckRow[], options: RunOptions, downloaded: boolean): void {
  const target = `s3://${options.bucket}/${projectPrefixOf(options)}`;
  const lines = options.json
    ? formatCheckJson(rows)
    : formatCheckText(rows, target, {
        all: options.debug,
        quiet: options.quiet,
        downloaded,
        projectPrefix: projectPrefixOf(options),
      });
  process.stdout.write(`${lines.join('\n')}\n`);
}
