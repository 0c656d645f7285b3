/**
 * The connector endpoint (protocol.md §7): `POST /endpoint/<connector>/<token>` forwards the
 * posted data to the connector as `connector.query` of `_endpoint`, and answers with what the
 * connector's endpoint handler returned. The token is the managed config field `_endpointToken`,
 * made by the workspace when a connector whose accepted manifest declares it registers (or is
 * approved), and rotatable.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ENDPOINT_TOKEN_FIELD, SpecialQuery, type ConnectorSchema } from '@connector-kit/sdk/protocol';
import { RequestRejected, WorkspaceError } from '../errors.js';
import type { Store } from '../store/store.js';
import { readBody, secretsEqual, sendJson, sendRefusal } from './http-io.js';
import type { Hub } from './hub.js';
import { incomingTrace } from './tracing.js';
import type { WebhookLimits, WebhookRateLimiter } from './webhooks.js';

/** Path prefix of the connector endpoints. */
export const ENDPOINT_PREFIX = '/endpoint/';

/** Default deadline of the connector's answer to endpoint data, in ms: the sender waits for it. */
export const ENDPOINT_TIMEOUT_MS = 30_000;

/** A new endpoint token: 192 random bits, URL-safe. */
export function newEndpointToken(): string {
  return randomBytes(24).toString('base64url');
}

/** True when the manifest declares the endpoint's field (§7: the connector has an endpoint). */
export function hasEndpoint(manifest: ConnectorSchema | undefined): boolean {
  const fields = manifest?.configSchema?.fields;
  return typeof fields === 'object' && fields !== null && Object.hasOwn(fields, ENDPOINT_TOKEN_FIELD);
}

/** The endpoint URL of `connector` under `baseUrl` (with its trailing slash). */
export function endpointUrl(baseUrl: string, connector: string, token: string): string {
  const path = `${ENDPOINT_PREFIX}${encodeURIComponent(connector)}/${token}`;
  return baseUrl === '' ? path : new URL(path.slice(1), baseUrl).href;
}

/** The stored token of `connector`, or undefined. */
export async function endpointToken(store: Store, connector: string): Promise<string | undefined> {
  const entry = (await store.getConfig(connector)).find((e) => e.field === ENDPOINT_TOKEN_FIELD);
  return typeof entry?.value === 'string' && entry.value !== '' ? entry.value : undefined;
}

/**
 * §7 "managed by the workspace": gives a connector whose manifest declares `_endpointToken` a
 * token when it has none (on registration, so the first `set-config` carries it).
 */
export async function ensureEndpointToken(store: Store, connector: string, manifest: ConnectorSchema): Promise<string | undefined> {
  if (!hasEndpoint(manifest)) return undefined;
  const existing = await endpointToken(store, connector);
  if (existing !== undefined) return existing;
  const token = newEndpointToken();
  await store.setConfig(connector, [{ field: ENDPOINT_TOKEN_FIELD, value: token, secret: false }]);
  return token;
}

/**
 * Replaces the token (the old URL stops working at once) and sends the new config to the
 * connector's instances.
 * @throws WorkspaceError `BAD_REQUEST` when the connector declares no endpoint
 */
export async function rotateEndpointToken(store: Store, hub: Hub, connector: string): Promise<string> {
  const accepted = await store.acceptedInstance(connector);
  if (!hasEndpoint(accepted?.manifest)) {
    throw new WorkspaceError(
      'BAD_REQUEST',
      accepted === undefined
        ? `connector "${connector}" has not registered yet: start it, then its endpoint (if it declares one) gets a URL`
        : `connector "${connector}" declares no endpoint (§7): give it an \`endpoint\` handler in defineConnector and restart it`,
    );
  }
  const token = newEndpointToken();
  await store.setConfig(connector, [{ field: ENDPOINT_TOKEN_FIELD, value: token, secret: false }]);
  await hub.pushConfig(connector);
  return token;
}

/** What the endpoint route needs. */
export interface EndpointContext {
  store: Store;
  hub: Hub;
  logger: Logger;
  /** Body size and rate limits, shared with the webhooks (§7). */
  webhookLimits: Required<WebhookLimits>;
  webhookRate: WebhookRateLimiter;
  /** Deadline of the connector's answer. @default 30000 */
  endpointTimeoutMs?: number;
}

/** HTTP status of each call error code; any other error of the connector or its link is 502. */
const CALL_STATUS = new Map<string, number>([
  ['CONNECTOR_OFFLINE', 503],
  ['CONNECTOR_BUSY', 503],
  ['TIMEOUT', 504],
  ['INPUT_INVALID', 422],
  ['METHOD_NOT_FOUND', 501],
]);

const NOT_FOUND = (): RequestRejected =>
  new RequestRejected('NOT_FOUND', "no such endpoint: check the URL ('workspace connector show <name>' prints it)", { status: 404 });

/** The posted body as the query's variables: a JSON object, or the fields of a form. */
function parseData(body: Buffer, contentType: string | undefined): Record<string, unknown> {
  const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (body.length === 0) return {};
  if (type === 'application/x-www-form-urlencoded') {
    const data: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) {
      // defineProperty: a field named "__proto__" stays a field.
      Object.defineProperty(data, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return data;
  }
  if (type !== '' && type !== 'application/json' && !type.endsWith('+json')) {
    throw new RequestRejected('UNSUPPORTED_MEDIA_TYPE', `the endpoint takes application/json or a form, not ${type}`, { status: 415 });
  }
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new RequestRejected('BAD_REQUEST', `the body is not JSON: ${(error as Error).message}`, { status: 400 });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new RequestRejected('BAD_REQUEST', "the body must be a JSON object: its members are the endpoint handler's data", {
      status: 400,
    });
  }
  return data as Record<string, unknown>;
}

/** Serves `POST /endpoint/<connector>/<token>` (§7). */
export async function handleEndpoint(ctx: EndpointContext, req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
  const limits = ctx.webhookLimits;
  let connector: string | undefined;
  try {
    if (req.method !== 'POST')
      throw new RequestRejected('METHOD_NOT_ALLOWED', `${ENDPOINT_PREFIX}<connector>/<token> takes POST`, { status: 405 });
    const parts = rest.split('/');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw NOT_FOUND();
    let name: string;
    try {
      name = decodeURIComponent(parts[0]!);
    } catch {
      throw NOT_FOUND();
    }
    // One answer for an unknown connector, one without an endpoint and a wrong token: the URL is the credential.
    // The accepted manifest (issue 13) must declare the endpoint: a stored token alone opens nothing.
    const declared = (await ctx.store.getConnector(name)) !== undefined && hasEndpoint((await ctx.store.acceptedInstance(name))?.manifest);
    const token = declared ? await endpointToken(ctx.store, name) : undefined;
    if (token === undefined || !secretsEqual(token, parts[1]!)) throw NOT_FOUND();
    connector = name;
    const wait = ctx.webhookRate.take(`endpoint:${name}`);
    if (wait > 0) {
      throw new RequestRejected(
        'RATE_LIMITED',
        `this endpoint takes at most ${limits.ratePerSecond} requests per second: retry after ${wait} s`,
        {
          status: 429,
          details: {
            retryAfter: wait,
          },
        },
      );
    }
    const data = parseData(await readBody(req, limits.maxBodyBytes, 'stop'), req.headers['content-type']);
    let result: unknown;
    try {
      result = await ctx.hub.call(name, SpecialQuery.endpoint, data, {
        timeoutMs: ctx.endpointTimeoutMs ?? ENDPOINT_TIMEOUT_MS,
        trace: incomingTrace(req),
      });
    } catch (error) {
      if (!(error instanceof WorkspaceError)) throw error;
      throw new RequestRejected(error.code, error.message, { status: CALL_STATUS.get(error.code) ?? 502 });
    }
    ctx.logger.info({ connector: name }, 'endpoint data delivered');
    sendJson(res, 200, result ?? {});
  } catch (error) {
    if (!(error instanceof RequestRejected)) throw error;
    if (error.status !== 404 && error.status !== 429) {
      // The reason only: never the URL (it holds the token), headers or the body.
      ctx.logger.warn({ connector, status: error.status, code: error.code }, 'endpoint request refused');
    }
    sendRefusal(req, res, error);
  }
}
