import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { registerSecret } from '../log/redact.js';
import { describeProxy, type ProxyRoute } from './proxy-route.js';

type Callback = (error: Error | null, socket?: Duplex) => void;

/** What a CONNECT needs besides the target: the proxy, and how long to wait for its answer. */
interface TunnelSettings {
  route: ProxyRoute;
  connectTimeoutMs: number;
  /** The CAs an https:// proxy's certificate may be signed by besides Node's own (ca_bundle). */
  trustedCertificates?: string[] | undefined;
}

/**
 * An error on the way through the proxy, shaped like a network error (its `code`) so that retries treat it alike,
 * with the proxy named: `proxy` is set, and a proxy's refusal has a code of its own.
 */
export interface ProxyError extends Error {
  code: string;
  proxy: string;
  /** The environment variable that named the proxy (`HTTPS_PROXY`, `http_proxy`, ...). */
  variable: string;
}

/**
 * Keep-alive agents that reach the server through the proxy of `route` with HTTP CONNECT, TLS to the server
 * inside the tunnel for HTTPS, and straight to the server for the hosts NO_PROXY names. Sockets are kept and
 * reused per server as by Node's own agents.
 */
export function createTunnelAgent(
  secure: true,
  options: https.AgentOptions,
  settings: TunnelSettings,
): https.Agent;
export function createTunnelAgent(
  secure: false,
  options: http.AgentOptions,
  settings: TunnelSettings,
): http.Agent;
export function createTunnelAgent(
  secure: boolean,
  options: https.AgentOptions,
  settings: TunnelSettings,
): http.Agent {
  const { password } = settings.route.url;
  registerSecret(password ? decodeURIComponent(password) : undefined);
  return secure ? new HttpsTunnelAgent(options, settings) : new HttpTunnelAgent(options, settings);
}

class HttpTunnelAgent extends http.Agent {
  constructor(
    options: http.AgentOptions,
    private readonly settings: TunnelSettings,
  ) {
    super(options);
  }

  override createConnection(options: http.ClientRequestArgs, callback: Callback): Duplex | null | undefined {
    const { host, port } = targetOf(options, 80);
    if (this.settings.route.bypasses(host, port)) return super.createConnection(options, callback);
    openTunnel(this.settings, host, port).then((socket) => callback(null, socket), callback);
    return undefined;
  }
}

class HttpsTunnelAgent extends https.Agent {
  constructor(
    options: https.AgentOptions,
    private readonly settings: TunnelSettings,
  ) {
    super(options);
  }

  override createConnection(
    options: tls.ConnectionOptions & http.ClientRequestArgs,
    callback: Callback,
  ): Duplex | null | undefined {
    const { host, port } = targetOf(options, 443);
    if (this.settings.route.bypasses(host, port)) return super.createConnection(options, callback);
    openTunnel(this.settings, host, port).then(
      (socket) => callback(null, tls.connect({ ...options, socket: socket as Socket })),
      callback,
    );
    return undefined;
  }
}

function targetOf(options: http.ClientRequestArgs, defaultPort: number): { host: string; port: number } {
  const host = (options.hostname ?? options.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(options.port ?? defaultPort) };
}

/** A socket to `host:port` through the proxy, once it answered 200 to CONNECT. */
function openTunnel(
  { route, connectTimeoutMs, trustedCertificates }: TunnelSettings,
  host: string,
  port: number,
): Promise<Socket> {
  const { url } = route;
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request({
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      method: 'CONNECT',
      path: target,
      headers: { host: target, ...proxyAuthorization(url) },
      agent: false,
      timeout: connectTimeoutMs,
      ...(trustedCertificates ? { ca: trustedCertificates } : {}),
    });
    request.once('connect', (response, socket, head) => {
      if (response.statusCode === 200) {
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
        return;
      }
      socket.destroy();
      reject(refusal(route, target, response.statusCode ?? 0, response.statusMessage ?? ''));
    });
    request.once('timeout', () =>
      request.destroy(
        proxyError(route, 'ETIMEDOUT', `no answer to CONNECT ${target} in ${connectTimeoutMs} ms`),
      ),
    );
    request.once('error', (error: NodeJS.ErrnoException) => {
      if ((error as Partial<ProxyError>).proxy !== undefined) reject(error);
      else reject(proxyError(route, error.code ?? 'ECONNRESET', error.message));
    });
    request.end();
  });
}

function proxyAuthorization(url: URL): Record<string, string> {
  if (!url.username && !url.password) return {};
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

/** A proxy's answer other than 200: 407 wants credentials, 5xx could not reach the server, the rest is a no. */
function refusal(route: ProxyRoute, target: string, status: number, statusText: string): ProxyError {
  const code =
    status === 407 ? 'ProxyAuthenticationRequired' : status >= 500 ? 'ProxyBadGateway' : 'ProxyRefused';
  const given = status === 407 && route.url.username ? ', refusing the user and password given' : '';
  return proxyError(
    route,
    code,
    `answered CONNECT ${target} with HTTP ${`${status} ${statusText}`.trim()}${given}`,
  );
}

function proxyError(route: ProxyRoute, code: string, detail: string): ProxyError {
  const proxy = describeProxy(route.url);
  return Object.assign(new Error(`proxy ${proxy} (${route.variable}): ${detail}`), {
    code,
    proxy,
    variable: route.variable,
  });
}
