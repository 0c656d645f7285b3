/**
 * Errors of connections through a proxy. Each names the proxy without its credentials and the
 * variable to fix; none ever holds the proxy's `user:password`.
 */
import { brandErrorClass, ConnectorError } from '../errors.js';
import type { ProxyRoute } from './route.js';

/** Codes of {@link ProxyError}. */
export type ProxyErrorCode =
  /** A `*_PROXY` variable is not an http(s) URL. */
  | 'PROXY_INVALID'
  /** The proxy answered 407: credentials missing from the variable, or refused. */
  | 'PROXY_AUTH_FAILED'
  /** The proxy refused the destination (e.g. 403 to CONNECT): its policy, not a passing fault. */
  | 'PROXY_REFUSED'
  /** The proxy could not be reached, or could not reach the destination (5xx, reset): retried. */
  | 'PROXY_UNAVAILABLE';

/** Options of {@link ProxyError}. */
export interface ProxyErrorOptions {
  /** The proxy as shown in messages (no credentials), or the variable's name when it did not parse. */
  proxy: string;
  /** The proxy's HTTP status, when it answered one. @default undefined */
  status?: number;
  cause?: unknown;
  details?: unknown;
  /** @default true for `PROXY_UNAVAILABLE`, else false */
  retryable?: boolean;
}

/** A connection through a proxy failed at the proxy. */
export class ProxyError extends ConnectorError {
  /** The proxy without credentials, e.g. `http://proxy.corp:3128`. */
  readonly proxy: string;
  /** The proxy's answer (407, 403, 502…), when there was one. */
  readonly status: number | undefined;

  constructor(code: ProxyErrorCode, message: string, options: ProxyErrorOptions) {
    const { proxy, status, retryable, ...rest } = options;
    super(code, message, { ...rest, retryable: retryable ?? code === 'PROXY_UNAVAILABLE' });
    this.name = 'ProxyError';
    this.proxy = proxy;
    this.status = status;
  }
}

brandErrorClass(ProxyError, 'ProxyError');

/** `proxy http://proxy.corp:3128 (HTTPS_PROXY)`: how messages name a route. */
export function describeRoute(route: ProxyRoute): string {
  return `proxy ${route.display} (${route.variable})`;
}

/**
 * The error for a proxy that answered `status` instead of opening the way to `target`.
 * 407 and other 4xx are permanent (the variable or the proxy's policy must change); 5xx are not.
 */
export function proxyAnswerError(route: ProxyRoute, status: number, target: string): ProxyError {
  const where = `${describeRoute(route)} answered ${status} for ${target}`;
  if (status === 407) {
    const fix = route.hasCredentials
      ? `it refused the user and password in ${route.variable}: correct them (percent-encode special characters, e.g. @ as %40)`
      : `it wants credentials: set ${route.variable} to http://user:password@${route.url.host}`;
    return new ProxyError('PROXY_AUTH_FAILED', `${where} (Proxy Authentication Required): ${fix}`, { proxy: route.display, status });
  }
  if (status >= 400 && status < 500) {
    return new ProxyError(
      'PROXY_REFUSED',
      `${where}: the proxy does not let this connection through; ask its administrator to allow it, or list the host in NO_PROXY if it is reachable directly`,
      { proxy: route.display, status },
    );
  }
  return new ProxyError('PROXY_UNAVAILABLE', `${where}: the proxy could not reach it; trying again`, { proxy: route.display, status });
}

/** The error for a proxy that could not be reached, or dropped the connection. */
export function proxyUnreachableError(route: ProxyRoute, target: string, reason: string, cause?: unknown): ProxyError {
  return new ProxyError(
    'PROXY_UNAVAILABLE',
    `cannot reach ${target} through ${describeRoute(route)}: ${withoutProxyCredentials(reason, route)}; is the proxy running and ${route.variable} right?`,
    { proxy: route.display, cause },
  );
}

/** `text` without the route's password (as written and percent-decoded), for messages built from a library's error. */
export function withoutProxyCredentials(text: string, route: ProxyRoute): string {
  let out = text.replaceAll(route.url.href, route.display);
  for (const secret of [route.url.password, safeDecode(route.url.password)])
    if (secret.length >= 3) out = out.replaceAll(secret, '[redacted]');
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Codes of TLS errors that a TLS-intercepting proxy (one that re-signs with its own CA) causes. */
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
]);

/**
 * A hint for an untrusted certificate anywhere in `error`'s cause chain: the usual cause behind a
 * corporate proxy is a CA that Node does not know. '' for other errors.
 */
export function untrustedCertificateHint(error: unknown): string {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNTRUSTED_CERTIFICATE.has(code)) {
      return ` (${code}: if a proxy or gateway re-signs TLS with its own CA, put that CA's PEM file in NODE_EXTRA_CA_CERTS)`;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return '';
}

/** True when `error` (or its cause) is a failure to connect to the proxy's own address. */
export function isProxyConnectFailure(error: unknown, route: ProxyRoute): boolean {
  const port = route.url.port || (route.url.protocol === 'https:' ? '443' : '80');
  const host = route.url.hostname.replace(/^\[|\]$/g, '');
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const { address, port: p, hostname, syscall } = e as { address?: unknown; port?: unknown; hostname?: unknown; syscall?: unknown };
    if (syscall === 'getaddrinfo' && hostname === host) return true;
    // https-proxy-agent's words for a proxy that closed before answering the CONNECT.
    if (/^Proxy connection ended/.test(String((e as { message?: unknown }).message))) return true;
    if (syscall === 'connect' && String(p) === port && (address === host || hostname === host)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
