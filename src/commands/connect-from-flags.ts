import { loadCommandConfig } from '../config/config-file.js';
import { resolveRunOptions, type RunOptions } from '../config/run-options.js';
import { createLogger, type Logger } from '../log/logger.js';
import type { ConnectFlags } from './connect-flags.js';

/** Resolves a subcommand's options exactly as an upload would, so it reaches the same bucket. */
export async function resolveConnectOptions(
  flags: ConnectFlags,
): Promise<{ options: RunOptions; log: Logger }> {
  const config = await loadCommandConfig(flags.config);
  const options = resolveRunOptions(
    { ...flags, projectKey: flags.projectKey ?? 'probe', folder: process.cwd() },
    config?.values ?? {},
    process.env,
    new Date(),
    config?.path,
  );
  return { options, log: createLogger({ debug: flags.debug ?? false }) };
}
