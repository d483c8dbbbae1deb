/**
 * The Windows proxy setting as `reg query` prints it, read as the AWS CLI (Python's urllib) reads it: on only with
 * ProxyEnable, one server for both schemes or one per scheme, ProxyOverride as the hosts that go direct.
 */
import { describe, expect, it } from 'vitest';
import { proxyRouteFor } from '../../../src/remote/proxy-route.js';
import { parseInternetSettings, readWindowsProxy } from '../../../src/remote/windows-proxy.js';

/** `reg query` output of the Internet Settings key with `values` (name, type, data), as Windows prints it. */
function regOutput(values: Array<[string, string, string]>): string {
  const lines = values.map(([name, type, data]) => `    ${name}    ${type}    ${data}`);
  return [
    '',
    'HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings',
    '    CertificateRevocation    REG_DWORD    0x1',
    '    User Agent    REG_SZ    Mozilla/4.0 (compatible; MSIE 8.0; Win32)',
    ...lines,
    '',
    'HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\5.0',
    '',
  ].join('\r\n');
}

describe('parseInternetSettings', () => {
  it('takes one server for both schemes, and the override as NO_PROXY', () => {
    const output = regOutput([
      ['ProxyEnable', 'REG_DWORD', '0x1'],
      ['ProxyServer', 'REG_SZ', 'proxy.corp.example:3128'],
      ['ProxyOverride', 'REG_SZ', '*.corp.example;10.*;192.168.*;storage.lan;<local>;*intranet*'],
    ]);
    expect(parseInternetSettings(output)).toEqual({
      HTTPS_PROXY: 'proxy.corp.example:3128',
      HTTP_PROXY: 'proxy.corp.example:3128',
      NO_PROXY: '.corp.example,10.0.0.0/8,192.168.0.0/16,storage.lan,<local>,127.0.0.1,::1',
    });
  });

  it('becomes a route as the variables do: http:// for an address without a scheme, the exceptions direct', () => {
    const output = regOutput([
      ['ProxyEnable', 'REG_DWORD', '0x1'],
      ['ProxyServer', 'REG_SZ', 'proxy.corp.example:3128'],
      ['ProxyOverride', 'REG_SZ', '*.corp.example;<local>'],
    ]);
    const route = proxyRouteFor('https', parseInternetSettings(output), 'the Windows proxy setting')!;
    expect(route.url.href).toBe('http://proxy.corp.example:3128/');
    expect(route.variable).toBe('the Windows proxy setting');
    expect(route.bypasses('s3.corp.example', 443)).toBe(true);
    expect(route.bypasses('storage', 443)).toBe(true);
    expect(route.bypasses('s3.eu-west-1.amazonaws.com', 443)).toBe(false);
  });

  it('takes a server per scheme, leaving out SOCKS and FTP', () => {
    const output = regOutput([
      ['ProxyEnable', 'REG_DWORD', '0x1'],
      [
        'ProxyServer',
        'REG_SZ',
        'http=web.corp:8080;https=secure.corp:8443;ftp=ftp.corp:21;socks=socks.corp:1080',
      ],
    ]);
    expect(parseInternetSettings(output)).toEqual({
      HTTP_PROXY: 'web.corp:8080',
      HTTPS_PROXY: 'secure.corp:8443',
    });
  });

  it('keeps a scheme written in the setting', () => {
    const output = regOutput([
      ['ProxyEnable', 'REG_DWORD', '0x00000001'],
      ['ProxyServer', 'REG_SZ', 'https=https://tls-proxy.corp:443'],
    ]);
    expect(parseInternetSettings(output)).toEqual({ HTTPS_PROXY: 'https://tls-proxy.corp:443' });
  });

  it('is empty when the proxy is off, not set, or only a proxy script (AutoConfigURL) is', () => {
    expect(
      parseInternetSettings(
        regOutput([
          ['ProxyEnable', 'REG_DWORD', '0x0'],
          ['ProxyServer', 'REG_SZ', 'proxy.corp.example:3128'],
        ]),
      ),
    ).toEqual({});
    expect(parseInternetSettings(regOutput([]))).toEqual({});
    expect(
      parseInternetSettings(regOutput([['AutoConfigURL', 'REG_SZ', 'http://wpad.corp/proxy.pac']])),
    ).toEqual({});
    expect(parseInternetSettings(regOutput([['ProxyEnable', 'REG_DWORD', '0x1']]))).toEqual({});
  });
});

describe('readWindowsProxy', () => {
  it('reads nothing (and starts no process) off Windows', async () => {
    expect(await readWindowsProxy('linux', {})).toEqual({});
    expect(await readWindowsProxy('darwin', {})).toEqual({});
  });
});
