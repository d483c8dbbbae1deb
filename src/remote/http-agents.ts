import http from 'node:http';
import https from 'node:https';
import type { ProxyRoute } from './proxy-route.js';
import { createTunnelAgent } from './proxy-tunnel.js';

/** What the agents of a store are built from. */
export interface AgentSettings {
  maxSockets: number;
  connectTimeoutMs: number;
  /** The certificates an HTTPS server or an https:// proxy may be signed by, when not only Node's own roots. */
  trustedCertificates?: string[] | undefined;
  /** The proxies the environment names, per scheme. */
  proxies?: { http?: ProxyRoute | undefined; https?: ProxyRoute | undefined } | undefined;
}

/** The agent for each scheme. */
export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

/**
 * The two keep-alive agents every request of a store goes through, the SDK's and the lean path's alike, and the
 * credential providers' (STS, SSO): one pool of sockets per server, the trusted CAs for HTTPS, and the proxy
 * tunnel where the environment names a proxy.
 */
export function createAgents(settings: AgentSettings): Agents {
  const options = { keepAlive: true, maxSockets: settings.maxSockets };
  const secureOptions = { ...options, ca: settings.trustedCertificates };
  const { proxies, connectTimeoutMs, trustedCertificates } = settings;
  return {
    http: proxies?.http
      ? createTunnelAgent(false, options, { route: proxies.http, connectTimeoutMs, trustedCertificates })
      : new http.Agent(options),
    https: proxies?.https
      ? createTunnelAgent(true, secureOptions, {
          route: proxies.https,
          connectTimeoutMs,
          trustedCertificates,
        })
      : new https.Agent(secureOptions),
  };
}
