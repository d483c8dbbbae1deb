import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateProjectKey } from '../collector/object-key.js';
import { loadCommandConfig } from '../config/config-file.js';
import { resolveProjectBase, resolveRunOptions, type UploadFlags } from '../config/run-options.js';
import { ConfigError } from '../errors.js';
import {
  defineTask,
  formatTaskCommandLine,
  schtasksArguments,
  taskSlug,
  type TaskDefinition,
} from '../schedule/task-definition.js';
import { encodeTaskXml, renderTaskXml } from '../schedule/task-xml.js';
import { readScheduledFlags, type ImpliedPaths, type ScheduledUpload } from '../schedule/upload-arguments.js';
import { joinWindowsCommandLine } from '../schedule/windows-command-line.js';

export interface ScheduleFlags {
  name?: string;
  at?: string;
  runAs?: string;
  timeLimit: string;
  workingDirectory?: string;
  xmlFile?: string;
  register?: boolean;
}

/** The CLI's own JS entry, beside this file's folder: never npm's .cmd or .ps1 shim. */
const CLI_PATH = fileURLToPath(new URL('../cli.js', import.meta.url));

/** Prints the task (its XML and how to register it), writes the XML with --xml-file, registers it with --register. */
export async function scheduleTask(uploadFlags: string[], flags: ScheduleFlags): Promise<void> {
  if (flags.register && process.platform !== 'win32')
    throw new ConfigError(
      'schedule --register: registering runs schtasks.exe, which only Windows has, so nothing was registered; leave out --register to print the task, and register its XML on the Windows machine',
    );
  const given = readScheduledFlags(uploadFlags);
  const task = defineTask({
    // a missing key is reported by defineTask with the fix
    name: flags.name ?? `upload-to-s3 ${given.projectKey ?? 'upload'}`,
    at: flags.at ?? '',
    uploadArgs: uploadFlags,
    nodePath: process.execPath,
    cliPath: CLI_PATH,
    runAs: flags.runAs,
    timeLimit: flags.timeLimit,
    workingDirectory: flags.workingDirectory,
    programData: process.env.ProgramData ?? 'C:\\ProgramData',
    today: new Date(),
    implied: await impliedPaths(given),
  });
  await assertUploadWouldStart(task.upload);
  const xml = renderTaskXml(task);
  if (flags.xmlFile) writeFileSync(flags.xmlFile, encodeTaskXml(xml));
  const xmlPath = flags.xmlFile ? path.resolve(flags.xmlFile) : `${taskSlug(task.name)}.xml`;
  process.stdout.write(previewNotice(task.upload.flags));
  process.stdout.write(describeTask(task, xmlPath, flags.xmlFile !== undefined));
  process.stdout.write(`\n${xml}`);
  if (flags.register) registerTask(task, xml);
}

/** Where a check runs: this machine's by default; tests pass another platform's. */
interface Surroundings {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * The config file and project folder an upload started here would find without --config and --folder (the
 * user's config, `UPLOAD_TO_S3_CONFIG`, the project in this folder): a task runs as another account, in another
 * folder, with the machine's environment, and would find neither. Looked up only on Windows, where the task
 * runs; elsewhere the XML is a preview and a path of this machine would mean nothing to Task Scheduler.
 */
export async function impliedPaths(
  given: UploadFlags,
  { platform = process.platform, env = process.env, cwd = process.cwd() }: Surroundings = {},
): Promise<ImpliedPaths> {
  if (platform !== 'win32') return {};
  const config = await loadCommandConfig(given.config, env);
  const implied: ImpliedPaths = { config: given.config ? undefined : config?.path };
  // project_base stays the config's to resolve at each run; a folder named in the variable or found from here is
  // written out, since the task has neither this environment nor this folder
  const fromEnv = env.UPLOAD_TO_S3_FOLDER;
  if (given.folder || !given.projectKey || (!fromEnv && config?.values.project_base)) return implied;
  const projectKey = validateProjectKey(given.projectKey);
  return { ...implied, folder: resolveProjectBase(fromEnv, undefined, projectKey, cwd) };
}

/**
 * Off Windows the task is a preview, which would read as ready to register: its node.exe and cli.js are this
 * machine's paths, and a config or project folder the upload does not name is not filled in from here.
 */
export function previewNotice(given: UploadFlags, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return '';
  const unnamed = [given.config ? '' : '--config', given.folder ? '' : '--folder'].filter(Boolean);
  const missing =
    unnamed.length === 0
      ? ''
      : `, and has no ${unnamed.join(' or ')} (on Windows, schedule fills them in from where it runs)`;
  return (
    `Preview made on ${platform}: the task runs this machine's node and cli.js${missing}. ` +
    'Print it on the Windows machine that will run it.\n\n'
  );
}

/** What the config and the task machine would give, for checking flags where neither is at hand. */
const STAND_IN = { bucket: 'stand-in-bucket', folder: 'C:\\stand-in' };

/**
 * Refuses an upload every run of the task would refuse (a value a flag cannot take, two flags that contradict each
 * other), by the run's own checks: a task's stderr is thrown away, so each night would end with exit 2 and nobody
 * would see why. Where the task runs (Windows) the config is read as the run reads it; elsewhere the XML is a preview
 * for a machine whose config is not here, and the flags are checked on their own.
 * @throws ConfigError naming the flag (or config key) at fault and the fix.
 */
export async function assertUploadWouldStart(
  upload: ScheduledUpload,
  { platform = process.platform, env = process.env }: Surroundings = {},
): Promise<void> {
  const onTaskMachine = platform === 'win32';
  const config = onTaskMachine ? await loadCommandConfig(upload.configPath, env) : undefined;
  try {
    if (onTaskMachine) resolveRunOptions(upload.flags, config?.values ?? {}, env, new Date(), config?.path);
    else
      resolveRunOptions(
        { ...upload.flags, folder: upload.flags.folder ?? STAND_IN.folder },
        { bucket: STAND_IN.bucket },
        {},
      );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`schedule: every run of this task would stop at once: ${error.message}`, {
      cause: error,
    });
  }
}

function describeTask(task: TaskDefinition, xmlPath: string, xmlWritten: boolean): string {
  const who = task.account.kind === 'system' ? 'SYSTEM' : task.account.userId;
  const limit =
    task.timeLimitSeconds === 0 ? 'no time limit' : `stopped after ${task.timeLimitSeconds / 3600} h`;
  return [
    `Task "${task.name}": daily at ${task.startBoundary.slice(11, 16)} as ${who}, whether anyone is logged on or not; ${limit}; never two at once`,
    `  runs:       ${formatTaskCommandLine(task)}`,
    `  in:         ${task.workingDirectory}`,
    `  log:        ${task.upload.logFile}`,
    `  status:     ${task.upload.statusJson}  (upload-to-s3 status "${task.upload.statusJson}")`,
    `  state:      ${task.upload.stateDir}`,
    '',
    xmlWritten
      ? `Task XML written to ${xmlPath}. Register it from an elevated prompt with:`
      : `Save the XML below as ${xmlPath} (or pass --xml-file), then register it from an elevated prompt with:`,
    `  schtasks ${joinWindowsCommandLine(schtasksArguments(task, xmlPath))}`,
    '',
  ].join('\n');
}

function registerTask(task: TaskDefinition, xml: string): void {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'upload-to-s3-task-'));
  const xmlPath = path.join(folder, 'task.xml');
  try {
    writeFileSync(xmlPath, encodeTaskXml(xml));
    // inherited stdio: schtasks asks for the account's password itself, with /RP *
    const result = spawnSync('schtasks.exe', schtasksArguments(task, xmlPath), { stdio: 'inherit' });
    if (result.error || result.status !== 0)
      throw new ConfigError(
        `schedule --register: schtasks.exe ${result.error ? `could not start (${result.error.message})` : `exited with ${result.status}`}; run this from an elevated prompt (Run as administrator), or register the printed command yourself`,
      );
    process.stdout.write(`\nRegistered "${task.name}". Run it now with: schtasks /Run /TN "${task.name}"\n`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
