import type { Command } from 'commander';
import { loadConfigFile, type ConfigFile } from '../config/config-file.js';
import { resolveRunOptions, type RunOptions } from '../config/run-options.js';
import { createLogger, type Logger } from '../log/logger.js';

/** Flags shared by the subcommands that talk to the bucket. */
export interface ConnectFlags {
  config?: string;
  bucket?: string;
  endpoint?: string;
  region?: string;
  profile?: string;
  projectKey?: string;
  debug?: boolean;
}

/** Adds --config, --bucket, --endpoint, --region, --profile and --debug to a subcommand. */
export function withConnectFlags(command: Command): Command {
  return command
    .option('-c, --config <file>', 'YAML config file')
    .option('--bucket <name>', 'bucket (overrides the config)')
    .option('--endpoint <url>', 'S3-compatible endpoint URL')
    .option('--region <region>', 'region')
    .option('--profile <name>', 'AWS profile')
    .option('--debug', 'detailed logging');
}

/** Resolves a subcommand's options exactly as an upload would, so it reaches the same bucket. */
export async function resolveConnectOptions(
  flags: ConnectFlags,
): Promise<{ options: RunOptions; log: Logger }> {
  const file: ConfigFile = flags.config ? (await loadConfigFile(flags.config)).values : {};
  const options = resolveRunOptions(
    { ...flags, projectKey: flags.projectKey ?? 'probe', folder: process.cwd() },
    file,
    process.env,
    new Date(),
    flags.config,
  );
  return { options, log: createLogger({ debug: flags.debug ?? false }) };
}
