import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';

/**
 * Makes the options typed before a subcommand count for it: `upload-to-s3 --config x.yaml check ...` and
 * `upload-to-s3 --project-key K cleanup` mean what they say. Commander gives such options to the program (the
 * upload) and the subcommand would run without them: a check without its config reported "no bucket given".
 * An option the subcommand does not take is refused with one line rather than dropped. The same option after the
 * subcommand wins, as a later flag does anywhere.
 */
export function carryLeadingOptions(command: Command): void {
  if (command.commands.length === 0) return;
  command.hook('preSubcommand', (parent, subcommand) => carryInto(parent, subcommand));
  for (const subcommand of command.commands) carryLeadingOptions(subcommand);
}

function carryInto(parent: Command, subcommand: Command): void {
  const parentOptions = parent.opts();
  for (const name of Object.keys(parentOptions)) {
    if (parent.getOptionValueSource(name) !== 'cli') continue;
    // a command with subcommands of its own passes the value on; only the one that runs must take it
    if (subcommand.commands.length === 0 && !takes(subcommand, name)) {
      const flag = flagOf(parent, name);
      const path = commandPath(subcommand);
      // `schedule` passes the upload's own flags on after `--`
      const passesFlagsOn = subcommand.registeredArguments.some((argument) => argument.variadic);
      const fix = passesFlagsOn
        ? `put the upload's flags after --: upload-to-s3 ${path} [options] -- ${flag} ...`
        : `see upload-to-s3 ${path} --help`;
      subcommand.error(`error: ${flag}, given before '${path}', is not an option of it; ${fix}`, {
        exitCode: EXIT.usage,
      });
    }
    subcommand.setOptionValueWithSource(name, parentOptions[name], 'cli');
  }
}

function takes(command: Command, name: string): boolean {
  return command.options.some((option) => option.attributeName() === name);
}

/** The flag as the user typed it, from the nearest command that declares it. */
function flagOf(command: Command, name: string): string {
  for (let at: Command | null = command; at; at = at.parent) {
    const option = at.options.find((o) => o.attributeName() === name);
    if (option) return option.long ?? option.flags;
  }
  return `--${name}`;
}

/** `credentials test`, `status`: the words after the program's name. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}
