import { execFile } from 'node:child_process';
import path from 'node:path';

/**
 * The proxy Windows is set to use (Settings > Network > Proxy, or Internet Options), which the AWS CLI follows when
 * no proxy variable is set (Python reads it from the registry): without it, a laptop whose IT set the proxy there
 * reached Amazon S3 with `aws s3 cp` and not with this tool. Read as Python reads it: `ProxyEnable`, `ProxyServer`
 * (`host:port` for every scheme, or `http=host:port;https=host:port`) and `ProxyOverride` (hosts that go direct).
 * A proxy auto-config script (`AutoConfigURL`) is not run, as Python does not run it either.
 */
const INTERNET_SETTINGS_KEY = 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings';

/** How long `reg query` may take before the run goes on as if no proxy were set. */
const REG_TIMEOUT_MS = 3_000;

/** The proxy settings as the variables they stand for: `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`. */
export type ProxyVariables = Partial<Record<'HTTPS_PROXY' | 'HTTP_PROXY' | 'NO_PROXY', string>>;

/**
 * The account's Windows proxy setting as proxy variables; empty off Windows, when the setting is off, and when it
 * cannot be read (the run then goes direct, as before).
 */
export function readWindowsProxy(platform = process.platform, env = process.env): Promise<ProxyVariables> {
  if (platform !== 'win32') return Promise.resolve({});
  const reg = path.win32.join(env.SystemRoot ?? 'C:\\Windows', 'System32', 'reg.exe');
  return new Promise((resolve) => {
    execFile(
      reg,
      ['query', INTERNET_SETTINGS_KEY],
      { timeout: REG_TIMEOUT_MS, windowsHide: true },
      (error, stdout) => resolve(error ? {} : parseInternetSettings(stdout)),
    );
  });
}

let readOnce: Promise<ProxyVariables> | undefined;

/** {@link readWindowsProxy}, read once per run: the rerun's probe and the connection after it ask alike. */
export function windowsProxy(): Promise<ProxyVariables> {
  return (readOnce ??= readWindowsProxy());
}

/** The proxy variables `reg query` output of the Internet Settings key stands for (see {@link readWindowsProxy}). */
export function parseInternetSettings(output: string): ProxyVariables {
  const values = registryValues(output);
  if (Number(values.get('proxyenable') ?? 0) === 0) return {};
  const servers = proxyServers(values.get('proxyserver') ?? '');
  const variables: ProxyVariables = {};
  if (servers.https) variables.HTTPS_PROXY = servers.https;
  if (servers.http) variables.HTTP_PROXY = servers.http;
  const bypass = noProxyOf(values.get('proxyoverride') ?? '');
  if (bypass && (variables.HTTPS_PROXY || variables.HTTP_PROXY)) variables.NO_PROXY = bypass;
  return variables;
}

/** `    ProxyEnable    REG_DWORD    0x1` lines: value names in lower case, DWORDs as numbers. */
function registryValues(output: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of output.split(/\r?\n/)) {
    const match = /^\s+(\S+)\s+(REG_\w+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, name = '', type, data = ''] = match;
    values.set(name.toLowerCase(), type === 'REG_DWORD' ? String(Number(data.trim())) : data.trim());
  }
  return values;
}

/** `proxy:3128` serves both schemes; `http=a:80;https=b:443;socks=c:1080` names each (SOCKS is not taken). */
function proxyServers(value: string): { http?: string; https?: string } {
  if (value === '') return {};
  // an address without a scheme is taken as http:// where it becomes a route (proxyRouteFor), as for the variables
  if (!value.includes('=') && !value.includes(';')) return { http: value, https: value };
  const servers: { http?: string; https?: string } = {};
  for (const entry of value.split(';')) {
    const [scheme = '', address = ''] = entry.split('=', 2).map((part) => part.trim());
    if ((scheme === 'http' || scheme === 'https') && address) servers[scheme] = address;
  }
  return servers;
}

/**
 * `ProxyOverride` in NO_PROXY's terms: `*.corp.example` and `corp.example` as domains, `10.*` and `192.168.*` as
 * CIDR blocks, `<local>` (names without a dot, which NO_PROXY here also takes) with the loopback addresses; other
 * patterns are left out.
 */
function noProxyOf(value: string): string {
  const entries: string[] = [];
  for (const raw of value.split(';').map((entry) => entry.trim().toLowerCase())) {
    if (raw === '<local>') entries.push('<local>', '127.0.0.1', '::1');
    else if (/^(\d{1,3}\.){1,3}\*$/.test(raw)) entries.push(ipPrefixBlock(raw));
    else if (/^\*\.[^*]+$/.test(raw)) entries.push(raw.slice(1));
    else if (raw !== '' && !raw.includes('*')) entries.push(raw);
  }
  return [...new Set(entries)].join(',');
}

/** `10.*` -> `10.0.0.0/8`, `192.168.*` -> `192.168.0.0/16`. */
function ipPrefixBlock(pattern: string): string {
  const octets = pattern.split('.').slice(0, -1);
  const address = [...octets, ...Array<string>(4 - octets.length).fill('0')].join('.');
  return `${address}/${octets.length * 8}`;
}
