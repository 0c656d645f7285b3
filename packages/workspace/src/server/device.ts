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
  checkConnectBody as checkConnectBodyShape,
  checkRegisterBody as checkRegisterBodyShape,
  type ConnectBody,
  type ConnectorSchema,
  type ProtocolAnnouncement,
  type RegisterBody,
} from '@connector-kit/sdk/protocol';
import { importPublicKey } from '@connector-kit/sdk/secrets';
import type { Logger } from 'pino';
import type { InstanceRecord, Store } from '../store/store.js';
import { readAuthorization, readJsonBody, sendJson, sha256 } from './http-io.js';
import type { Hub } from './hub.js';
import { admission, keyOfInstance, refusedTokenMessage } from './trust.js';
import { checkRegisterSizes, type DeviceLimits, type RegistrationRateLimiter } from './limits.js';
import { ensureEndpointToken } from './endpoint.js';
import { RequestRejected } from '../errors.js';

/** Every extension this workspace supports (§8). */
export const WORKSPACE_FEATURES: readonly string[] = Object.values(Feature);

/** What the device endpoints need. */
export interface DeviceContext {
  store: Store;
  hub: Hub;
  logger: Logger;
  /** Sizes per field of the bodies (limits.ts). */
  deviceLimits: Required<DeviceLimits>;
  /** Registrations per registration token (limits.ts). */
  registrationRate: RegistrationRateLimiter;
}

/** The workspace's answer to a checked `protocol` announcement (§8), or undefined for a v1 peer. */
function negotiate(announcement: ProtocolAnnouncement | undefined): ProtocolAnnouncement | undefined {
  if (announcement === undefined) return undefined;
  return { version: 1, features: negotiateFeatures(WORKSPACE_FEATURES, announcement.features) };
}

/**
 * Checks a register body (§2 step 2) with the shared validator.
 * @throws RequestRejected `BAD_REQUEST` (400) naming the member that is wrong
 */
export function checkRegisterBody(body: unknown): RegisterBody {
  const result = checkRegisterBodyShape(body);
  if (!result.ok) throw new RequestRejected('BAD_REQUEST', `invalid register body: ${result.problem.message}`, { status: 400 });
  return result.value;
}

/**
 * Checks a connect body (§2 step 1): none or `{}` (v1), or `{"protocol": …}` (§8).
 * @throws RequestRejected `BAD_REQUEST` (400) naming the member that is wrong
 */
export function checkConnectBody(body: unknown): ConnectBody {
  const result = checkConnectBodyShape(body);
  if (!result.ok) throw new RequestRejected('BAD_REQUEST', `invalid connect body: ${result.problem.message}`, { status: 400 });
  return result.value;
}

/** Looks up the instance of the connector key in `Authorization: Connector <key>`; a revoked one counts as unknown. */
export async function instanceOfRequest(store: Store, authorization: string | undefined): Promise<InstanceRecord | undefined> {
  const key = readAuthorization(authorization, AUTH_SCHEME);
  const instance = key === undefined ? undefined : await store.findInstanceByKey(sha256(key));
  // A revoked instance's key is as good as unknown: 401 everywhere (§2), no socket (§3).
  return instance?.revoked === null ? instance : undefined;
}

/** `POST /register` (§2 step 2). */
export async function register(ctx: DeviceContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const token = readAuthorization(req.headers.authorization, AUTH_SCHEME);
  // Checked before the body is read (no work for a stranger), used only once the body is valid
  // (a malformed body does not cost a use of a limited token).
  const check = token === undefined ? undefined : await ctx.store.checkRegistrationToken(sha256(token));
  if (!check?.ok) throw new RequestRejected('AUTH_FAILED', refusedTokenMessage(check?.reason ?? 'missing', AUTH_SCHEME), { status: 401 });
  const connector = check.connector;
  // Counted before the body is read: a flood of registrations costs neither memory nor store rows.
  ctx.registrationRate.take(sha256(token!), connector.name);
  const body = checkRegisterBody(await readJsonBody(req));
  checkRegisterSizes(body, ctx.deviceLimits);
  if (body.id !== connector.connectorId) {
    throw new RequestRejected(
      'CONNECTOR_ID_MISMATCH',
      `the connector id "${body.id}" of the register body does not match connector id "${connector.connectorId}" of connector "${connector.name}", whose registration token was used: set connectorId in package.json to "${connector.connectorId}", or use the token of the connector with id "${body.id}"`,
      { status: 403 },
    );
  }
  const publicKey = body.publicKey !== '' ? body.publicKey : null;
  if (publicKey !== null) {
    try {
      importPublicKey(publicKey);
    } catch (error) {
      throw new RequestRejected('BAD_REQUEST', `invalid register body: "publicKey": ${(error as Error).message}`, { status: 400 });
    }
  }
  const schema = body.schema;
  const manifest: ConnectorSchema = { configSchema: schema.configSchema, introspect: schema.introspect };
  if (schema.methods !== undefined) manifest.methods = schema.methods;

  const used = await ctx.store.useRegistrationToken(sha256(token!));
  if (!used.ok) throw new RequestRejected('AUTH_FAILED', refusedTokenMessage(used.reason, AUTH_SCHEME), { status: 401 });

  // The connector key is shown once, here; only its hash is kept.
  const key = randomBytes(32).toString('base64url');
  const instance = await ctx.store.createInstance({
    connector: connector.name,
    name: body.name,
    version: body.version,
    deployment: body.deployment,
    publicKey,
    keyHash: sha256(key),
    manifest,
    tokenId: used.tokenId,
  });
  const protocol = negotiate(body.protocol);
  await acceptOrKeepManifest(ctx, instance, protocol?.features.includes(Feature.keyProof) === true && publicKey !== null);
  ctx.hub.setFeatures(instance.id, protocol?.features ?? []);
  // §7: an endpoint's token is the workspace's to make, before the first set-config; the accepted
  // manifest decides whether there is an endpoint, not what any registration claims.
  const accepted = await ctx.store.acceptedInstance(connector.name);
  if (accepted !== undefined) await ensureEndpointToken(ctx.store, connector.name, accepted.manifest);
  ctx.logger.info({ connector: connector.name, instance: instance.id, name: body.name, version: body.version }, 'instance registered');
  sendJson(res, 200, protocol === undefined ? { key } : { key, protocol });
}

/**
 * A registration never silently replaces the accepted manifest (config schema, methods) nor adds
 * a key (issue 13 finding 1). Its key is recorded: a connector's first is accepted, a later new
 * one waits for `workspace connector approve`. The first registration's manifest is accepted; a
 * later one replaces it (a new version, issue 17 item 5) when its key is accepted and, where
 * instances must prove their key (key-proof), only once this one proved it (transport.ts).
 */
async function acceptOrKeepManifest(ctx: DeviceContext, instance: InstanceRecord, keyProof: boolean): Promise<void> {
  const key = await keyOfInstance(ctx.store, instance);
  const accepted = await ctx.store.acceptedInstance(instance.connector);
  if (accepted === undefined) {
    await ctx.store.acceptManifest(instance.connector, instance.id);
    return;
  }
  if (key.state !== 'accepted') {
    ctx.logger.warn(
      { connector: instance.connector, instance: instance.id, name: instance.name, kid: key.kid },
      `instance "${instance.name}" registered with a public key the workspace has not accepted: it gets no calls, config or OAuth steps, and the connector's manifest stays that of instance ${accepted.id}, until 'workspace connector approve ${instance.connector} ${instance.id}'`,
    );
    return;
  }
  const mustProve = keyProof || (await ctx.store.proofRequired(instance.connector));
  if (!mustProve) await ctx.store.acceptManifest(instance.connector, instance.id);
}

/** `POST /connect` (§2 step 1). */
export async function connect(ctx: DeviceContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const instance = await instanceOfRequest(ctx.store, req.headers.authorization);
  if (!instance)
    throw new RequestRejected('AUTH_FAILED', 'the connector key is missing or unknown to this workspace: register first', { status: 401 });
  const body = checkConnectBody(await readJsonBody(req, ctx.deviceLimits.connectBodyBytes));
  const protocol = negotiate(body.protocol);
  ctx.hub.setFeatures(instance.id, protocol?.features ?? []);
  // Registration trust (issue 13 finding 1): an instance whose key is not accepted, or that
  // cannot prove it holds it where proof is required, is told why and retries (§2: not 401).
  const admitted = await admission(ctx.store, instance, protocol?.features.includes(Feature.keyProof) === true);
  if (!admitted.ok) throw new RequestRejected(admitted.code, admitted.message, { status: 403 });
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
  // key-proof (§8): the instance signs this for the upgrade that follows (transport.ts).
  if (admitted.proof) answer.challenge = ctx.hub.issueChallenge(instance.id);
  sendJson(res, 200, answer);
}

async function connectorIdOf(store: Store, instance: InstanceRecord): Promise<string> {
  return (await store.getConnector(instance.connector))?.connectorId ?? '';
}

/** `POST /disconnect` (§2 step 3): the instance is going away; close its socket. */
export async function disconnect(ctx: DeviceContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const instance = await instanceOfRequest(ctx.store, req.headers.authorization);
  if (!instance) throw new RequestRejected('AUTH_FAILED', 'the connector key is missing or unknown to this workspace', { status: 401 });
  await readJsonBody(req, ctx.deviceLimits.connectBodyBytes).catch(() => undefined);
  ctx.hub.disconnect(instance.id);
  sendJson(res, 200, { ok: true });
}
