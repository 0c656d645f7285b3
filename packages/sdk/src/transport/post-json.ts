/**
 * One JSON POST over `node:http`/`node:https`, for the device endpoints (protocol.md §2).
 *
 * Not `fetch`: the first `fetch` in a process loads Node's bundled undici, which cost the
 * connector about 40 ms of its start (bench/RESULTS.md, "process start → first call"), three
 * requests before it can serve anything. These requests need none of what fetch adds.
 *
 * Redirects: a 307/308 to the same origin is followed (method and body kept). Anything else
 * that redirects is refused, because following it would send the connector key or the
 * registration token to another address, or turn the POST into a GET.
 *
 * Proxies: `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` apply (proxy/route.ts); what the proxy itself
 * refuses becomes a ProxyError that names it, never the workspace's fault.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { proxyAgentFor, proxyAnswerError, proxyUnreachableError } from '../proxy/index.js';

/** A finished response; the body is read whole (at most `maxBodyBytes`). */
export interface PostAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  /** Bodies longer than this are cut (device answers are small). @default 1 MiB */
  maxBodyBytes?: number;
  /** Same-origin 307/308 hops followed. @default 3 */
  maxRedirects?: number;
}

/** Thrown for a redirect that is not followed; `location` is where it pointed. */
export class RedirectRefused extends Error {
  constructor(
    readonly status: number,
    readonly location: string,
  ) {
    super(`redirect ${status} to ${location}`);
    this.name = 'RedirectRefused';
  }
}

/**
 * POSTs `options.body` to `url`. Rejects with the socket's error (e.g. `ECONNREFUSED`) or the signal's reason.
 * @throws ProxyError `PROXY_AUTH_FAILED`, `PROXY_REFUSED`, `PROXY_UNAVAILABLE` when a proxy is in the way and fails
 */
export async function postJson(url: URL, options: PostOptions): Promise<PostAnswer> {
  let target = url;
  for (let hop = 0; ; hop++) {
    const answer = await postOnce(target, options);
    if (answer.status < 300 || answer.status >= 400 || answer.status === 304) return answer;
    const location = answer.headers.location;
    if (location === undefined) return answer;
    const next = new URL(location, target);
    const followable = (answer.status === 307 || answer.status === 308) && next.origin === target.origin;
    if (!followable || hop >= (options.maxRedirects ?? 3)) throw new RedirectRefused(answer.status, next.href);
    target = next;
  }
}

async function postOnce(url: URL, options: PostOptions): Promise<PostAnswer> {
  const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
  if (send === undefined) throw new TypeError(`${url.protocol} URLs are not supported: use http: or https:`);
  if (options.signal.aborted) throw options.signal.reason as Error;
  const proxied = await proxyAgentFor(url);
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
        signal: options.signal,
        // A fresh connection each time (agent: false): a pooled one may sit on a path that died,
        // and these few requests gain nothing from keep-alive.
        agent: proxied === undefined ? false : proxied.agent,
      },
      (response) => {
        const refused = proxied === undefined ? undefined : proxied.refusal(request, response.statusCode ?? 0);
        if (refused !== undefined) {
          response.resume();
          reject(proxyAnswerError(proxied!.route, refused, url.href));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < limit) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).subarray(0, limit).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    // An abort rejects with the signal's reason (a TimeoutError for the time-out), not a bare AbortError.
    request.on('error', (error) => {
      if (options.signal.aborted) reject(options.signal.reason as Error);
      else if (proxied !== undefined) reject(proxyUnreachableError(proxied.route, url.href, error.message, error));
      else reject(error);
    });
    request.end(options.body);
  });
}
