#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { UploadFlags } from './config/run-options.js';
import { describeSwallowedQuote } from './config/swallowed-quote.js';
import { ConfigError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { reportError } from './report-error.js';
import { registerCommands } from './commands.js';
import { carryLeadingOptions } from './commands/leading-options.js';
import { addUploadOptions } from './upload-options.js';
import { closestSpelling } from './config/edit-distance.js';

/** Set by the bundler (scripts/build.mjs); absent when the source runs as it is. */
declare const __UPLOAD_TO_S3_VERSION__: string | undefined;

// the bundle knows its version: reading package.json would cost a file read at every start
const VERSION =
  typeof __UPLOAD_TO_S3_VERSION__ === 'string'
    ? __UPLOAD_TO_S3_VERSION__
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
        .version;

const EXAMPLES = `
Examples (PowerShell):
  # Upload reels only
  upload-to-s3 --config config.yaml --folder D:\\reels --project-key RMI25320 --include reels

  # Upload artifacts with a timestamp folder
  upload-to-s3 --config config.yaml --folder D:\\project --project-key RMI25320 --include config logs report --timestamp

  # Upload everything except reels
  upload-to-s3 --config config.yaml --folder D:\\project --project-key RMI25320 --exclude reels --timestamp

  # Large files with SHA-256 verification and a status file
  upload-to-s3 --config config.yaml --folder D:\\reels --project-key RMI25320 --include reels --verify-large --status-json status.json --debug

Exit codes: 0 all done, 1 some files failed, 2 usage, config or credentials error, 3 another run holds the lock, 130 interrupted.`;

/** One line per error, like every other error the tool prints: commander puts its suggestion on a second line. */
function writeOneLineError(text: string, commandPath = 'upload-to-s3'): void {
  const line = text.replace(/^error: /, 'upload-to-s3: ').replace(/\n\((Did you mean [^)]*)\)/, ' ($1)');
  process.stderr.write(withHelpAdvice(line, commandPath));
}

/** Commander's own complaints about an option or a command, which name it but not the fix. */
const COMPLAINT =
  /^upload-to-s3: (unknown (option|command) '[^']*'|option '[^']*' argument missing|required option '[^']*' not specified)\n?$/;

/**
 * Adds where the options (or commands) are listed to commander's complaint about one (`; upload-to-s3 check --help
 * lists the options`), as every other error names its fix; a suggestion (`Did you mean --dry-run?`) is the fix
 * already.
 */
function withHelpAdvice(line: string, commandPath: string): string {
  const [, complaint, kind] = COMPLAINT.exec(line) ?? [];
  if (complaint === undefined) return line;
  return `upload-to-s3: ${complaint}; ${commandPath} --help lists the ${kind === 'command' ? 'commands' : 'options'}\n`;
}

/** Gives each command, nested ones too, an error writer that names its own help. */
function nameHelpInErrors(command: Command, commandPath: string): void {
  command.configureOutput({ writeErr: (text) => writeOneLineError(text, commandPath) });
  for (const sub of command.commands) nameHelpInErrors(sub, `${commandPath} ${sub.name()}`);
}

function buildProgram(): Command {
  const program = new Command('upload-to-s3')
    // Set first: subcommands copy these when created, so theirs too end with a usage exit code and one line.
    .exitOverride()
    .configureOutput({ writeErr: writeOneLineError })
    .description(
      'Upload a survey project (reels, config, gis_data, logs, report) to S3 or an S3-compatible store: resumable, verified, never sending the same bytes twice.',
    )
    .version(VERSION, '-V, --version');
  addUploadOptions(program)
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    // Program options only before a subcommand, so `credentials test --config x` reaches the subcommand.
    .enablePositionalOptions()
    .action(async (flags: UploadFlags, command: Command) => {
      const [word] = command.args;
      if (word !== undefined)
        command.error(describeStrayWord(word, command, flags), { exitCode: EXIT.usage });
      // Checked here, not with requiredOption: commander would demand it of every subcommand too.
      if (flags.projectKey === '')
        throw new ConfigError('--project-key: empty; give the project code, e.g. --project-key RMI25320');
      if (!flags.projectKey)
        command.error("error: required option '-p, --project-key <key>' not specified", {
          exitCode: EXIT.usage,
        });
      const { upload } = await import('./actions.js');
      process.exitCode = await upload(flags);
    });
  registerCommands(program);
  nameHelpInErrors(program, program.name());
  carryLeadingOptions(program);
  // after the subcommands, which would copy it: a stray word reaches the action, which names the commands
  program.allowExcessArguments();
  // commander offers `help [command]` only to a program without an action of its own; `aws help` users type it
  program.helpCommand(true);
  return program;
}

/**
 * An upload takes only options, so a word of its own is a mistyped command (`stauts`) or a value without its flag
 * (`upload-to-s3 RMI25320`); commander's "too many arguments" says neither.
 */
function describeStrayWord(word: string, program: Command, flags: UploadFlags): string {
  const { names, meant } = commandsLike(word, program);
  if (meant) return `error: unknown command '${word}' (did you mean ${meant}?)`;
  const example = flags.projectKey ? 'a value goes after its flag' : `e.g. --project-key ${word}`;
  return `error: unknown command '${word}' (the commands are ${names.join(', ')}; an upload takes only options: ${example})`;
}

/** The program's command names, and the one `word` is spelt like (at most two letters off), if any. */
function commandsLike(word: string, program: Command): { names: string[]; meant: string | undefined } {
  const names = program.commands.map((c) => c.name());
  return { names, meant: closestSpelling(word, names, 2) };
}

/**
 * `help chek`: commander prints the whole help to stderr and names nothing, where a mistyped command gets one line.
 * @throws ConfigError naming the word and the command it is spelt like, or where the commands are listed.
 */
function refuseUnknownHelpTopic(args: readonly string[], program: Command): void {
  const [first, topic] = args;
  if (first !== 'help' || topic === undefined || topic.startsWith('-')) return;
  const { names, meant } = commandsLike(topic, program);
  if (names.includes(topic)) return;
  throw new ConfigError(
    `help ${topic}: no such command; ${meant ? `did you mean ${meant}?` : `the commands are ${names.join(', ')}`}`,
  );
}

/**
 * A closed pipe (`| Select-Object -First 5`, `| head`) or a closed terminal (after SIGHUP) stops the output, not
 * the upload: the run goes on silently and its exit code still says how it ended. Exiting on EPIPE would end a
 * half-done upload with exit 0.
 */
function keepRunningWithoutReaders(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'EIO' && error.code !== 'ECONNRESET') throw error;
      stream.write = () => true;
    });
  }
}

async function main(argv: string[]): Promise<void> {
  // Node 20.19+ is supported on purpose; the SDK's end-of-support notice is not the user's problem mid-upload.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  keepRunningWithoutReaders();
  const program = buildProgram();
  try {
    const swallowed = describeSwallowedQuote(argv.slice(2));
    if (swallowed) throw new ConfigError(swallowed);
    refuseUnknownHelpTopic(argv.slice(2), program);
    await program.parseAsync(argv);
  } catch (error) {
    // after `--` (schedule) the flags are the task's, not this command's
    const own = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
    process.exitCode = reportError(error, { debug: own.includes('--debug'), json: own.includes('--json') });
  }
}

await main(process.argv);
