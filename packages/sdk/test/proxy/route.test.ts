/**
 * Which proxy a connection takes (proxy/route.ts): the variables per scheme, NO_PROXY, the
 * WebSocket schemes, and values that are not proxies.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkProxyEnv, parseProxyValue, proxyFor, ProxyError } from '../../src/proxy/index.js';

const NAMES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY'];

beforeEach(() => {
  // Whatever the machine running the tests has set, these cases start from none.
  for (const name of NAMES) vi.stubEnv(name, undefined);
});
afterEach(() => vi.unstubAllEnvs());

describe('proxyFor', () => {
  it('connects directly when no proxy variable is set', () => {
    expect(proxyFor('https://api.example.com/x')).toBeUndefined();
  });

  it('takes HTTPS_PROXY for https and wss, HTTP_PROXY for http and ws', () => {
    vi.stubEnv('HTTPS_PROXY', 'http://secure.proxy:3128');
    vi.stubEnv('HTTP_PROXY', 'http://plain.proxy:8080');
    expect(proxyFor('https://api.example.com/')?.display).toBe('http://secure.proxy:3128');
    expect(proxyFor('wss://connect.aloma.io/transport/')?.variable).toBe('HTTPS_PROXY');
    expect(proxyFor('http://api.example.com/')?.display).toBe('http://plain.proxy:8080');
    expect(proxyFor('ws://127.0.0.1:4700/transport/')?.variable).toBe('HTTP_PROXY');
  });

  it('prefers the lower-case variable, as curl does, and falls back to ALL_PROXY', () => {
    vi.stubEnv('HTTPS_PROXY', 'http://upper:1');
    vi.stubEnv('https_proxy', 'http://lower:2');
    vi.stubEnv('ALL_PROXY', 'http://all:3');
    expect(proxyFor('https://a.example/')?.variable).toBe('https_proxy');
    expect(proxyFor('http://a.example/')?.variable).toBe('ALL_PROXY');
  });

  it('keeps the credentials in the URL but never in the display name', () => {
    vi.stubEnv('HTTPS_PROXY', 'http://ada:s%40cret@proxy.corp:3128');
    const route = proxyFor('https://a.example/')!;
    expect(route.display).toBe('http://proxy.corp:3128');
    expect(route.hasCredentials).toBe(true);
    expect(route.url.password).toBe('s%40cret');
  });

  it('reads a value without a scheme as a plain-HTTP proxy', () => {
    vi.stubEnv('HTTPS_PROXY', 'proxy.corp:3128');
    expect(proxyFor('https://a.example/')?.url.href).toBe('http://proxy.corp:3128/');
  });

  it.each([
    ['exact host', 'api.example.com', 'https://api.example.com/', true],
    ['exact host does not cover subdomains', 'example.com', 'https://api.example.com/', false],
    ['leading dot covers subdomains', '.example.com', 'https://api.example.com/', true],
    ['leading *. covers subdomains', '*.example.com', 'https://deep.api.example.com/', true],
    ['host:port matches that port only', '127.0.0.1:4700', 'http://127.0.0.1:4700/connect', true],
    ['host:port does not match another port', '127.0.0.1:4700', 'http://127.0.0.1:4701/connect', false],
    ['the default port counts', 'api.example.com:443', 'wss://api.example.com/transport/', true],
    ['* matches everything', '*', 'https://anything.example/', true],
    ['lists split on commas and spaces', 'a.example, 127.0.0.1 other.example', 'http://127.0.0.1:9/', true],
  ])('NO_PROXY: %s', (_name, noProxy, target, bypassed) => {
    vi.stubEnv('HTTPS_PROXY', 'http://proxy:3128');
    vi.stubEnv('HTTP_PROXY', 'http://proxy:3128');
    vi.stubEnv('NO_PROXY', noProxy);
    expect(proxyFor(target) === undefined).toBe(bypassed);
  });

  it('rejects a proxy that is not http(s), naming the variable and not the credentials', () => {
    vi.stubEnv('HTTPS_PROXY', 'socks5://ada:hunter22@socks.corp:1080');
    const error = catchError(() => proxyFor('https://a.example/'));
    expect(error).toBeInstanceOf(ProxyError);
    expect(error).toMatchObject({ code: 'PROXY_INVALID', proxy: 'socks5://socks.corp:1080', retryable: false });
    expect(error.message).toMatchInlineSnapshot(
      `"HTTPS_PROXY names a socks5 proxy (socks5://socks.corp:1080); only http:// and https:// proxies are supported"`,
    );
    expect(error.message).not.toContain('hunter22');
  });
});

describe('checkProxyEnv', () => {
  it('finds a malformed variable before any connection is made', () => {
    expect(() => checkProxyEnv({ http_proxy: 'http://[::1' })).toThrow(/http_proxy is not a URL: write it as http:\/\/host:port/);
    expect(() => checkProxyEnv({ HTTPS_PROXY: 'https://proxy:443', NO_PROXY: 'localhost' })).not.toThrow();
  });
});

describe('parseProxyValue', () => {
  it('accepts https:// proxies (TLS to the proxy)', () => {
    expect(parseProxyValue('HTTPS_PROXY', 'https://proxy.corp').display).toBe('https://proxy.corp');
  });
});

function catchError(fn: () => unknown): ProxyError {
  try {
    fn();
  } catch (error) {
    return error as ProxyError;
  }
  throw new Error('expected an error');
}
