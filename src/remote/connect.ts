import { isReadableByOthers, keysFromEnvironment, resolveCredentials } from '../auth/credentials.js';
import { accessPointOf } from '../config/parse-values.js';
import type { RunOptions } from '../config/run-options.js';
import { ConfigError, RemoteError, type UploadError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import {
  bucketRegionOf,
  describeFailure,
  errorCode,
  httpStatusOf,
  isWebPageAnswer,
  toUploadError,
} from './classify-error.js';
import { CLIENT_SETTINGS } from './client-settings.js';
import { describeControlRequest } from './control-retry.js';
import { describeProxy, proxyRouteFor, type ProxyRoute } from './proxy-route.js';
import { virtualHostAdvice, waitForFirstAnswer } from './endpoint-answer.js';
import type { Listing } from './bucket-probe.js';
import type { SigningKeys } from './request-signature.js';
import type { S3Store } from './s3-store.js';
import { namingKeySource } from './key-source.js';
import type { RequestTarget } from './sdk-requests.js';

/** An endpoint that has not answered at all within this long is taken as misconfigured. */
const NO_ANSWER_BUDGET_MS = 10_000;
const NO_ANSWER_DELAYS_MS = [250, 500, 1000];

/**
 * Builds the store from the run's endpoint and credentials, then proves both with one HeadBucket,
 * so wrong keys or a missing bucket are reported before anything is planned for upload. An endpoint that
 * does not answer at all is retried for about 10 s, each retry announced as a warning, then reported.
 * @throws AuthError or ConfigError (run-fatal) with the fix in the message; ConfigError naming the endpoint
 * when nothing answered.
 */
export async function connectStore(
  options: RunOptions,
  log: Logger,
  signal: AbortSignal,
  onRequest?: (operation: string) => void,
): Promise<S3Store> {
  warnIfConfigReadable(options, log);
  const store = await openStore(options, log, signal, onRequest).catch((error: unknown) => {
    const bucketRegion = error instanceof BucketElsewhere ? error.region : undefined;
    if (bucketRegion === undefined) throw error;
    // as the AWS CLI does, without a word: but the config stays wrong, and every run pays the detour
    log.warn(
      `bucket ${options.bucket} is in region ${bucketRegion}, not ${options.region}: using ${bucketRegion}; set region: ${bucketRegion} in the config (or --region ${bucketRegion}) to go there directly`,
    );
    return openStore({ ...options, region: bucketRegion }, log, signal, onRequest, false);
  });
  // once the bucket answered: a run that fails to connect says that alone
  warnIfKeysUnused(options, log);
  return store;
}

/** The bucket's first answer named the region it is in, another than the run's: the store goes there instead. */
class BucketElsewhere extends Error {
  constructor(readonly region: string) {
    super(`the bucket is in region ${region}`);
  }
}

async function openStore(
  options: RunOptions,
  log: Logger,
  signal: AbortSignal,
  onRequest: ((operation: string) => void) | undefined,
  followRegion = true,
): Promise<S3Store> {
  // loaded here, not at start-up: the SDK takes about 0.3 s to load, which --help, status and a dry run never need
  const [{ S3Store }, { createAgents }] = await Promise.all([
    import('./s3-store.js'),
    import('./http-agents.js'),
  ]);
  const proxies = await proxyRoutes(process.env);
  const route = proxies[schemeOf(options.endpoint)];
  if (route && log.debugEnabled) log.debug(`through proxy ${describeProxy(route.url)} (${route.variable})`);
  const trustedCertificates = await certificatesFor(options, route);
  if (trustedCertificates && options.caBundle && log.debugEnabled)
    log.debug(
      `trusting the CAs of ${options.caBundle.path} (${options.caBundle.setting}) beside the built-in ones`,
    );
  const agents = createAgents({
    maxSockets: CLIENT_SETTINGS.maxSockets,
    connectTimeoutMs: CLIENT_SETTINGS.connectionTimeoutMs,
    trustedCertificates,
    proxies,
  });
  const store = new S3Store({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    socketTimeoutMs: options.socketTimeoutMs,
    agents,
    // the credential providers' own clients (STS, SSO) cross the same proxy and meet the same CAs
    credentials: await resolveCredentials(options.auth, agents),
    requests: options.objects.requests,
    ownObjects: options.objects.base,
    onRequest: (operation, target) => {
      onRequest?.(operation);
      if (log.debugEnabled) log.debug(`request ${operation}${describeRequestTarget(target)}`);
    },
    onRetry: (retry) =>
      log.warn(
        `retrying ${describeControlRequest(retry.operation, retry.key)} now: attempt ${retry.attempt} of ${retry.attempts} failed: ${describeFailure(retry.error)}`,
      ),
  });
  try {
    const probe = async (probeSignal: AbortSignal) => {
      try {
        await store.headBucketOnce(options.bucket, probeSignal);
      } catch (error) {
        if (!route) await refusePlainHttpToTls(options.endpoint, error);
        throw error;
      }
    };
    const first = await waitForFirstAnswer(probe, {
      endpointName: endpointNameOf(options),
      advice:
        options.endpoint && !options.forcePathStyle
          ? virtualHostAdvice(options.endpoint, options.bucket)
          : undefined,
      budgetMs: NO_ANSWER_BUDGET_MS,
      maxAttempts: CLIENT_SETTINGS.maxAttempts,
      delaysMs: NO_ANSWER_DELAYS_MS,
      onRetry: (message) => log.warn(message),
      signal,
    });
    // an endpoint that answered with an error gets the SDK's retries, meant for a server that is there
    if (first === 'answered') await store.headBucket(options.bucket, signal);
  } catch (error) {
    const named = bucketRegionOf(error);
    const explained = named ? error : await explainHeadBucketFailure(store, options.bucket, error, signal);
    store.destroy();
    const bucketRegion = followRegion ? (named ?? bucketRegionOf(explained)) : undefined;
    if (bucketRegion !== undefined && bucketRegion !== options.region)
      throw new BucketElsewhere(bucketRegion);
    if (isWebPageAnswer(explained)) throw webPageError(options, explained);
    const pathFault = endpointPathError(options, explained);
    if (pathFault) throw pathFault;
    throw namingKeySource(asSettingFault(toUploadError(explained, 'open bucket', options.bucket)), options);
  }
  log.debug(
    `bucket ${options.bucket} reachable at ${options.endpoint ?? 'AWS'} (region ${options.region}, auth mode ${options.auth.mode})`,
  );
  return store;
}

/**
 * The address a run's requests go to, for messages: the endpoint, an access point's own host, or S3's in the region.
 */
function endpointNameOf({ endpoint, bucket, region }: RunOptions): string {
  if (endpoint) return endpoint;
  const accessPoint = accessPointOf(bucket);
  if (accessPoint?.onOutpost) return `the Outposts access point ${bucket}`;
  if (accessPoint) {
    const { name, account, region: arnRegion, partition } = accessPoint;
    return `https://${name}-${account}.s3-accesspoint.${arnRegion}.amazonaws.com${partition === 'aws-cn' ? '.cn' : ''}`;
  }
  return `https://s3.${region}.amazonaws.com`;
}

/**
 * A refusal of the bucket's first request that no retry changes (a 4xx the classification knows no better name
 * for) is the endpoint's or the bucket's setting, not a failed file: exit 2, as for the refusals it does name.
 */
function asSettingFault(error: UploadError): UploadError {
  const status = httpStatusOf(error.cause) ?? 0;
  const lasting = status >= 400 && status < 500 && status !== 408 && status !== 429;
  if (!(error instanceof RemoteError) || error.retryable || !lasting) return error;
  return new ConfigError(error.message, { cause: error.cause });
}

/**
 * The endpoint answered the bucket's first requests with a web page: the address of a web server or console
 * (MinIO's console port, a storage product's web UI), or a proxy's or firewall's block page, not an S3 API.
 */
function webPageError(options: RunOptions, error: unknown): ConfigError {
  const endpoint = endpointNameOf(options);
  return new ConfigError(
    `open bucket ${options.bucket}: ${endpoint} answered HTTP ${httpStatusOf(error)} with a web page, not as S3 answers; ` +
      'check endpoint_url / --endpoint (the S3 API address and port, not a web console) and any proxy or firewall on the way',
    { cause: error },
  );
}

/**
 * An endpoint written with a path, most often the bucket's own URL copied as the endpoint (`https://host/bucket`):
 * every request goes under that path, and the server answers 404 (NoSuchKey, or NoSuchBucket for a path that is
 * not a bucket), which alone reads as a missing bucket. Said as the endpoint's fault, with the URL to write.
 */
function endpointPathError(options: RunOptions, error: unknown): ConfigError | undefined {
  if (!options.endpoint || httpStatusOf(error) !== 404) return undefined;
  const url = new URL(options.endpoint);
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '') return undefined;
  const root = `${url.protocol}//${url.host}`;
  const named = path.split('/').includes(options.bucket)
    ? `endpoint_url / --endpoint ${options.endpoint} has the bucket's name in its path`
    : `endpoint_url / --endpoint ${options.endpoint} has a path (${path}) the server knows no bucket under`;
  return new ConfigError(
    `open bucket ${options.bucket}: ${describeFailure(error)}; ${named}: write it as ${root} and the bucket in bucket / --bucket / UPLOAD_TO_S3_BUCKET`,
    { cause: error },
  );
}

/** How long the check for an HTTPS port behind an `http://` endpoint may take. */
const TLS_SNIFF_MS = 3_000;

/**
 * An `http://` endpoint whose first request was cut off without an answer (Node's TLS servers) or answered 400
 * (Go's, MinIO's: "Client sent an HTTP request to an HTTPS server"), on a port that completes a TLS handshake, is
 * an `https://` endpoint written with the wrong scheme: said at once, not after retries or as a bare 400.
 * @throws ConfigError naming the endpoint and the URL to use instead.
 */
async function refusePlainHttpToTls(endpoint: string | undefined, error: unknown): Promise<void> {
  const status = httpStatusOf(error);
  if (!endpoint?.startsWith('http://') || (errorCode(error) !== 'ECONNRESET' && status !== 400)) return;
  const url = new URL(endpoint);
  const { speaksTls } = await import('./tls-sniff.js');
  if (!(await speaksTls(url.hostname, Number(url.port || 80), TLS_SNIFF_MS))) return;
  url.protocol = 'https:';
  throw new ConfigError(
    `connect to endpoint ${endpoint}: the port speaks HTTPS, not plain HTTP; use ${url.href.replace(/\/$/, '')} in endpoint_url / --endpoint`,
  );
}

/**
 * For a run that needs nothing from the bucket but to know it is there and what it holds (a rerun the upload log
 * settles): one HeadBucket, and a listing of each of `prefixes`, without loading the SDK, where the target allows
 * it (a custom endpoint addressed path-style, keys from the config or the keyring, no customer-provided
 * encryption key, with which the run needs the store anyway). What the listings found when the bucket answered
 * 200; undefined when the caller must connect with {@link connectStore}, which then reports whatever kept the
 * probe from an answer.
 */
export async function probeBucket(
  options: RunOptions,
  log: Logger,
  signal: AbortSignal,
  prefixes: readonly string[],
): Promise<Listing | undefined> {
  const { auth, endpoint } = options;
  if (!endpoint || !options.forcePathStyle || options.bucket.startsWith('arn:')) return undefined;
  if (options.objects.requests.customerKey !== undefined) return undefined;
  // the probe goes straight to the server, which a network with a proxy may not allow
  if ((await proxyRoutes(process.env))[schemeOf(endpoint)]) return undefined;
  const credentials = await staticKeysOf(auth);
  if (!credentials) return undefined;
  const bucketProbe = await import('./bucket-probe.js');
  if (log.debugEnabled) {
    const count = prefixes.length;
    const listings = count > 0 ? ` and ListObjectsV2 of ${count} ${count === 1 ? 'prefix' : 'prefixes'}` : '';
    log.debug(`request HeadBucket${listings} (a probe without the SDK)`);
  }
  const listing = await bucketProbe.probeBucket(
    {
      endpoint,
      bucket: options.bucket,
      region: options.region,
      credentials,
      expectedBucketOwner: options.objects.requests.expectedBucketOwner,
      trustedCertificates: await certificatesFor(options),
    },
    prefixes,
    signal,
  );
  if (!listing) return undefined;
  warnIfConfigReadable(options, log);
  warnIfKeysUnused(options, log);
  log.debug(`bucket ${options.bucket} reachable at ${endpoint} (auth mode ${auth.mode})`);
  return listing;
}

/**
 * The keys a probe can sign with without the SDK: the config's or the keyring's, or those the default chain takes
 * from the environment. None for a profile, an SSO session, a role or instance metadata: those the SDK resolves.
 */
async function staticKeysOf(auth: RunOptions['auth']): Promise<SigningKeys | undefined> {
  if (auth.mode === 'instance') return keysFromEnvironment(process.env);
  if (auth.mode !== 'config' && auth.mode !== 'keyring') return undefined;
  const credentials = await resolveCredentials(auth);
  return typeof credentials === 'object' && 'accessKeyId' in credentials ? credentials : undefined;
}

type ProxyRoutes = Record<'http' | 'https', ProxyRoute | undefined>;

/** Where the proxy came from when no variable names one, for messages. */
const WINDOWS_PROXY_SETTING = 'the Windows proxy setting';

/**
 * The proxies the environment names for each scheme (`https_proxy`, `HTTP_PROXY`, ... with `NO_PROXY`), or, when
 * none is named, on Windows, the proxy Windows is set to use, as the AWS CLI takes it (see windows-proxy.ts).
 */
async function proxyRoutes(env: NodeJS.ProcessEnv): Promise<ProxyRoutes> {
  const named = { http: proxyRouteFor('http', env), https: proxyRouteFor('https', env) };
  if (named.http || named.https || process.platform !== 'win32') return named;
  const { windowsProxy } = await import('./windows-proxy.js');
  const windows = { ...(await windowsProxy()) };
  const noProxy = env.no_proxy ?? env.NO_PROXY;
  if (noProxy !== undefined) windows.NO_PROXY = noProxy;
  return {
    http: proxyRouteFor('http', windows, WINDOWS_PROXY_SETTING),
    https: proxyRouteFor('https', windows, WINDOWS_PROXY_SETTING),
  };
}

function schemeOf(endpoint: string | undefined): 'http' | 'https' {
  return endpoint?.toLowerCase().startsWith('http:') ? 'http' : 'https';
}

/**
 * The CA bundle's certificates with Node's roots, for an HTTPS endpoint or an https:// proxy only: plain HTTP has
 * no use for them, nor for the TLS module, which a rerun on a LAN store never loads.
 */
async function certificatesFor(
  { caBundle, endpoint }: RunOptions,
  route?: ProxyRoute,
): Promise<string[] | undefined> {
  const secure = schemeOf(endpoint) === 'https' || route?.url.protocol === 'https:';
  if (!caBundle || !secure) return undefined;
  const { trustedCertificates } = await import('./ca-bundle.js');
  return trustedCertificates(caBundle);
}

function warnIfConfigReadable(options: RunOptions, log: Logger): void {
  if (options.auth.mode === 'config' && options.configPath && isReadableByOthers(options.configPath)) {
    log.warn(
      `config ${options.configPath} holds secret keys and is readable by other users; run chmod 600 on it or use auth_mode keyring`,
    );
  }
}

/** Keys in the config that the auth mode does not read: whoever wrote them there believes they are used. */
function warnIfKeysUnused({ auth, configPath }: RunOptions, log: Logger): void {
  if (auth.mode === 'config' || (!auth.accessKeyId && !auth.secretAccessKey)) return;
  const source = auth.mode === 'profile' ? `profile ${auth.profile ?? ''}` : `auth_mode ${auth.mode}`;
  log.warn(
    `config ${configPath ?? ''} holds aws_access_key_id / aws_secret_access_key, which ${source} does not use; ` +
      'remove them, or set auth_mode config to use them',
  );
}

/**
 * HeadBucket's 400, 403 and 404 answers have no body, so they name no S3 error code: a wrong secret key, a missing
 * bucket and a wrong region would read as a bare "Forbidden" / "NotFound" / "request refused". One ListObjectsV2 (a
 * GET, whose error carries the code: SignatureDoesNotMatch, InvalidAccessKeyId, NoSuchBucket,
 * AuthorizationHeaderMalformed with the region expected) tells them apart. Returns the more telling of the two errors.
 */
async function explainHeadBucketFailure(
  store: S3Store,
  bucket: string,
  error: unknown,
  signal: AbortSignal,
): Promise<unknown> {
  const status = httpStatusOf(error);
  if (status !== 400 && status !== 403 && status !== 404) return error;
  const listing = store.listObjects(bucket, '', signal);
  try {
    await listing.next();
    return error;
  } catch (probeError) {
    const code = errorCode(probeError);
    return code && code !== 'Unknown' && code !== 'NotFound' && code !== 'Forbidden' ? probeError : error;
  } finally {
    await listing.return(undefined);
  }
}

/**
 * What a request is about, as `--debug` names it after the operation: ` KEY part N`, ` KEY`, or nothing for a
 * request of the bucket: a reader can so tell which parts a run sent, and that a resumed upload sent none twice.
 */
function describeRequestTarget({ key, partNumber }: RequestTarget): string {
  if (key === undefined) return '';
  return partNumber === undefined ? ` ${key}` : ` ${key} part ${partNumber}`;
}
