/**
 * The workspace's HTTP server: routes the device endpoints (§2), webhooks (§7), the admin API
 * and the WebSocket upgrade (§3). Every answer is JSON; unexpected failures are logged and answered 500.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ADMIN_PREFIX, handleAdmin, type AdminContext } from './admin-api.js';
import { connect, disconnect, register, type DeviceContext } from './device.js';
import { HttpError, sendJson } from './http-io.js';
import { createUpgradeHandler, type TransportContext } from './transport.js';
import { OAUTH_CALLBACK_PATH } from './oauth.js';
import { EVENT_PREFIX, handleEvent, type WebhookContext } from './webhooks.js';

/** Everything the routes need. */
export type HttpContext = AdminContext & DeviceContext & TransportContext & WebhookContext;

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
    if (req.method !== 'POST') throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${url.pathname} takes POST`);
    await device(ctx, req, res);
    return;
  }
  // §6 step 3: the provider sends the person's browser back here.
  if (url.pathname === OAUTH_CALLBACK_PATH) {
    if (req.method !== 'GET') throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${url.pathname} takes GET`);
    await ctx.oauth.callback(res, url);
    return;
  }
  // §7: a workspace webhook's messages.
  if (url.pathname.startsWith(EVENT_PREFIX)) {
    await handleEvent(ctx, req, res, url.pathname.slice(EVENT_PREFIX.length));
    return;
  }
  if (url.pathname.startsWith(ADMIN_PREFIX)) {
    const answer = await handleAdmin(ctx, req, url);
    sendJson(res, answer.status, answer.body);
    return;
  }
  throw new HttpError(404, 'NOT_FOUND', `no route ${req.method ?? ''} ${url.pathname}`);
}

function fail(logger: Logger, req: IncomingMessage, res: ServerResponse, error: unknown): void {
  const http =
    error instanceof HttpError ? error : new HttpError(500, 'INTERNAL', 'the workspace failed to serve this request: see its log');
  if (!(error instanceof HttpError)) {
    logger.error({ method: req.method, path: req.url?.split('?', 1)[0], err: (error as Error).message }, 'request failed');
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const admin = (req.url ?? '').startsWith(ADMIN_PREFIX);
  // Device endpoints answer `{"error": "<message>"}` as v1 connectors expect; the admin API is structured.
  const body = admin
    ? { error: { code: http.code, message: http.message, ...(http.details === undefined ? {} : { details: http.details }) } }
    : { error: http.message };
  sendJson(res, http.status, body);
}
