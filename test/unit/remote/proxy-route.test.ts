/**
 * Which proxy the environment names for an endpoint, read as the AWS CLI reads it, and which hosts NO_PROXY
 * sends straight to the server.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { describeProxy, proxyRouteFor } from '../../../src/remote/proxy-route.js';

describe('proxyRouteFor', () => {
  it('takes the variable of the endpoint scheme, lower case first', () => {
    const env = {
      HTTPS_PROXY: 'http://upper:3128',
      https_proxy: 'http://lower:3128',
      HTTP_PROXY: 'http://plain:80',
    };
    expect(proxyRouteFor('https', env)).toMatchObject({
      variable: 'https_proxy',
      url: new URL('http://lower:3128'),
    });
    expect(proxyRouteFor('http', env)).toMatchObject({
      variable: 'HTTP_PROXY',
      url: new URL('http://plain:80'),
    });
    expect(proxyRouteFor('https', { HTTP_PROXY: 'http://plain:80' })).toBeUndefined();
    expect(proxyRouteFor('https', { HTTPS_PROXY: '  ' })).toBeUndefined();
  });

  it('reads a proxy written without a scheme as http', () => {
    expect(proxyRouteFor('https', { HTTPS_PROXY: 'proxy.corp.example:8080' })?.url.href).toBe(
      'http://proxy.corp.example:8080/',
    );
  });

  it('refuses a value that is not an http(s) proxy, naming the variable and never the password', () => {
    expect(() => proxyRouteFor('https', { HTTPS_PROXY: 'socks5://proxy:1080' })).toThrow(
      new ConfigError(
        'HTTPS_PROXY: socks5 proxies are not supported; use an http:// or https:// proxy, or unset it',
      ),
    );
    const bad = () => proxyRouteFor('http', { http_proxy: 'http://user:Secret99@proxy:port' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/^http_proxy: 'http:\/\/\[redacted\]@proxy:port' is not a proxy URL; /);
  });

  it('shows the proxy without its user and password', () => {
    expect(describeProxy(new URL('http://survey:Secret99@proxy.corp:3128'))).toBe('http://proxy.corp:3128');
  });
});

describe('NO_PROXY', () => {
  function bypasses(noProxy: string, host: string, port = 443): boolean {
    return proxyRouteFor('https', { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: noProxy })!.bypasses(
      host,
      port,
    );
  }

  it('names hosts and domains, with or without a leading dot, whatever the case', () => {
    expect(bypasses('corp.example', 'corp.example')).toBe(true);
    expect(bypasses('corp.example', 's3.corp.example')).toBe(true);
    expect(bypasses('.corp.example', 'S3.Corp.Example')).toBe(true);
    expect(bypasses('*.corp.example', 's3.corp.example')).toBe(true);
    expect(bypasses('corp.example', 'notcorp.example')).toBe(false);
    expect(bypasses('corp.example', 's3.amazonaws.com')).toBe(false);
  });

  it('takes a list separated by commas or spaces, and * for every host', () => {
    expect(bypasses('localhost, store.lan  10.1.2.3', 'store.lan')).toBe(true);
    expect(bypasses('localhost, store.lan  10.1.2.3', '10.1.2.3')).toBe(true);
    expect(bypasses('*', 's3.eu-west-1.amazonaws.com')).toBe(true);
    expect(bypasses('', 'store.lan')).toBe(false);
  });

  it('matches a port when the entry names one', () => {
    expect(bypasses('store.lan:9000', 'store.lan', 9000)).toBe(true);
    expect(bypasses('store.lan:9000', 'store.lan', 443)).toBe(false);
  });

  it('matches IPv4 addresses in a CIDR block and IPv6 addresses, bracketed or not', () => {
    expect(bypasses('10.0.0.0/8', '10.20.30.40')).toBe(true);
    expect(bypasses('10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(bypasses('10.0.0.0/8', 'ten.example')).toBe(false);
    expect(bypasses('[::1]', '[::1]')).toBe(true);
    expect(bypasses('::1', '::1')).toBe(true);
  });

  it("takes Windows' <local> as every name without a dot", () => {
    expect(bypasses('<local>', 'localhost')).toBe(true);
    expect(bypasses('<local>', 'storage')).toBe(true);
    expect(bypasses('<local>', 'storage.lan')).toBe(false);
    expect(bypasses('<local>', '10.0.0.1')).toBe(false);
    expect(bypasses('<local>', '::1')).toBe(false);
  });

  it('never matches an IP address by suffix', () => {
    expect(bypasses('0.0.1', '10.0.0.1')).toBe(false);
  });
});
