import type { Command } from 'commander';
import { describeConfigDefault } from '../config/config-location.js';

/** Flags shared by the subcommands that talk to the bucket. */
export interface ConnectFlags {
  config?: string;
  bucket?: string;
  endpoint?: string;
  region?: string;
  profile?: string;
  caBundle?: string;
  projectKey?: string;
  debug?: boolean;
}

/** Adds --config, --bucket, --endpoint, --region, --profile, --ca-bundle and --debug to a subcommand. */
export function withConnectFlags(command: Command): Command {
  return command
    .option('-c, --config <file>', `YAML config file (${describeConfigDefault()})`)
    .option('--bucket <name>', 'bucket (overrides the config)')
    .option('--endpoint <url>', 'S3-compatible endpoint URL')
    .option('--region <region>', 'region')
    .option('--profile <name>', 'AWS profile')
    .option('--ca-bundle <file>', 'PEM file of a CA to trust for an HTTPS endpoint (overrides ca_bundle)')
    .option('--debug', 'detailed logging');
}
