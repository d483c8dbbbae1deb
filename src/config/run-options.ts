import type { CaBundle } from '../remote/ca-bundle.js';
import { isAmazonS3 } from '../remote/endpoint-id.js';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildFolderTypes, type FolderTypeMap } from '../collector/folder-types.js';
import { normalizePrefix, validateProjectKey } from '../collector/object-key.js';
import { ConfigError, quoteValue } from '../errors.js';
import type { EncryptionRequest } from '../remote/object-settings.js';
import { CHECKSUM_ALGORITHM_SETTINGS, type ChecksumAlgorithmSetting } from '../transfer/integrity-mode.js';
import { DEFAULT_MAX_MEMORY_BYTES } from '../transfer/transfer-config.js';
import { parseBandwidthSchedule, plainRate, type BandwidthSchedule } from './bandwidth-schedule.js';
import type { AuthMode, ConfigFile } from './config-file.js';
import { assertUsableFlags } from './flag-rules.js';
import { selectFolderTypes } from './folder-type-selection.js';
import {
  parseAccountId,
  parseAcl,
  parseKeyValueFlags,
  parseMetadata,
  parseStorageClass,
  parseTags,
  readCustomerKey,
  withBucketKey,
  type ObjectOptions,
} from './object-options.js';
import {
  accessPointOf,
  bucketFolderName,
  formatTimestamp,
  parseBucketName,
  parseConcurrency,
  parseCustomTimestamp,
  parseEndpoint,
  parseInterval,
  parseMemoryBudget,
  parseRegion,
  parseSeconds,
} from './parse-values.js';
import { userConfigPath } from './config-location.js';
import { profileRegion } from './profile-region.js';
import { chooseStateDir } from './state-dir.js';

/**
 * Requests in flight by default: enough to hide per-request latency for thousands of small files on a
 * field link; memory stays bounded by the part-buffer budget, not by this number.
 */
const DEFAULT_MAX_CONCURRENCY = 16;

/** The command-line flags of an upload, as commander hands them over. */
export interface UploadFlags {
  config?: string;
  folder?: string;
  projectKey: string;
  folderType?: string;
  include?: string[];
  exclude?: string[];
  timestamp?: boolean;
  customTimestamp?: string;
  verifyLarge?: boolean;
  verify?: boolean;
  check?: boolean;
  fixSettings?: boolean;
  force?: boolean;
  dryRun?: boolean;
  statusJson?: string;
  statusInterval?: string;
  logCsv?: string;
  logFile?: string;
  logLeftOut?: string;
  debug?: boolean;
  json?: boolean;
  quiet?: boolean;
  bucket?: string;
  endpoint?: string;
  region?: string;
  profile?: string;
  maxConcurrency?: string;
  maxMemory?: string;
  maxBandwidth?: string;
  socketTimeout?: string;
  caBundle?: string;
  stateDir?: string;
  bucketLock?: boolean;
  minFileAge?: string;
  groupBy?: string;
  sse?: string;
  sseKmsKeyId?: string;
  checksumAlgorithm?: string;
  storageClass?: string;
  acl?: string;
  expectedBucketOwner?: string;
  tag?: string[];
  metadata?: string[];
}

/** Credentials settings, resolved; secrets stay here and are never logged. */
export interface AuthSettings {
  mode: AuthMode;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  sessionToken?: string | undefined;
  profile?: string | undefined;
  keyringService: string;
}

/** Everything a run needs, resolved with precedence flags > environment > config file > defaults. */
export interface RunOptions {
  configPath?: string | undefined;
  folder: string;
  projectKey: string;
  folderTypes: FolderTypeMap;
  folderType?: string | undefined;
  include?: string[] | undefined;
  exclude?: string[] | undefined;
  timestamp?: string | undefined;
  /** The timestamp folder is this run's minute (--timestamp), which a later run does not share. */
  timestampFromClock?: boolean | undefined;
  bucket: string;
  region: string;
  endpoint?: string | undefined;
  forcePathStyle: boolean;
  prefix: string;
  auth: AuthSettings;
  maxConcurrency: number;
  maxMemoryBytes: number;
  /** A rate or a timetable of rates (`max_bandwidth`); {@link plainRate}(0) for none. */
  bandwidth: BandwidthSchedule;
  socketTimeoutMs: number;
  /** Certificates to trust beside Node's roots, for an HTTPS endpoint (`--ca-bundle`, `AWS_CA_BUNDLE`, `ca_bundle`). */
  caBundle?: CaBundle | undefined;
  verifyLarge: boolean;
  verify: boolean;
  /** Skip only what content proof (or, failing that, the recorded mtime) shows is stored; prove uploads after. */
  check: boolean;
  /** Compare the settings of objects already there, and rewrite in place those that differ. */
  fixSettings: boolean;
  force: boolean;
  dryRun: boolean;
  debug: boolean;
  json: boolean;
  quiet: boolean;
  statusJson: string;
  statusIntervalMs: number;
  logCsv: string;
  logFile?: string | undefined;
  /** Where to list what the plan leaves out (`--log-left-out`), if anywhere. */
  logLeftOut?: string | undefined;
  stateDir: string;
  /** Also hold a lock object in the bucket, for machines that do not share a state folder. */
  bucketLock: boolean;
  minFileAgeSec: number;
  groupKey: 'folder_types' | 'reels';
  /** Server-side encryption new objects ask for; without it the bucket's default applies. */
  encryption?: EncryptionRequest | undefined;
  /** How bodies prove their integrity; `auto` picks by endpoint (see `chooseIntegrityMode`). */
  checksumAlgorithm: ChecksumAlgorithmSetting;
  /** Storage class, encryption, tags, metadata, ACL and expected owner of new objects. */
  objects: ObjectOptions;
}

/**
 * Resolves the options of an upload run. `file` is the loaded config (or {}), `configDir` its folder.
 * @throws ConfigError naming the flag, variable or key at fault and how to fix it.
 */
export function resolveRunOptions(
  flags: UploadFlags,
  file: ConfigFile,
  env: NodeJS.ProcessEnv = process.env,
  now: Date = new Date(),
  configPath?: string,
): RunOptions {
  assertUsableFlags(flags, env);
  const folderTypes = buildFolderTypes(file.folder_types);
  const projectKey = validateProjectKey(flags.projectKey);
  const folder = resolveProjectBase(
    pick(flags.folder, env.UPLOAD_TO_S3_FOLDER),
    file.project_base,
    projectKey,
  );
  const bucket = validateBucket(pick(flags.bucket, env.UPLOAD_TO_S3_BUCKET, file.bucket), configPath, env);
  const stateDir = chooseStateDir(flags.stateDir, file.state_dir, env);
  const encryption = resolveEncryption(
    pickFrom(['--sse', flags.sse], ['sse', file.sse]),
    pickFrom(['--sse-kms-key-id', flags.sseKmsKeyId], ['sse_kms_key_id', file.sse_kms_key_id]),
  );
  const statusJson = statusFileOf(flags, file, env, () => ({ stateDir, bucket, projectKey }));
  const endpoint = validateEndpoint(
    pickFrom(
      ['--endpoint', flags.endpoint],
      ['AWS_ENDPOINT_URL_S3', env.AWS_ENDPOINT_URL_S3],
      ['AWS_ENDPOINT_URL', env.AWS_ENDPOINT_URL],
      ['endpoint_url', file.endpoint_url],
    ),
  );
  refuseDirectoryBucket(bucket, endpoint);
  const auth = resolveAuth(flags, file, env);
  return {
    configPath,
    folder,
    projectKey,
    folderTypes,
    ...selectFolderTypes(flags, folderTypes),
    timestamp: resolveTimestamp(flags, now),
    timestampFromClock: flags.customTimestamp === undefined && flags.timestamp === true,
    bucket,
    region: accessPointOf(bucket)?.region ?? resolveRegion(flags, file, env, auth),
    endpoint,
    forcePathStyle: resolvePathStyle(file, bucket, endpoint),
    prefix: normalizePrefix(file.prefix),
    auth,
    maxConcurrency: resolveConcurrency(
      pickFrom(
        ['--max-concurrency', flags.maxConcurrency],
        ['UPLOAD_TO_S3_MAX_CONCURRENCY', env.UPLOAD_TO_S3_MAX_CONCURRENCY],
        ['max_concurrency', file.max_concurrency],
      ),
    ),
    maxMemoryBytes: resolveSize(
      pickFrom(['--max-memory', flags.maxMemory], ['max_memory', file.max_memory]),
      DEFAULT_MAX_MEMORY_BYTES,
    ),
    bandwidth: resolveBandwidth(
      pickFrom(
        ['--max-bandwidth', flags.maxBandwidth],
        ['UPLOAD_TO_S3_MAX_BANDWIDTH', env.UPLOAD_TO_S3_MAX_BANDWIDTH],
        ['max_bandwidth', file.max_bandwidth],
      ),
    ),
    socketTimeoutMs:
      resolveInterval(
        pickFrom<string | number>(
          ['--socket-timeout', flags.socketTimeout],
          ['socket_timeout', file.socket_timeout],
        ),
        300,
        1,
      ) * 1000,
    caBundle: resolveCaBundle(flags, env, file),
    verifyLarge: flags.verifyLarge ?? false,
    verify: flags.verify ?? false,
    check: flags.check ?? false,
    fixSettings: flags.fixSettings ?? false,
    force: flags.force ?? false,
    dryRun: flags.dryRun ?? false,
    debug: flags.debug ?? false,
    json: flags.json ?? false,
    quiet: flags.quiet ?? false,
    statusJson,
    statusIntervalMs:
      resolveInterval(
        pickFrom<string | number>(
          ['--status-interval', flags.statusInterval],
          ['status_interval', file.status_interval],
        ),
        2,
        0.1,
      ) * 1000,
    logCsv: path.resolve(
      pick(flags.logCsv, env.UPLOAD_TO_S3_LOG_CSV, file.log_csv) ?? defaultLogCsv(statusJson),
    ),
    logFile: flags.logFile ? path.resolve(flags.logFile) : undefined,
    logLeftOut: flags.logLeftOut ? path.resolve(flags.logLeftOut) : undefined,
    stateDir,
    bucketLock: flags.bucketLock ?? file.bucket_lock ?? false,
    minFileAgeSec: resolveMinFileAge(
      pickFrom(['--min-file-age', flags.minFileAge], ['min_file_age', file.min_file_age]),
    ),
    groupKey: resolveGroupKey(flags.groupBy),
    encryption,
    objects: resolveObjectOptions(flags, file, projectKey, encryption, endpoint, keyringServiceOf(env, file)),
    checksumAlgorithm: resolveChecksumAlgorithm(
      pickFrom(
        ['--checksum-algorithm', flags.checksumAlgorithm],
        ['checksum_algorithm', file.checksum_algorithm],
      ),
    ),
  };
}

/**
 * The status file a run of these settings writes: the one named by --status-json, UPLOAD_TO_S3_STATUS_JSON or
 * status_json, or `status.json` in the run's folder of the state folder (`runFolder` names it).
 */
function statusFileOf(
  flags: Pick<UploadFlags, 'statusJson'>,
  file: Pick<ConfigFile, 'status_json'>,
  env: NodeJS.ProcessEnv,
  runFolder: () => { stateDir: string; bucket: string; projectKey: string },
): string {
  const named = pick(flags.statusJson, env.UPLOAD_TO_S3_STATUS_JSON, file.status_json);
  if (named !== undefined) return path.resolve(named);
  const { stateDir, bucket, projectKey } = runFolder();
  return path.resolve(stateDir, 'runs', bucketFolderName(bucket), projectKey, 'status.json');
}

/**
 * The status file of a run that {@link resolveRunOptions} refused, when the settings still name one: a monitor
 * of a scheduled upload reads it, and must learn that tonight's run failed rather than read last night's
 * `completed`. Undefined for a dry run (it writes no status file) and when the settings name none (no bucket, a
 * project key that is no key).
 */
export function refusedRunStatusFile(
  flags: UploadFlags,
  file: ConfigFile,
  env: NodeJS.ProcessEnv = process.env,
  configPath?: string,
): string | undefined {
  if (flags.dryRun) return undefined;
  try {
    return statusFileOf(flags, file, env, () => ({
      projectKey: validateProjectKey(flags.projectKey),
      bucket: validateBucket(pick(flags.bucket, env.UPLOAD_TO_S3_BUCKET, file.bucket), configPath, env),
      stateDir: chooseStateDir(flags.stateDir, file.state_dir, env),
    }));
  } catch {
    return undefined;
  }
}

/** Where every key of the run's project starts: `{prefix}{project_key}/`. */
export function projectPrefixOf({ prefix, projectKey }: Pick<RunOptions, 'prefix' | 'projectKey'>): string {
  return `${prefix}${projectKey}/`;
}

/** The CA bundle named by the flag, the AWS CLI's variable or the config, resolved against the current folder. */
function resolveCaBundle(flags: UploadFlags, env: NodeJS.ProcessEnv, file: ConfigFile): CaBundle | undefined {
  const picked = pickFrom(
    ['--ca-bundle', flags.caBundle],
    ['AWS_CA_BUNDLE', env.AWS_CA_BUNDLE],
    ['ca_bundle', file.ca_bundle],
  );
  return picked && { path: path.resolve(picked.value), setting: picked.source };
}

function pick<T>(...values: Array<T | undefined | null | ''>): T | undefined {
  return values.find((v): v is T => v !== undefined && v !== null && v !== '');
}

/** A value and the flag, variable or key it came from, so an error names what the user actually set. */
interface Picked<T> {
  value: T;
  source: string;
}

/** The first set value of `[source, value]` candidates, in precedence order. */
function pickFrom<T>(
  ...candidates: Array<readonly [string, T | undefined | null | '']>
): Picked<T> | undefined {
  for (const [source, value] of candidates)
    if (value !== undefined && value !== null && value !== '') return { value, source };
  return undefined;
}

/**
 * The seed's `resolve_project_base`: an absolute --folder is used as is; a relative one names a
 * folder under the current one, or failing that under the config's project_base. Without --folder the
 * project is found by its key: project_base's `<project key>` folder, else project_base itself; without
 * project_base, the current folder's `<project key>` folder, else the current folder or the nearest one above it
 * named after the key (`cd D:\survey\RMI25320\reels; upload-to-s3 --project-key RMI25320`). Any other folder is
 * not taken on trust: a home folder's `logs` must not be uploaded as a project's.
 */
export function resolveProjectBase(
  folderArg: string | undefined,
  projectBase: string | undefined,
  projectKey: string,
  cwd: string = process.cwd(),
): string {
  if (folderArg) {
    const local = path.resolve(cwd, folderArg);
    return path.isAbsolute(folderArg) || !projectBase || existsSync(local)
      ? local
      : path.resolve(projectBase, folderArg);
  }
  if (projectBase) return projectFolderIn(path.resolve(projectBase), projectKey) ?? path.resolve(projectBase);
  const here = path.resolve(cwd);
  const found = projectFolderIn(here, projectKey) ?? enclosingProjectFolder(here, projectKey);
  if (found) return found;
  throw new ConfigError(
    `--folder: no folder given, and the current folder ${quoteValue(here)} is not in project ${projectKey}'s (none named ${projectKey} here or above, no ${projectKey} folder in it); pass --folder PATH or set project_base in the config`,
  );
}

/** The current folder or the nearest one above it named after the key, as git finds a repository from within. */
function enclosingProjectFolder(here: string, projectKey: string): string | undefined {
  const wanted = projectKey.toLowerCase();
  for (let folder = here; ; folder = path.dirname(folder)) {
    if (path.basename(folder).toLowerCase() === wanted) return folder;
    if (path.dirname(folder) === folder) return undefined;
  }
}

function projectFolderIn(parent: string, projectKey: string): string | undefined {
  const candidate = path.join(parent, projectKey);
  return statSync(candidate, { throwIfNoEntry: false })?.isDirectory() ? candidate : undefined;
}

function resolveTimestamp(flags: UploadFlags, now: Date): string | undefined {
  if (flags.customTimestamp !== undefined) return parseCustomTimestamp(flags.customTimestamp);
  return flags.timestamp ? formatTimestamp(now) : undefined;
}

function resolveAuth(flags: UploadFlags, file: ConfigFile, env: NodeJS.ProcessEnv): AuthSettings {
  const profile = pick(flags.profile, file.profile);
  const mode = flags.profile
    ? 'profile'
    : (file.auth_mode ?? (file.aws_access_key_id ? 'config' : 'instance'));
  if (mode === 'config' && !(file.aws_access_key_id && file.aws_secret_access_key)) {
    throw new ConfigError(
      'auth_mode config: aws_access_key_id and aws_secret_access_key must both be set in the config; or use auth_mode instance, profile or keyring',
    );
  }
  if (mode === 'profile' && !profile) {
    throw new ConfigError(
      'auth_mode profile: no profile named; set profile in the config or pass --profile NAME',
    );
  }
  return {
    mode,
    accessKeyId: file.aws_access_key_id,
    secretAccessKey: file.aws_secret_access_key,
    sessionToken: file.aws_session_token,
    profile,
    keyringService: keyringServiceOf(env, file),
  };
}

/** The keyring service that holds the access key pair and the SSE-C key. */
function keyringServiceOf(env: NodeJS.ProcessEnv, file: ConfigFile): string {
  return pick(env.UPLOAD_TO_S3_KEYRING_SERVICE, file.keyring_service) ?? 'upload-to-s3';
}

function resolveConcurrency(picked: Picked<string | number> | undefined): number {
  return parseConcurrency(picked?.value ?? DEFAULT_MAX_CONCURRENCY, picked?.source ?? 'max_concurrency');
}

function resolveSize(picked: Picked<string | number> | undefined, fallback: number): number {
  return picked === undefined ? fallback : parseMemoryBudget(picked.value, picked.source);
}

function resolveBandwidth(picked: Picked<string | number> | undefined): BandwidthSchedule {
  return picked === undefined ? plainRate(0) : parseBandwidthSchedule(picked.value, picked.source);
}

/** A timer's period in seconds, from `minimumSec` to a day; `fallbackSec` when not set. */
function resolveInterval(
  picked: Picked<string | number> | undefined,
  fallbackSec: number,
  minimumSec: number,
): number {
  return picked === undefined ? fallbackSec : parseInterval(picked.value, picked.source, minimumSec);
}

function resolveMinFileAge(picked: Picked<string | number> | undefined): number {
  return picked === undefined ? 0 : parseSeconds(picked.value, picked.source);
}

/**
 * Path-style addressing: the config's, else with an endpoint (S3-compatible servers seldom have a host per bucket).
 * An access point is addressed by its own host name only.
 */
function resolvePathStyle(file: ConfigFile, bucket: string, endpoint: string | undefined): boolean {
  if (accessPointOf(bucket) === undefined) return file.force_path_style ?? endpoint !== undefined;
  if (file.force_path_style === true) {
    throw new ConfigError(
      `force_path_style: true cannot address an access point (bucket ${bucket}), which has a host name of its own; remove force_path_style`,
    );
  }
  return false;
}

/**
 * The region: set for the run, else, where the credentials come from the AWS chain, the region the AWS config
 * file gives their profile, as the AWS CLI takes it; us-east-1 when none is set (Amazon S3 then names the bucket's).
 */
function resolveRegion(
  flags: UploadFlags,
  file: ConfigFile,
  env: NodeJS.ProcessEnv,
  auth: AuthSettings,
): string {
  const picked =
    pickFrom(
      ['--region', flags.region],
      ['AWS_REGION', env.AWS_REGION],
      ['AWS_DEFAULT_REGION', env.AWS_DEFAULT_REGION],
      ['region', file.region],
    ) ?? profileRegionOf(env, auth);
  return picked === undefined ? 'us-east-1' : parseRegion(picked.value, picked.source);
}

function profileRegionOf(env: NodeJS.ProcessEnv, auth: AuthSettings): Picked<string> | undefined {
  if (auth.mode !== 'instance' && auth.mode !== 'profile') return undefined;
  const profile = auth.mode === 'profile' ? auth.profile : undefined;
  const region = profileRegion(env, profile);
  const name = profile ?? env.AWS_PROFILE ?? 'default';
  return region === undefined
    ? undefined
    : { value: region, source: `region of profile ${name} in the AWS config file` };
}

function validateBucket(
  bucket: string | undefined,
  configPath: string | undefined,
  env: NodeJS.ProcessEnv,
): string {
  if (!bucket) {
    // a first run without a config: say where one is looked for, so the user config file can be found
    const where = configPath
      ? 'the config'
      : `a config (none was read: --config FILE, or ${userConfigPath(env)})`;
    throw new ConfigError(
      `--bucket: no bucket given; pass --bucket NAME, set UPLOAD_TO_S3_BUCKET, or set bucket in ${where}`,
    );
  }
  return parseBucketName(bucket);
}

/**
 * Amazon S3 names its directory buckets (S3 Express One Zone) `base--zone-id--x-s3`, a suffix no general purpose
 * bucket may have. They sign with sessions, refuse Content-MD5 and answer ETags that are no MD5s, so nothing this
 * tool proves an object by holds there: refused before anything is sent, rather than failing at the first request.
 */
function refuseDirectoryBucket(bucket: string, endpoint: string | undefined): void {
  if (!bucket.endsWith('--x-s3') || !isAmazonS3(endpoint)) return;
  throw new ConfigError(
    `bucket ${quoteValue(bucket)} is a directory bucket (S3 Express One Zone), which upload-to-s3 does not write to: its ETags are no MD5s and it takes no Content-MD5; use a general purpose bucket`,
  );
}

/** The endpoint as set, checked; an error names where it was set (a flag, a variable or the config key). */
function validateEndpoint(endpoint: Picked<string> | undefined): string | undefined {
  return endpoint === undefined ? undefined : parseEndpoint(endpoint.value, endpoint.source);
}

function resolveGroupKey(groupBy: string | undefined): 'folder_types' | 'reels' {
  if (groupBy === undefined || groupBy === 'folder-type' || groupBy === 'folder_types') return 'folder_types';
  if (groupBy === 'reel' || groupBy === 'reels') return 'reels';
  throw new ConfigError(`--group-by: ${quoteValue(groupBy)} is not a grouping; use folder-type or reel`);
}

/** `sse` AES256 or aws:kms (any case); a KMS key id only with aws:kms, which it names the key for. */
function resolveEncryption(
  sse: Picked<string> | undefined,
  kmsKeyId: Picked<string> | undefined,
): EncryptionRequest | undefined {
  const mode = sse && ['AES256', 'aws:kms'].find((m) => m.toLowerCase() === sse.value.toLowerCase());
  if (sse && !mode)
    throw new ConfigError(
      `${sse.source}: ${quoteValue(sse.value)} is not an encryption; use AES256 or aws:kms`,
    );
  if (kmsKeyId && mode !== 'aws:kms')
    throw new ConfigError(
      `${kmsKeyId.source}: a KMS key needs SSE-KMS; also set sse: aws:kms (or --sse aws:kms)`,
    );
  if (!mode) return undefined;
  return mode === 'aws:kms' ? { sse: mode, kmsKeyId: kmsKeyId?.value } : { sse: 'AES256' };
}

/**
 * Object settings: flags over the config. On Amazon S3 tags default to `project=<project key>`; elsewhere to none,
 * since servers without object tagging (OpenStack Swift's s3api) refuse every PutObject that carries a tag. A `tags:`
 * map in the config replaces that default (`tags: {}` for none) and `--tag` adds to either.
 */
function resolveObjectOptions(
  flags: UploadFlags,
  file: ConfigFile,
  projectKey: string,
  encryption: EncryptionRequest | undefined,
  endpoint: string | undefined,
  keyringService: string,
): ObjectOptions {
  const classes = resolveStorageClasses(flags.storageClass, file.storage_class);
  const keyFile = file.sse_customer_key_file;
  if (keyFile !== undefined && flags.sse !== undefined)
    throw new ConfigError('--sse with sse_customer_key_file: an object has one encryption; drop one of them');
  if (file.sse_customer_key_in_keyring && flags.sse !== undefined)
    throw new ConfigError(
      '--sse with sse_customer_key_in_keyring: an object has one encryption; drop one of them',
    );
  const defaultTags: Record<string, string> = isAmazonS3(endpoint) ? { project: projectKey } : {};
  const configuredTags = file.tags ? textValues(file.tags) : defaultTags;
  const acl = pickFrom(['--acl', flags.acl], ['acl', file.acl]);
  const owner = pickFrom<string | number>(
    ['--expected-bucket-owner', flags.expectedBucketOwner],
    ['expected_bucket_owner', file.expected_bucket_owner],
  );
  return {
    base: {
      storageClass: classes.default,
      encryption: withBucketKey(encryption, pickFrom(['sse_bucket_key', file.sse_bucket_key])),
      tags: parseTags({ ...configuredTags, ...parseKeyValueFlags(flags.tag ?? [], '--tag') }, 'tags / --tag'),
      metadata: parseMetadata(
        { ...textValues(file.metadata ?? {}), ...parseKeyValueFlags(flags.metadata ?? [], '--metadata') },
        'metadata / --metadata',
      ),
      acl: acl && parseAcl(acl.value, acl.source),
    },
    storageClassByType: classes.byType,
    requests: {
      customerKey: keyFile === undefined ? undefined : readCustomerKey(keyFile, 'sse_customer_key_file'),
      customerKeyInKeyring: file.sse_customer_key_in_keyring ? keyringService : undefined,
      expectedBucketOwner: owner && parseAccountId(String(owner.value), owner.source),
    },
  };
}

/** `--storage-class` sets every folder type; the config gives one class or a map with an optional `default`. */
function resolveStorageClasses(
  flag: string | undefined,
  configured: ConfigFile['storage_class'],
): { default: string | undefined; byType: Record<string, string> } {
  if (flag !== undefined) return { default: parseStorageClass(flag, '--storage-class'), byType: {} };
  if (configured === undefined) return { default: undefined, byType: {} };
  if (typeof configured === 'string')
    return { default: parseStorageClass(configured, 'storage_class'), byType: {} };
  const byType: Record<string, string> = {};
  let fallback: string | undefined;
  for (const [type, name] of Object.entries(configured)) {
    const storageClass = parseStorageClass(String(name), `storage_class.${type}`);
    if (type.toLowerCase() === 'default') fallback = storageClass;
    else byType[type.toLowerCase()] = storageClass;
  }
  return { default: fallback, byType };
}

function textValues(map: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, String(v)]));
}

function resolveChecksumAlgorithm(picked: Picked<string> | undefined): ChecksumAlgorithmSetting {
  if (picked === undefined) return 'auto';
  const setting = CHECKSUM_ALGORITHM_SETTINGS.find((s) => s.toLowerCase() === picked.value.toLowerCase());
  if (setting) return setting;
  throw new ConfigError(
    `${picked.source}: ${quoteValue(picked.value)} is not supported; use auto, SHA256, CRC32, CRC32C, CRC64NVME or md5`,
  );
}

function defaultLogCsv(statusJson: string): string {
  return path.join(path.dirname(statusJson), 'upload-log.csv');
}
