/**
 * The device endpoints a connector calls over HTTP (§2): register, connect, disconnect.
 * Errors answer `{"error": "<message>"}` with the status of §2 (401 sends a connector back to
 * registration; anything else makes it retry or report).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AUTH_SCHEME,
  Feature,
  negotiateFeatures,
  type ConnectorSchema,
  type ProtocolAnnouncement,
  type RegisterBody,
} from '@connector-kit/sdk/protocol';
import { importPublicKey } from '@connector-kit/sdk/secrets';
import type { Logger } from 'pino';
import type { InstanceRecord, Store } from '../store/store.js';
import { HttpError, readAuthorization, readJsonBody, sendJson, sha256 } from './http-io.js';
import type { Hub } from './hub.js';

/** Every extension this workspace supports (§8). */
export const WORKSPACE_FEATURES: readonly string[] = Object.values(Feature);

/** What the device endpoints need. */
export interface DeviceContext {
  store: Store;
  hub: Hub;
  logger: Logger;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The workspace's answer to a `protocol` announcement (§8), or undefined for a v1 peer. */
function negotiate(announcement: unknown): ProtocolAnnouncement | undefined {
  if (announcement === undefined) return undefined;
  const theirs = isRecord(announcement) ? announcement.features : undefined;
  return { version: 1, features: negotiateFeatures(WORKSPACE_FEATURES, theirs) };
}

/**
 * Checks a register body (§2) field by field.
 * @throws HttpError 400 naming the field that is wrong
 */
export function checkRegisterBody(body: unknown): RegisterBody {
  const fail = (message: string): never => {
    throw new HttpError(400, 'BAD_REQUEST', `invalid register body: ${message}`);
  };
  if (!isRecord(body)) return fail('expected a JSON object');
  for (const field of ['id', 'name', 'version'] as const) {
    if (typeof body[field] !== 'string' || body[field] === '')
      fail(`"${field}" must be a non-empty string, got ${JSON.stringify(body[field])}`);
  }
  if (body.deployment !== undefined && body.deployment !== null && typeof body.deployment !== 'string') {
    fail(`"deployment" must be a string, got ${JSON.stringify(body.deployment)}`);
  }
  if (body.publicKey !== undefined && body.publicKey !== null && typeof body.publicKey !== 'string') {
    fail('"publicKey" must be a base64 PEM string or null');
  }
  const schema = body.schema;
  if (!isRecord(schema)) return fail('"schema" must be an object {"configSchema": {…}, "introspect": "…"}');
  if (!isRecord(schema.configSchema)) fail('"schema.configSchema" must be an object');
  const fields = (schema.configSchema as Record<string, unknown>).fields;
  if (fields !== undefined && !isRecord(fields)) fail('"schema.configSchema.fields" must be an object');
  if (typeof schema.introspect !== 'string') fail('"schema.introspect" must be a string of TypeScript declarations');
  if (schema.methods !== undefined && !isRecord(schema.methods)) fail('"schema.methods" must be an object');
  if (body.protocol !== undefined && !isRecord(body.protocol)) fail('"protocol" must be an object {"version": 1, "features": […]}');
  return body as unknown as RegisterBody;
}

/** Looks up the instance of the connector key in `Authorization: Connector <key>`. */
export async function instanceOfRequest(store: Store, authorization: string | undefined): Promise<InstanceRecord | undefined> {
  const key = readAuthorization(authorization, AUTH_SCHEME);
  return key === undefined ? undefined : store.findInstanceByKey(sha256(key));
}

/** `POST /register` (§2 step 2). */
export async function register(ctx: DeviceContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const token = readAuthorization(req.headers.authorization, AUTH_SCHEME);
  const connector = token === undefined ? undefined : await ctx.store.findConnectorByToken(sha256(token));
  if (!connector) {
    throw new HttpError(
      401,
      'AUTH_FAILED',
      token === undefined
        ? `REGISTRATION_TOKEN is missing: send "Authorization: ${AUTH_SCHEME} <token>" with the token printed by 'workspace connector add'`
        : "REGISTRATION_TOKEN is not a registration token of this workspace: copy the token printed by 'workspace connector add', or make a new one with 'workspace connector token <name>'",
    );
  }
  const body = checkRegisterBody(await readJsonBody(req));
  if (body.id !== connector.connectorId) {
    throw new HttpError(
      403,
      'CONNECTOR_ID_MISMATCH',
      `the connector id "${body.id}" of the register body does not match connector id "${connector.connectorId}" of connector "${connector.name}", whose registration token was used: set connectorId in package.json to "${connector.connectorId}", or use the token of the connector with id "${body.id}"`,
    );
  }
  const publicKey = typeof body.publicKey === 'string' && body.publicKey !== '' ? body.publicKey : null;
  if (publicKey !== null) {
    try {
      importPublicKey(publicKey);
    } catch (error) {
      throw new HttpError(400, 'BAD_REQUEST', `invalid register body: "publicKey": ${(error as Error).message}`);
    }
  }
  const schema = body.schema;
  const manifest: ConnectorSchema = { configSchema: schema.configSchema, introspect: schema.introspect };
  if (schema.methods !== undefined) manifest.methods = schema.methods;

  // The connector key is shown once, here; only its hash is kept.
  const key = randomBytes(32).toString('base64url');
  const instance = await ctx.store.createInstance({
    connector: connector.name,
    name: body.name,
    version: body.version,
    deployment: typeof body.deployment === 'string' ? body.deployment : '',
    publicKey,
    keyHash: sha256(key),
    manifest,
  });
  const protocol = negotiate(body.protocol);
  ctx.hub.setFeatures(instance.id, protocol?.features ?? []);
  ctx.logger.info({ connector: connector.name, instance: instance.id, name: body.name, version: body.version }, 'instance registered');
  sendJson(res, 200, protocol === undefined ? { key } : { key, protocol });
}

/** `POST /connect` (§2 step 1). */
export async function connect(ctx: DeviceContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const instance = await instanceOfRequest(ctx.store, req.headers.authorization);
  if (!instance) throw new HttpError(401, 'AUTH_FAILED', 'the connector key is missing or unknown to this workspace: register first');
  const body = await readJsonBody(req);
  const protocol = negotiate(isRecord(body) ? body.protocol : undefined);
  ctx.hub.setFeatures(instance.id, protocol?.features ?? []);
  await ctx.store.touchInstance(instance.id);
  const answer: Record<string, unknown> = {
    // `connector`: the name commands take (the SDK puts it into messages such as 'workspace oauth connect <name>').
    instance: {
      id: instance.id,
      name: instance.name,
      connectorId: await connectorIdOf(ctx.store, instance),
      connector: instance.connector,
    },
  };
  if (protocol !== undefined) answer.protocol = protocol;
  sendJson(res, 200, answer);
}

async function connectorIdOf(store: Store, instance: InstanceRecord): Promise<string> {
  return (await store.getConnector(instance.connector))?.connectorId ?? '';
}

/** `POST /disconnect` (§2 step 3): the instance is going away; close its socket. */
export async function disconnect(ctx: DeviceContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const instance = await instanceOfRequest(ctx.store, req.headers.authorization);
  if (!instance) throw new HttpError(401, 'AUTH_FAILED', 'the connector key is missing or unknown to this workspace');
  await readJsonBody(req).catch(() => undefined);
  ctx.hub.disconnect(instance.id);
  sendJson(res, 200, { ok: true });
}
