/**
 * The workspace's HTTP server: routes the device endpoints (§2), webhooks (§7), the admin API
 * and the WebSocket upgrade (§3). Every answer is JSON; unexpected failures are logged and answered 500.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ADMIN_PREFIX, handleAdmin, type AdminContext } from './admin-api.js';
import { connect, disconnect, register, type DeviceContext } from './device.js';
import { sendJson } from './http-io.js';
import { createUpgradeHandler, type TransportContext } from './transport.js';
import { OAUTH_CALLBACK_PATH } from './oauth.js';
import { EVENT_PREFIX, handleEvent, type WebhookContext } from './webhooks.js';
import { ENDPOINT_PREFIX, handleEndpoint, type EndpointContext } from './endpoint.js';
import { RequestRejected } from '../errors.js';

/** Everything the routes need. */
export type HttpContext = AdminContext & DeviceContext & TransportContext & WebhookContext & EndpointContext;

type DeviceHandler = (ctx: DeviceContext, req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** §2 endpoints, relative to DEVICE_ENDPOINT (the server root). */
const DEVICE_ROUTES = new Map<string, DeviceHandler>([
  ['/register', register],
  ['/connect', connect],
  ['/disconnect', disconnect],
]);

/** Creates the server (not yet listening) and the `ws` server behind its upgrades. */
export function createHttpServer(ctx: HttpContext): { server: Server; closeWebSocketServer: () => void } {
  const server = createServer((req, res) => {
    handle(ctx, req, res).catch((error: unknown) => fail(ctx.logger, req, res, error));
  });
  const { onUpgrade, wss } = createUpgradeHandler(ctx);
  server.on('upgrade', onUpgrade);
  return { server, closeWebSocketServer: () => wss.close() };
}

async function handle(ctx: HttpContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://workspace.invalid');
  const device = DEVICE_ROUTES.get(url.pathname);
  if (device) {
    if (req.method !== 'POST') throw new RequestRejected('METHOD_NOT_ALLOWED', `${url.pathname} takes POST`, { status: 405 });
    await device(ctx, req, res);
    return;
  }
  // §6 step 3: the provider sends the person's browser back here.
  if (url.pathname === OAUTH_CALLBACK_PATH) {
    if (req.method !== 'GET') throw new RequestRejected('METHOD_NOT_ALLOWED', `${url.pathname} takes GET`, { status: 405 });
    await ctx.oauth.callback(res, url);
    return;
  }
  // §7: a workspace webhook's messages.
  if (url.pathname.startsWith(EVENT_PREFIX)) {
    await handleEvent(ctx, req, res, url.pathname.slice(EVENT_PREFIX.length));
    return;
  }
  // §7: data posted to a connector's endpoint.
  if (url.pathname.startsWith(ENDPOINT_PREFIX)) {
    await handleEndpoint(ctx, req, res, url.pathname.slice(ENDPOINT_PREFIX.length));
    return;
  }
  if (url.pathname.startsWith(ADMIN_PREFIX)) {
    // Aborts when the client goes away before its answer was written (§8 `cancellation`: a call it
    // made is cancelled in the connector too).
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    const answer = await handleAdmin(ctx, req, url, gone.signal);
    if (gone.signal.aborted) return; // nobody to answer
    if (answer.stream) answer.stream(res);
    else sendJson(res, answer.status, answer.body);
    return;
  }
  throw new RequestRejected('NOT_FOUND', `no route ${req.method ?? ''} ${url.pathname}`, { status: 404 });
}

/** The path for the log: an endpoint URL's last segment is its token, and never logged. */
function loggedPath(url: string | undefined): string | undefined {
  const path = url?.split('?', 1)[0];
  if (path === undefined || !path.startsWith(ENDPOINT_PREFIX)) return path;
  return path.replace(/^(\/endpoint\/[^/]*\/).*$/, '$1…');
}

function fail(logger: Logger, req: IncomingMessage, res: ServerResponse, error: unknown): void {
  const http =
    error instanceof RequestRejected
      ? error
      : new RequestRejected('INTERNAL', 'the workspace failed to serve this request: see its log', { status: 500 });
  if (!(error instanceof RequestRejected)) {
    logger.error({ method: req.method, path: loggedPath(req.url), err: (error as Error).message }, 'request failed');
  }
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const admin = (req.url ?? '').startsWith(ADMIN_PREFIX);
  // Device endpoints answer `{"error": "<message>"}` as v1 connectors expect; the admin API is structured.
  const body = admin
    ? { error: { code: http.code, message: http.message, ...(http.details === undefined ? {} : { details: http.details }) } }
    : { error: http.message };
  const retryAfter = (http.details as { retryAfter?: unknown } | undefined)?.retryAfter;
  sendJson(res, http.status, body, {
    ...(typeof retryAfter === 'number' ? { 'retry-after': String(retryAfter) } : {}),
    // A refused request's body may still be arriving (e.g. a rate-limited register): close rather than read it.
    ...(req.complete ? {} : { connection: 'close' }),
  });
}
