/**
 * Which proxy, if any, a connection goes through: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and
 * `NO_PROXY` (lower-case forms win, as in curl), read from `process.env` like every other HTTP
 * tool does. `proxy-from-env` decides; this module turns its answer into a {@link ProxyRoute}
 * that knows which variable it came from and how to name the proxy without its credentials.
 */
import { getProxyForUrl } from 'proxy-from-env';
import { ProxyError } from './errors.js';

/** A proxy that a connection goes through. */
export interface ProxyRoute {
  /** The proxy's URL, with its `user:password@` when the variable has one. Never log it. */
  readonly url: URL;
  /** The proxy without credentials, for messages: `http://proxy.corp:3128`. */
  readonly display: string;
  /** The variable it came from, e.g. `HTTPS_PROXY`, for messages that say what to fix. */
  readonly variable: string;
  /** True when the variable carries credentials (`user:password@`). */
  readonly hasCredentials: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The scheme whose `*_PROXY` variable applies: WebSockets go by their HTTP twin (wss → https). */
function schemeOf(target: URL): 'http' | 'https' | undefined {
  switch (target.protocol) {
    case 'https:':
    case 'wss:':
      return 'https';
    case 'http:':
    case 'ws:':
      return 'http';
    default:
      return undefined;
  }
}

/** The variable that holds the proxy for `scheme`, in curl's order: lower case first, then ALL_PROXY. */
function variableFor(scheme: 'http' | 'https', env: Env): string | undefined {
  for (const name of [`${scheme}_proxy`, `${scheme.toUpperCase()}_PROXY`, 'all_proxy', 'ALL_PROXY']) {
    if (env[name]) return name;
  }
  return undefined;
}

/**
 * Parses a proxy variable's value. A value without a scheme means plain HTTP to the proxy, as in
 * curl (`proxy.corp:3128` is `http://proxy.corp:3128`).
 * @throws ProxyError `PROXY_INVALID` for a value that is not an http(s) URL
 */
export function parseProxyValue(variable: string, value: string): ProxyRoute {
  const text = value.includes('://') ? value.trim() : `http://${value.trim()}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ProxyError('PROXY_INVALID', `${variable} is not a URL: write it as http://host:port (or http://user:password@host:port)`, {
      proxy: variable,
    });
  }
  const display = `${url.protocol}//${url.host}`;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProxyError(
      'PROXY_INVALID',
      `${variable} names a ${url.protocol.slice(0, -1)} proxy (${display}); only http:// and https:// proxies are supported`,
      { proxy: display },
    );
  }
  return { url, display, variable, hasCredentials: url.username !== '' || url.password !== '' };
}

/**
 * The proxy for a connection to `target`, or undefined to connect directly (no proxy variable
 * for its scheme, or `NO_PROXY` matches it). `NO_PROXY` follows proxy-from-env: comma- or
 * space-separated entries, each a host name that matches exactly, `.example.com` or
 * `*.example.com` for a domain and its subdomains, optionally with `:port`; `*` alone matches all.
 * @throws ProxyError `PROXY_INVALID` when the variable that applies is not an http(s) URL
 */
export function proxyFor(target: URL | string): ProxyRoute | undefined {
  // proxy-from-env reads process.env: so does this, so that the two never disagree.
  const env = process.env;
  const url = typeof target === 'string' ? new URL(target) : target;
  const scheme = schemeOf(url);
  if (scheme === undefined) return undefined;
  const variable = variableFor(scheme, env);
  if (variable === undefined) return undefined;
  // proxy-from-env knows no ws: scheme; ask about the HTTP twin, which has the same host and port.
  const asked = new URL(url.href);
  if (url.protocol === 'ws:' || url.protocol === 'wss:') asked.protocol = `${scheme}:`;
  if (getProxyForUrl(asked.href) === '') return undefined;
  return parseProxyValue(variable, env[variable]!);
}

/**
 * Checks every proxy variable that is set, so a typo fails at start and not at the first call.
 * @throws ProxyError `PROXY_INVALID`
 */
export function checkProxyEnv(env: Env = process.env): void {
  for (const name of ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY']) {
    const value = env[name];
    if (value) parseProxyValue(name, value);
  }
}
