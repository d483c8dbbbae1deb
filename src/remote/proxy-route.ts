import { BlockList, isIP } from 'node:net';
import { ConfigError, quoteValue } from '../errors.js';

/** The proxy for one scheme, and which hosts go around it. */
export interface ProxyRoute {
  /** The proxy's URL, its user and password included. */
  url: URL;
  /** The variable that named it, for messages: `https_proxy`, `HTTP_PROXY`, ... */
  variable: string;
  /** True when NO_PROXY sends this host (and port) straight to the server. */
  bypasses(host: string, port: number): boolean;
}

/**
 * The proxy the environment names for an endpoint of `scheme`, as the AWS CLI reads it: `https_proxy` or
 * `HTTPS_PROXY` for HTTPS, `http_proxy` or `HTTP_PROXY` for HTTP (lower case first), with `no_proxy` /
 * `NO_PROXY` listing hosts that go direct: `*`, a host or domain (`.corp.example` or `corp.example` also
 * covers its subdomains), optionally with `:port`, an IP address or an IPv4 CIDR block.
 * `source` names where the values came from in messages, when not from the variables themselves.
 * @throws ConfigError naming the variable when its value is not a proxy URL.
 */
export function proxyRouteFor(
  scheme: 'http' | 'https',
  env: NodeJS.ProcessEnv,
  source?: string,
): ProxyRoute | undefined {
  const name = [`${scheme}_proxy`, `${scheme.toUpperCase()}_PROXY`].find((key) => env[key]?.trim());
  if (name === undefined) return undefined;
  const variable = source ?? name;
  const url = parseProxyUrl(env[name]!.trim(), variable);
  const rules = parseNoProxy(env.no_proxy ?? env.NO_PROXY ?? '');
  return { url, variable, bypasses: (host, port) => rules(normalizeHost(host), port) };
}

/** The proxy as messages may show it: scheme, host and port, never its user or password. */
export function describeProxy(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

function parseProxyUrl(value: string, variable: string): URL {
  // `proxy.corp:3128` is written without a scheme as often as with one; curl and the AWS CLI take it as http
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError(
      `${variable}: ${quoteValue(redactUserInfo(value))} is not a proxy URL; use http://host:port, or unset it`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(
      `${variable}: ${url.protocol.slice(0, -1)} proxies are not supported; use an http:// or https:// proxy, or unset it`,
    );
  return url;
}

function redactUserInfo(value: string): string {
  return value.replace(/\/\/[^/@\s]*@/, '//[redacted]@');
}

type NoProxyRule = (host: string, port: number) => boolean;

function parseNoProxy(value: string): NoProxyRule {
  const entries = value
    .split(/[\s,]+/)
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  if (entries.includes('*')) return () => true;
  const rules = entries.map(parseNoProxyEntry);
  return (host, port) => rules.some((rule) => rule(host, port));
}

function parseNoProxyEntry(entry: string): NoProxyRule {
  // Windows' "<local>" exception: names without a dot (a LAN server's short name), which NO_PROXY cannot write
  if (entry === '<local>') return (host) => isIP(host) === 0 && !host.includes('.');
  const cidr = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(entry);
  if (cidr) {
    const block = new BlockList();
    block.addSubnet(cidr[1]!, Number(cidr[2]), 'ipv4');
    return (host) => isIP(host) === 4 && block.check(host, 'ipv4');
  }
  const { host: ruleHost, port: rulePort } = splitHostPort(entry);
  const domain = ruleHost.replace(/^\*?\./, '');
  return (host, port) => {
    if (rulePort !== undefined && rulePort !== port) return false;
    return host === domain || (isIP(host) === 0 && host.endsWith(`.${domain}`));
  };
}

function splitHostPort(entry: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1]!, ...(bracketed[2] ? { port: Number(bracketed[2]) } : {}) };
  const withPort = /^([^:]+):(\d+)$/.exec(entry);
  if (withPort) return { host: withPort[1]!, port: Number(withPort[2]) };
  return { host: entry };
}

function normalizeHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}
