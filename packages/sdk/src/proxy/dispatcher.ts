/**
 * The undici dispatcher that sends `ctx.http`'s fetch requests through a proxy: undici's
 * `ProxyAgent`, tunnelling https with CONNECT and forwarding plain http in absolute form (as
 * the node:http agents do, see agents.ts). Loaded on first use only.
 */
import type { Dispatcher } from 'undici';
import { proxyFor, type ProxyRoute } from './route.js';

/** A dispatcher for one proxy. */
export interface ProxiedDispatcher {
  dispatcher: Dispatcher;
  route: ProxyRoute;
}

const dispatchers = new Map<string, Promise<ProxiedDispatcher>>();

/**
 * The dispatcher for a request to `target`, or undefined to connect directly.
 * @throws ProxyError `PROXY_INVALID` when the proxy variable is not an http(s) URL
 */
export function proxyDispatcherFor(target: URL): Promise<ProxiedDispatcher> | undefined {
  const route = proxyFor(target);
  if (route === undefined) return undefined;
  const tunnel = target.protocol === 'https:';
  const key = `${tunnel ? 'tunnel' : 'forward'} ${route.url.href}`;
  let made = dispatchers.get(key);
  if (made === undefined) {
    made = import('undici').then(({ ProxyAgent }) => ({
      // The URL's user:password becomes the Proxy-Authorization header (Basic).
      dispatcher: new ProxyAgent({ uri: route.url.href, proxyTunnel: tunnel }),
      route,
    }));
    dispatchers.set(key, made);
    made.catch(() => dispatchers.delete(key));
  }
  return made;
}

/**
 * The proxy's status when `error` (a rejected fetch) failed at the proxy: undici reports a
 * refused CONNECT as "Proxy response (407) !== 200 when HTTP Tunneling" and a refused forwarded
 * request as "Proxy Authentication Required (407)", somewhere in the cause chain.
 */
export function proxyStatusOf(error: unknown): number | undefined {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string') {
      const match = /Proxy response \((\d{3})\)|Proxy Authentication Required \((\d{3})\)/.exec(message);
      if (match) return Number(match[1] ?? match[2]);
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
