/**
 * The admin HTTP API under `/api/v1/` (bearer token): connectors, their tokens and config,
 * calls to their methods, webhooks, and tasks. Answers are JSON; errors are `{"error": {code, message, details?}}`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CONNECTOR_NAME_PATTERN,
  Feature,
  normalizeQueryName,
  readWebhookSubscribeAnswer,
  WorkspaceMethod,
  type WebhookSubscribeArgs,
  type WebhookUnsubscribeArgs,
} from '@connector-kit/sdk/protocol';
import { encryptSecret, importPublicKey } from '@connector-kit/sdk/secrets';
import type { Logger } from 'pino';
import { RequestRejected, WorkspaceError } from '../errors.js';
import { methodsOfManifest } from '../manifest.js';
import type { ConnectorRecord, InstanceRecord, RegistrationTokenRecord, Store, TaskRecord, WebhookRecord } from '../store/store.js';
import { ACTIVITY_KEPT } from './activity.js';
import { checkConfigValues, configView, encryptConfigValues, schemaFields, type EncryptionKey } from './config.js';
import { readAuthorization, readJsonBody, secretsEqual, sha256 } from './http-io.js';
import type { Hub, OnlineInstance } from './hub.js';
import type { OAuthService } from './oauth.js';
import { keyOfInstance, kidOf, tokenLimits } from './trust.js';
import { EVENT_PREFIX, newWebhookId, newWebhookSecret, webhookKey } from './webhooks.js';
import { incomingTrace } from './tracing.js';
import { endpointToken, endpointUrl, ensureEndpointToken, hasEndpoint, rotateEndpointToken } from './endpoint.js';
import { isRecord } from '@connector-kit/sdk/protocol';

/** Path prefix of the admin API. */
export const ADMIN_PREFIX = '/api/v1/';

/** What the admin API needs. */
export interface AdminContext {
  store: Store;
  hub: Hub;
  logger: Logger;
  adminToken: string;
  /** Largest `timeoutMs` a call may ask for. */
  callTimeoutMs: number;
  /** Lifetime of a new registration token without its own `ttlSeconds`; null: never expires. */
  registrationTokenTtlMs: number | null;
  /** The OAuth flow (§6). */
  oauth: OAuthService;
  /** Where the workspace is reached (`publicUrl`, else the listen URL), for webhook URLs. */
  baseUrl: string;
}

/** An answer of a route: a JSON body, or a response that streams (`stream` writes it). */
interface Answer {
  status: number;
  body: unknown;
  stream?: (res: ServerResponse) => void;
}

/** `signal` aborts when the HTTP client goes away before its answer. */
type Handler = (ctx: AdminContext, req: IncomingMessage, params: string[], url: URL, signal: AbortSignal) => Promise<Answer>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

/** HTTP status of each call error code; any other error of the connector or its link is 502. */
const CALL_ERROR_STATUS = new Map<string, number>([
  ['CONNECTOR_OFFLINE', 503],
  ['CONNECTOR_BUSY', 503],
  ['TIMEOUT', 504],
  // nginx's "client closed request": nobody reads it, but logs and metrics see why the call ended.
  ['CANCELLED', 499],
  ['INPUT_INVALID', 422],
  ['METHOD_NOT_FOUND', 422],
]);

/** HTTP status of the workspace's own error codes outside calls. */
const ERROR_STATUS = new Map<string, number>([
  ['BAD_REQUEST', 400],
  ['NOT_FOUND', 404],
  ['CONFLICT', 409],
]);

function newRegistrationToken(): string {
  return randomBytes(32).toString('base64url');
}

async function connectorOr404(store: Store, name: string): Promise<ConnectorRecord> {
  const connector = await store.getConnector(name);
  if (!connector) {
    throw new RequestRejected(
      'NOT_FOUND',
      `no connector named "${name}": add it with 'workspace connector add ${name} --connector-id <id>'`,
      { status: 404 },
    );
  }
  return connector;
}

function instanceView(online: OnlineInstance): Record<string, unknown> {
  return {
    id: online.id,
    name: online.name,
    version: online.version,
    connectedSince: online.connectedSince.toISOString(),
    health: online.health ? { ok: online.health.ok, error: online.health.error, at: online.health.at.toISOString() } : null,
    features: online.features,
    methods: methodsOfManifest(online.instance.manifest).map((m) => m.name),
  };
}

/** `{url}` of the connector's endpoint (§7), or null when it declares none or has no token (yet). */
async function endpointView(
  store: Store,
  baseUrl: string,
  connector: string,
  latest: InstanceRecord | undefined,
): Promise<{ url: string } | null> {
  if (!hasEndpoint(latest?.manifest)) return null;
  const token = await endpointToken(store, connector);
  return token === undefined ? null : { url: endpointUrl(baseUrl, connector, token) };
}

function connectorSummary(hub: Hub, connector: ConnectorRecord): Record<string, unknown> {
  return {
    name: connector.name,
    connectorId: connector.connectorId,
    created: connector.created.toISOString(),
    instances: hub.online(connector.name).map(instanceView),
  };
}

function taskView(task: TaskRecord): Record<string, unknown> {
  return {
    id: task.id,
    connector: task.connector,
    instance: task.instance,
    name: task.name,
    status: task.status,
    data: task.data,
    idempotencyKey: task.idempotencyKey,
    created: task.created.toISOString(),
    updated: task.updated.toISOString(),
  };
}

function webhookView(baseUrl: string, webhook: WebhookRecord): Record<string, unknown> & { url: string } {
  const path = `${EVENT_PREFIX}${webhook.id}`;
  return {
    id: webhook.id,
    name: webhook.name,
    signed: webhook.secret !== null,
    path,
    url: baseUrl === '' ? path : new URL(path.slice(1), baseUrl).href,
    // The subscription's state is the connector's business: only whether there is one.
    ...(webhook.connector === null ? {} : { connector: webhook.connector }),
    created: webhook.created.toISOString(),
  } as Record<string, unknown> & { url: string };
}

/**
 * The online connector that can subscribe webhooks, and how to encrypt the secret for it (§5:
 * to the accepted public key, with the connector id as audience).
 * @throws RequestRejected 503 `CONNECTOR_OFFLINE`, 409 `WEBHOOKS_UNSUPPORTED` or `NO_ACCEPTED_KEY`
 */
async function webhookSubscriber(
  store: Store,
  hub: Hub,
  connector: ConnectorRecord,
): Promise<{ encrypt: (secret: string) => Promise<string> }> {
  const online = hub.online(connector.name);
  if (online.length === 0) {
    throw new RequestRejected(
      'CONNECTOR_OFFLINE',
      `connector "${connector.name}" has no connected instance to subscribe the webhook: start it first`,
      { status: 503 },
    );
  }
  // §8: only instances that announced it are sent the request (a v1 connector never is).
  if (online.some((o) => !o.features.includes(Feature.webhookSubscriptions))) {
    throw new RequestRejected(
      'WEBHOOKS_UNSUPPORTED',
      `connector "${connector.name}" does not subscribe webhooks (its instances did not announce ${Feature.webhookSubscriptions}: its code defines no webhooks.subscribe, or it runs an SDK without them); add the webhook without "connector" and give its URL to the provider yourself`,
      { status: 409 },
    );
  }
  const accepted = await store.acceptedInstance(connector.name);
  if (!accepted?.publicKey || accepted.revoked) {
    throw new RequestRejected(
      'NO_ACCEPTED_KEY',
      `connector "${connector.name}" has no accepted public key to encrypt the webhook's secret to: run 'connector keys' in its project, restart it${accepted?.revoked ? `, and approve a live instance ('workspace connector approve ${connector.name} <instance>')` : ''}`,
      { status: 409 },
    );
  }
  const key = importPublicKey(accepted.publicKey);
  return { encrypt: (secret) => encryptSecret(secret, key, connector.connectorId) };
}

async function webhookOr404(store: Store, idOrName: string): Promise<WebhookRecord> {
  const webhook = (await store.getWebhook(idOrName)) ?? (await store.listWebhooks()).find((w) => w.name === idOrName);
  if (!webhook) throw new RequestRejected('NOT_FOUND', `no webhook "${idOrName}": see 'workspace webhook list'`, { status: 404 });
  return webhook;
}

function tokenView(token: RegistrationTokenRecord): Record<string, unknown> {
  const now = Date.now();
  const state = token.revoked
    ? 'revoked'
    : token.expires !== null && token.expires.getTime() <= now
      ? 'expired'
      : token.maxUses !== null && token.uses >= token.maxUses
        ? 'used up'
        : 'valid';
  return {
    id: token.id,
    state,
    created: token.created.toISOString(),
    expires: token.expires?.toISOString() ?? null,
    maxUses: token.maxUses,
    uses: token.uses,
    lastUsed: token.lastUsed?.toISOString() ?? null,
  };
}

async function instanceOr404(store: Store, connector: string, id: string): Promise<InstanceRecord> {
  const instance = await store.getInstance(id);
  if (!instance || instance.connector !== connector) {
    throw new RequestRejected('NOT_FOUND', `connector "${connector}" has no instance "${id}": see 'workspace instance list ${connector}'`, {
      status: 404,
    });
  }
  return instance;
}

function manifestView(instance: InstanceRecord | undefined): Record<string, unknown> | null {
  if (!instance) return null;
  return {
    instance: instance.id,
    version: instance.version,
    registered: instance.created.toISOString(),
    hasPublicKey: instance.publicKey !== null,
    configSchema: instance.manifest.configSchema,
    introspect: instance.manifest.introspect,
    methods: methodsOfManifest(instance.manifest),
  };
}

const routes: Route[] = [
  {
    method: 'POST',
    pattern: /^connectors$/,
    async handler({ store, logger, registrationTokenTtlMs }, req) {
      const body = await readJsonBody(req);
      if (!isRecord(body)) throw new RequestRejected('BAD_REQUEST', 'body must be {"name": "…", "connectorId": "…"}', { status: 400 });
      const { name } = body;
      const connectorId = typeof body.connectorId === 'number' ? String(body.connectorId) : body.connectorId;
      if (typeof name !== 'string' || !CONNECTOR_NAME_PATTERN.test(name)) {
        throw new RequestRejected('BAD_REQUEST', `"name" must be 1 to 100 letters, digits, _, . or -, got ${JSON.stringify(name)}`, {
          status: 400,
        });
      }
      if (typeof connectorId !== 'string' || connectorId.trim() === '') {
        throw new RequestRejected('BAD_REQUEST', `"connectorId" must be a non-empty string, got ${JSON.stringify(body.connectorId)}`, {
          status: 400,
        });
      }
      const limits = tokenLimits(body, registrationTokenTtlMs);
      const connector = await store.createConnector(name, connectorId.trim());
      const registrationToken = newRegistrationToken();
      const token = await store.addRegistrationToken(name, sha256(registrationToken), limits);
      logger.info({ connector: name, connectorId: connector.connectorId, token: token.id }, 'connector added');
      return { status: 201, body: { connector: connectorSummaryOf(connector), registrationToken, token: tokenView(token) } };
    },
  },
  {
    method: 'GET',
    pattern: /^connectors$/,
    async handler({ store, hub }) {
      const connectors = await store.listConnectors();
      return { status: 200, body: { connectors: connectors.map((c) => connectorSummary(hub, c)) } };
    },
  },
  {
    method: 'GET',
    pattern: /^connectors\/([^/]+)$/,
    async handler({ store, hub, baseUrl }, _req, [name]) {
      const connector = await connectorOr404(store, name!);
      const accepted = await store.acceptedInstance(connector.name);
      const endpoint = await endpointView(store, baseUrl, connector.name, accepted);
      return { status: 200, body: { connector: { ...connectorSummary(hub, connector), manifest: manifestView(accepted), endpoint } } };
    },
  },
  {
    // §7: the connector's endpoint URL (null when it declares none).
    method: 'GET',
    pattern: /^connectors\/([^/]+)\/endpoint$/,
    async handler({ store, baseUrl }, _req, [name]) {
      const connector = await connectorOr404(store, name!);
      const endpoint = await endpointView(store, baseUrl, connector.name, await store.acceptedInstance(connector.name));
      return { status: 200, body: { endpoint } };
    },
  },
  {
    // A new token: the old URL stops working at once, and the instances get the new config.
    method: 'POST',
    pattern: /^connectors\/([^/]+)\/endpoint\/rotate$/,
    async handler({ store, hub, logger, baseUrl }, _req, [name]) {
      const connector = await connectorOr404(store, name!);
      try {
        const token = await rotateEndpointToken(store, hub, connector.name);
        logger.info({ connector: connector.name }, 'endpoint token rotated');
        return { status: 200, body: { endpoint: { url: endpointUrl(baseUrl, connector.name, token) } } };
      } catch (error) {
        if (error instanceof WorkspaceError) throw new RequestRejected('NO_ENDPOINT', error.message, { status: 409 });
        throw error;
      }
    },
  },
  {
    // Everything of the connector goes: tokens, instances (their sockets close with 1008), config, tasks, blobs.
    method: 'DELETE',
    pattern: /^connectors\/([^/]+)$/,
    async handler({ store, hub, logger }, _req, [name]) {
      const connector = await connectorOr404(store, name!);
      const instances = await store.listInstances(connector.name);
      await store.deleteConnector(connector.name);
      hub.activity.forget(connector.name);
      const disconnected = hub.revoke(
        instances.map((i) => i.id),
        'belongs to a connector that was removed',
      );
      logger.info({ connector: connector.name, instances: instances.length, disconnected }, 'connector removed');
      return { status: 200, body: { deleted: connector.name, instances: instances.length, disconnected } };
    },
  },
  {
    // `workspace logs`: the last `tail` events, then (follow, the default) each new one as it
    // happens, as NDJSON; an empty line every 15 s keeps idle proxies from closing the stream.
    method: 'GET',
    pattern: /^connectors\/([^/]+)\/activity$/,
    async handler({ store, hub }, req, [name], url) {
      const connector = await connectorOr404(store, name!);
      const tail = activityTail(url.searchParams.get('tail'));
      const recent = hub.activity.recent(connector.name, tail);
      const follow = url.searchParams.get('follow');
      if (follow === 'false' || follow === '0') return { status: 200, body: { events: recent } };
      return {
        status: 200,
        body: undefined,
        stream(res) {
          res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
          for (const event of recent) res.write(`${JSON.stringify(event)}\n`);
          const unfollow = hub.activity.follow(connector.name, (event) => res.write(`${JSON.stringify(event)}\n`));
          const keepAlive = setInterval(() => res.write('\n'), 15_000).unref();
          req.once('close', () => {
            clearInterval(keepAlive);
            unfollow();
          });
        },
      };
    },
  },
  {
    // §8 `progress`: the connector's queries in flight, with their deadline (as notices moved it)
    // and their last progress; `activity` streams each notice as it comes.
    method: 'GET',
    pattern: /^connectors\/([^/]+)\/calls$/,
    async handler({ store, hub }, _req, [name]) {
      const connector = await connectorOr404(store, name!);
      return { status: 200, body: { calls: hub.callsInFlight(connector.name) } };
    },
  },
  {
    // Every registered instance, offline ones too (`connectors` lists the online ones only).
    method: 'GET',
    pattern: /^connectors\/([^/]+)\/instances$/,
    async handler({ store, hub }, _req, [name]) {
      const connector = await connectorOr404(store, name!);
      const online = new Map(hub.online(connector.name).map((o) => [o.id, o]));
      const accepted = await store.acceptedInstance(connector.name);
      if (accepted) await keyOfInstance(store, accepted);
      const keys = new Map((await store.listKeys(connector.name)).map((k) => [k.kid, k.state]));
      const instances = (await store.listInstances(connector.name)).map((instance) => {
        const live = online.get(instance.id);
        return {
          id: instance.id,
          name: instance.name,
          version: instance.version,
          deployment: instance.deployment,
          registered: instance.created.toISOString(),
          lastSeen: instance.lastSeen?.toISOString() ?? null,
          revoked: instance.revoked?.toISOString() ?? null,
          // Its public key is an accepted one: secrets are encrypted to it, and it may be served.
          key: kidOf(instance.publicKey),
          keyState: keys.get(kidOf(instance.publicKey)) ?? 'pending',
          keyAccepted: keys.get(kidOf(instance.publicKey)) === 'accepted',
          approved: instance.approved,
          manifestAccepted: accepted?.id === instance.id,
          online: live !== undefined,
          ...(live === undefined ? {} : { connectedSince: live.connectedSince.toISOString(), health: instanceView(live).health }),
        };
      });
      return { status: 200, body: { connector: connector.name, instances } };
    },
  },
  {
    // `workspace instance revoke`: its key opens nothing from now on, and the token it registered with is revoked too (it leaked, or was used by what had to be shut out).
    method: 'POST',
    pattern: /^connectors\/([^/]+)\/instances\/([^/]+)\/revoke$/,
    async handler({ store, hub, logger }, _req, [name, id]) {
      const connector = await connectorOr404(store, name!);
      await instanceOr404(store, connector.name, id!);
      const instance = (await store.revokeInstance(connector.name, id!))!;
      const disconnected = hub.revoke([instance.id], 'was revoked') > 0;
      // Its key goes too, unless another live instance has it (a rogue that presented the
      // genuine public key must not take the genuine instances' key with it).
      const live = (await store.listInstances(connector.name)).filter((i) => i.revoked === null);
      const kid = kidOf(instance.publicKey);
      const keyRevoked = !live.some((i) => kidOf(i.publicKey) === kid);
      if (keyRevoked) await store.setKeyState(connector.name, kid, 'revoked');
      // The accepted manifest passes to the newest live instance with an accepted key, if any.
      const accepted = await store.acceptedInstance(connector.name);
      if (accepted?.id === instance.id) {
        const keys = new Map((await store.listKeys(connector.name)).map((k) => [k.kid, k.state]));
        const heir = live.find((i) => keys.get(kidOf(i.publicKey)) === 'accepted');
        if (heir) await store.acceptManifest(connector.name, heir.id);
      }
      const tokenRevoked = instance.tokenId !== null && (await store.revokeRegistrationTokens(connector.name, instance.tokenId)) > 0;
      logger.warn(
        { connector: connector.name, instance: instance.id, name: instance.name, disconnected, token: instance.tokenId },
        'instance revoked',
      );
      return {
        status: 200,
        body: {
          connector: connector.name,
          revoked: instance.id,
          disconnected,
          token: instance.tokenId,
          tokenRevoked,
          key: kid,
          keyRevoked,
        },
      };
    },
  },
  {
    // `workspace connector approve`: the instance's manifest and public key become the accepted ones.
    method: 'POST',
    pattern: /^connectors\/([^/]+)\/instances\/([^/]+)\/approve$/,
    async handler({ store, logger }, _req, [name, id]) {
      const connector = await connectorOr404(store, name!);
      const instance = await instanceOr404(store, connector.name, id!);
      if (instance.revoked !== null) {
        throw new RequestRejected('CONFLICT', `instance "${instance.id}" was revoked: a revoked instance cannot be approved`, {
          status: 409,
        });
      }
      const key = await keyOfInstance(store, instance);
      await store.setKeyState(connector.name, key.kid, 'accepted');
      await store.approveInstance(connector.name, instance.id);
      await store.acceptManifest(connector.name, instance.id);
      logger.warn(
        { connector: connector.name, instance: instance.id, name: instance.name, kid: key.kid },
        'instance, its key and manifest approved',
      );
      await ensureEndpointToken(store, connector.name, instance.manifest);
      return {
        status: 200,
        body: { connector: connector.name, approved: instance.id, key: key.kid, manifest: manifestView({ ...instance, approved: true }) },
      };
    },
  },
  {
    method: 'POST',
    pattern: /^connectors\/([^/]+)\/tokens$/,
    async handler({ store, logger, registrationTokenTtlMs }, req, [name]) {
      const connector = await connectorOr404(store, name!);
      const limits = tokenLimits(await readJsonBody(req), registrationTokenTtlMs);
      const registrationToken = newRegistrationToken();
      const token = await store.addRegistrationToken(connector.name, sha256(registrationToken), limits);
      logger.info(
        { connector: connector.name, token: token.id, expires: token.expires, maxUses: token.maxUses },
        'registration token made',
      );
      return { status: 201, body: { connector: connector.name, registrationToken, token: tokenView(token) } };
    },
  },
  {
    method: 'GET',
    pattern: /^connectors\/([^/]+)\/tokens$/,
    async handler({ store }, _req, [name]) {
      const connector = await connectorOr404(store, name!);
      return {
        status: 200,
        body: { connector: connector.name, tokens: (await store.listRegistrationTokens(connector.name)).map(tokenView) },
      };
    },
  },
  {
    // Every token of the connector; instances already registered keep their keys.
    method: 'DELETE',
    pattern: /^connectors\/([^/]+)\/tokens$/,
    async handler({ store, logger }, _req, [name]) {
      const connector = await connectorOr404(store, name!);
      const revoked = await store.revokeRegistrationTokens(connector.name);
      logger.warn({ connector: connector.name, revoked }, 'registration tokens revoked');
      return { status: 200, body: { connector: connector.name, revoked } };
    },
  },
  {
    method: 'DELETE',
    pattern: /^connectors\/([^/]+)\/tokens\/([^/]+)$/,
    async handler({ store, logger }, _req, [name, id]) {
      const connector = await connectorOr404(store, name!);
      if (!(await store.listRegistrationTokens(connector.name)).some((t) => t.id === id)) {
        throw new RequestRejected(
          'NOT_FOUND',
          `connector "${connector.name}" has no registration token "${id}": see 'workspace connector tokens ${connector.name}'`,
          { status: 404 },
        );
      }
      const revoked = await store.revokeRegistrationTokens(connector.name, id!);
      logger.warn({ connector: connector.name, token: id }, 'registration token revoked');
      return { status: 200, body: { connector: connector.name, revoked } };
    },
  },
  {
    method: 'GET',
    pattern: /^connectors\/([^/]+)\/config$/,
    async handler({ store }, _req, [name]) {
      const connector = await connectorOr404(store, name!);
      const [latest, entries] = await Promise.all([store.acceptedInstance(connector.name), store.getConfig(connector.name)]);
      const fields = configView(latest?.manifest.configSchema, entries);
      const values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const f of fields) if (f.set) values[f.field] = f.value;
      return { status: 200, body: { connector: connector.name, values, fields } };
    },
  },
  {
    // `values` sets fields, `unset` removes them (one transaction, then one push to the instances).
    method: 'PUT',
    pattern: /^connectors\/([^/]+)\/config$/,
    async handler({ store, hub, logger }, req, [name]) {
      const connector = await connectorOr404(store, name!);
      const body = await readJsonBody(req);
      // The accepted manifest's schema and public key: never those of whoever registered last (issue 13 finding 1).
      const latest = await store.acceptedInstance(connector.name);
      const unset = isRecord(body) && body.unset !== undefined ? await checkUnset(store, connector.name, latest, body.unset) : [];
      const setting = !isRecord(body) || body.values !== undefined || unset.length === 0;
      if (setting && !latest) {
        throw new RequestRejected(
          'NOT_REGISTERED',
          `connector "${connector.name}" has not registered yet, so its config fields are unknown: start it once with its REGISTRATION_TOKEN`,
          { status: 409 },
        );
      }
      const checked = setting ? checkConfigValues(latest!.manifest.configSchema, isRecord(body) ? body.values : undefined) : [];
      const overlap = checked.find((c) => unset.includes(c.field));
      if (overlap)
        throw new RequestRejected('BAD_REQUEST', `config field "${overlap.field}" is both set and unset: pick one`, { status: 400 });
      const keys = checked.some((c) => c.secret) ? await encryptionKeys(store, connector.name, latest) : [];
      const writes = checked.length > 0 ? await encryptConfigValues(checked, keys, connector.connectorId) : [];
      await store.setConfig(connector.name, writes, unset);
      const pushed = await hub.pushConfig(connector.name);
      // Field names only: values, even plain ones, stay out of the logs.
      logger.info({ connector: connector.name, fields: writes.map((w) => w.field), unset, pushed }, 'config updated');
      return {
        status: 200,
        body: {
          connector: connector.name,
          updated: writes.map((w) => w.field),
          ...(unset.length === 0 ? {} : { unset }),
          pushedTo: pushed,
        },
      };
    },
  },
  {
    method: 'POST',
    pattern: /^connectors\/([^/]+)\/call$/,
    async handler({ store, hub, callTimeoutMs }, req, [name], _url, signal) {
      const connector = await connectorOr404(store, name!);
      const body = await readJsonBody(req);
      if (!isRecord(body))
        throw new RequestRejected('BAD_REQUEST', 'body must be {"method": "…", "args": {…}, "timeoutMs"?: number, "maxMs"?: number}', {
          status: 400,
        });
      const { method, args, timeoutMs, maxMs } = body;
      if (normalizeQueryName(method) === undefined) {
        throw new RequestRejected(
          'METHOD_NOT_FOUND',
          `${JSON.stringify(method)} cannot name a method: use a dotted name such as "contacts.list"`,
          { status: 422 },
        );
      }
      if (args !== undefined && !isRecord(args)) throw new RequestRejected('BAD_REQUEST', '"args" must be a JSON object', { status: 400 });
      if (
        timeoutMs !== undefined &&
        (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 86_400_000)
      ) {
        throw new RequestRejected('BAD_REQUEST', `"timeoutMs" must be an integer from 1 to 86400000, got ${JSON.stringify(timeoutMs)}`, {
          status: 400,
        });
      }
      // §8 `progress`: the longest total time progress notices may extend the call to.
      if (maxMs !== undefined && (typeof maxMs !== 'number' || !Number.isInteger(maxMs) || maxMs < 1 || maxMs > 86_400_000)) {
        throw new RequestRejected('BAD_REQUEST', `"maxMs" must be an integer from 1 to 86400000, got ${JSON.stringify(maxMs)}`, {
          status: 400,
        });
      }
      try {
        const result = await hub.call(connector.name, method as string | string[], args ?? {}, {
          timeoutMs: timeoutMs ?? callTimeoutMs,
          maxMs,
          signal,
          // An outside caller's W3C trace continues through the workspace into the connector.
          trace: incomingTrace(req),
        });
        return { status: 200, body: { result } };
      } catch (error) {
        if (!(error instanceof WorkspaceError)) throw error;
        throw new RequestRejected(error.code, error.message, { status: CALL_ERROR_STATUS.get(error.code) ?? 502, details: error.details });
      }
    },
  },
  {
    // §6 steps 1–2: the URL a person opens to connect the connector's account.
    method: 'POST',
    pattern: /^connectors\/([^/]+)\/oauth$/,
    async handler({ oauth }, _req, [name]) {
      try {
        const started = await oauth.begin(name!);
        return {
          status: 200,
          body: {
            connector: started.connector,
            url: started.url,
            redirectUri: started.redirectUri,
            expires: started.expires.toISOString(),
          },
        };
      } catch (error) {
        if (!(error instanceof WorkspaceError) || ERROR_STATUS.has(error.code)) throw error;
        throw new RequestRejected(error.code, error.message, { status: CALL_ERROR_STATUS.get(error.code) ?? 502, details: error.details });
      }
    },
  },
  {
    // §7: a webhook, its URL and (once, here) its signing secret; with "connector", the
    // connector subscribes its provider to it (§8 webhook-subscriptions) and the state is kept.
    method: 'POST',
    pattern: /^webhooks$/,
    async handler({ store, hub, logger, baseUrl, callTimeoutMs }, req) {
      const body = await readJsonBody(req);
      const usage = 'body must be {"name": "…", "secret"?: "whsec_…", "signed"?: boolean, "connector"?: "…"}';
      if (!isRecord(body)) throw new RequestRejected('BAD_REQUEST', usage, { status: 400 });
      const { name, secret, signed, connector: connectorName } = body;
      if (typeof name !== 'string' || !CONNECTOR_NAME_PATTERN.test(name)) {
        throw new RequestRejected('BAD_REQUEST', `"name" must be 1 to 100 letters, digits, _, . or -, got ${JSON.stringify(name)}`, {
          status: 400,
        });
      }
      if (signed !== undefined && typeof signed !== 'boolean')
        throw new RequestRejected('BAD_REQUEST', `"signed" must be true or false: ${usage}`, { status: 400 });
      if (secret !== undefined && (typeof secret !== 'string' || signed === false)) {
        throw new RequestRejected('BAD_REQUEST', `"secret" must be a string, and only for a signed webhook: ${usage}`, { status: 400 });
      }
      if (connectorName !== undefined && typeof connectorName !== 'string') {
        throw new RequestRejected('BAD_REQUEST', `"connector" must be a connector's name: ${usage}`, { status: 400 });
      }
      if (typeof secret === 'string') webhookKey(secret);
      const connector = connectorName === undefined ? undefined : await connectorOr404(store, connectorName);
      // Checked before anything is stored: a webhook that cannot be subscribed is not added.
      const subscriber = connector === undefined ? undefined : await webhookSubscriber(store, hub, connector);
      const kept = signed === false ? null : ((secret as string | undefined) ?? newWebhookSecret());
      const webhook = await store.createWebhook({ id: newWebhookId(), name, secret: kept, connector: connector?.name ?? null });
      const view = webhookView(baseUrl, webhook);
      if (connector !== undefined) {
        try {
          const sentSecret = kept === null ? null : await subscriber!.encrypt(kept);
          const args: WebhookSubscribeArgs = { webhook: { id: webhook.id, name: webhook.name, url: view.url, secret: sentSecret } };
          const answer = await hub.request(connector.name, WorkspaceMethod.webhookSubscribe, args, { timeoutMs: callTimeoutMs });
          // §8 webhook-subscriptions: the state is kept as the connector answered it (null for none).
          await store.setWebhookSubscription(webhook.id, readWebhookSubscribeAnswer(answer).state);
        } catch (error) {
          // Not subscribed: the webhook goes again, so nothing points at a URL no provider posts to.
          await store.deleteWebhook(webhook.id);
          if (!(error instanceof WorkspaceError)) throw error;
          throw new RequestRejected(error.code, `connector "${connector.name}" could not subscribe webhook "${name}": ${error.message}`, {
            status: CALL_ERROR_STATUS.get(error.code) ?? 502,
            details: error.details,
          });
        }
      }
      logger.info(
        { webhook: name, signed: kept !== null, connector: connector?.name },
        connector ? 'webhook added and subscribed' : 'webhook added',
      );
      return { status: 201, body: { webhook: view, ...(kept === null ? {} : { secret: kept }) } };
    },
  },
  {
    method: 'GET',
    pattern: /^webhooks$/,
    async handler({ store, baseUrl }) {
      return { status: 200, body: { webhooks: (await store.listWebhooks()).map((w) => webhookView(baseUrl, w)) } };
    },
  },
  {
    method: 'GET',
    pattern: /^webhooks\/([^/]+)$/,
    async handler({ store, baseUrl }, _req, [idOrName]) {
      return { status: 200, body: { webhook: webhookView(baseUrl, await webhookOr404(store, idOrName!)) } };
    },
  },
  {
    method: 'DELETE',
    pattern: /^webhooks\/([^/]+)$/,
    async handler({ store, hub, logger, baseUrl, callTimeoutMs }, req, [idOrName]) {
      const webhook = await webhookOr404(store, idOrName!);
      // A subscribed webhook is unsubscribed at the provider first; ?force=true removes it anyway.
      const force = new URL(req.url ?? '/', 'http://x').searchParams.get('force') === 'true';
      let unsubscribed = false;
      if (webhook.connector !== null) {
        try {
          const args: WebhookUnsubscribeArgs = {
            webhook: { id: webhook.id, name: webhook.name, url: webhookView(baseUrl, webhook).url },
            state: webhook.subscription,
          };
          await hub.request(webhook.connector, WorkspaceMethod.webhookUnsubscribe, args, { timeoutMs: callTimeoutMs });
          unsubscribed = true;
        } catch (error) {
          if (!(error instanceof WorkspaceError)) throw error;
          if (!force) {
            throw new RequestRejected(
              error.code,
              `connector "${webhook.connector}" could not unsubscribe webhook "${webhook.name}" (${error.message}): the webhook stays; retry, or remove it with force=true ('workspace webhook rm ${webhook.name} --force') and end the subscription at the provider yourself`,
              { status: CALL_ERROR_STATUS.get(error.code) ?? 502, details: error.details },
            );
          }
          logger.warn({ webhook: webhook.name, connector: webhook.connector, code: error.code }, 'webhook removed without unsubscribing');
        }
      }
      await store.deleteWebhook(webhook.id);
      logger.info({ webhook: webhook.name }, 'webhook removed');
      return { status: 200, body: { deleted: webhook.id, name: webhook.name, ...(webhook.connector === null ? {} : { unsubscribed }) } };
    },
  },
  {
    method: 'GET',
    pattern: /^tasks$/,
    async handler({ store }, _req, _params, url) {
      const connector = url.searchParams.get('connector') ?? undefined;
      const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : undefined;
      if (limit !== undefined && !Number.isInteger(limit))
        throw new RequestRejected('BAD_REQUEST', '"limit" must be an integer', { status: 400 });
      const tasks = await store.listTasks({ connector, limit });
      return { status: 200, body: { tasks: tasks.map(taskView) } };
    },
  },
  {
    method: 'GET',
    pattern: /^tasks\/([^/]+)$/,
    async handler({ store }, _req, [id]) {
      const task = await store.getTask(id!);
      if (!task) throw new RequestRejected('NOT_FOUND', `no task "${id}"`, { status: 404 });
      return { status: 200, body: { task: taskView(task) } };
    },
  },
];

/**
 * Checks the `unset` member of a config update: field names the connector declares or has
 * stored (e.g. the managed `oauthResult`, which disconnects the OAuth account).
 * @throws RequestRejected 400 `BAD_REQUEST` naming the unknown field and the known ones
 */
async function checkUnset(store: Store, connector: string, latest: InstanceRecord | undefined, unset: unknown): Promise<string[]> {
  if (!Array.isArray(unset) || unset.length === 0 || !unset.every((f) => typeof f === 'string')) {
    throw new RequestRejected('BAD_REQUEST', '"unset" must be a non-empty array of field names, e.g. {"unset": ["apiKey"]}', {
      status: 400,
    });
  }
  const stored = new Set((await store.getConfig(connector)).map((e) => e.field));
  const known = new Set([...schemaFields(latest?.manifest.configSchema).keys(), ...stored]);
  for (const field of unset) {
    if (!known.has(field)) {
      const list = [...known].join(', ') || '(none)';
      throw new RequestRejected('BAD_REQUEST', `unknown config field "${field}": the connector's fields are ${list}`, { status: 400 });
    }
  }
  return [...new Set(unset as string[])];
}

/** `?tail=`: how many recent events come first. @throws RequestRejected 400 for anything but 0 to ACTIVITY_KEPT */
function activityTail(value: string | null): number {
  if (value === null) return 20;
  const tail = Number(value);
  if (!Number.isInteger(tail) || tail < 0 || tail > ACTIVITY_KEPT) {
    throw new RequestRejected('BAD_REQUEST', `"tail" must be a whole number from 0 to ${ACTIVITY_KEPT}, got ${JSON.stringify(value)}`, {
      status: 400,
    });
  }
  return tail;
}

/**
 * The keys secrets are encrypted to: every accepted public key of the connector.
 * @throws RequestRejected 400 when no instance ever registered with a key, 409 `NO_ACCEPTED_KEY` when none is accepted
 */
async function encryptionKeys(store: Store, connector: string, accepted: InstanceRecord | undefined): Promise<EncryptionKey[]> {
  // A connector registered before keys were recorded gets its accepted instance's key first.
  if (accepted) await keyOfInstance(store, accepted);
  const all = await store.listKeys(connector);
  const keys = all.filter((k) => k.state === 'accepted' && k.publicKey !== null).map((k) => ({ kid: k.kid, publicKey: k.publicKey! }));
  if (keys.length > 0) return keys;
  if (!all.some((k) => k.publicKey !== null)) {
    throw new RequestRejected(
      'BAD_REQUEST',
      "the connector registered without PUBLIC_KEY, so its secret fields cannot be encrypted: run 'connector keys' in the connector's project and restart it",
      { status: 400 },
    );
  }
  throw new RequestRejected(
    'NO_ACCEPTED_KEY',
    `no public key of connector "${connector}" is accepted (the ones it had were revoked with their instances), so no secret can be encrypted: approve an instance with 'workspace connector approve ${connector} <instance>' (see 'workspace instance list ${connector}')`,
    { status: 409 },
  );
}

function connectorSummaryOf(connector: ConnectorRecord): Record<string, unknown> {
  return { name: connector.name, connectorId: connector.connectorId, created: connector.created.toISOString() };
}

/**
 * Serves one admin request (the path without the `/api/v1/` prefix).
 * @throws RequestRejected for every failure, with its status
 */
export async function handleAdmin(ctx: AdminContext, req: IncomingMessage, url: URL, signal: AbortSignal): Promise<Answer> {
  const token = readAuthorization(req.headers.authorization, 'Bearer');
  if (token === undefined || !secretsEqual(token, ctx.adminToken)) {
    // Not AUTH_FAILED: that code is the connector's (its credentials for the outside system).
    throw new RequestRejected(
      'ADMIN_TOKEN_INVALID',
      'missing or wrong admin token: send "Authorization: Bearer <token>" with the token from <data>/admin-token',
      { status: 401 },
    );
  }
  const path = url.pathname.slice(ADMIN_PREFIX.length).replace(/\/$/, '');
  let pathMatched = false;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== req.method) continue;
    let params: string[];
    try {
      params = match.slice(1).map((p) => decodeURIComponent(p));
    } catch {
      throw new RequestRejected('BAD_REQUEST', `the path ${url.pathname} is not valid percent-encoding`, { status: 400 });
    }
    try {
      return await route.handler(ctx, req, params, url, signal);
    } catch (error) {
      throw toRequestRejected(error);
    }
  }
  if (pathMatched) throw new RequestRejected('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${url.pathname}`, { status: 405 });
  throw new RequestRejected('NOT_FOUND', `no admin route ${req.method} ${url.pathname}`, { status: 404 });
}

/** A route's failure as the answer it gets: a WorkspaceError of a call or the store gets its code's status. */
function toRequestRejected(error: unknown): unknown {
  if (error instanceof RequestRejected || !(error instanceof WorkspaceError)) return error;
  return new RequestRejected(error.code, error.message, { status: ERROR_STATUS.get(error.code) ?? 500, details: error.details });
}
