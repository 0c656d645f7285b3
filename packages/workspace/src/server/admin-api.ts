/**
 * The admin HTTP API under `/api/v1/` (bearer token): connectors, their tokens and config,
 * calls to their methods, webhooks, and tasks. Answers are JSON; errors are `{"error": {code, message, details?}}`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CONNECTOR_NAME_PATTERN, normalizeQueryName } from '@connector-kit/sdk/protocol';
import type { Logger } from 'pino';
import { WorkspaceError } from '../errors.js';
import { describeMethods } from '../manifest.js';
import type { ConnectorRecord, InstanceRecord, Store, TaskRecord, WebhookRecord } from '../store/store.js';
import { checkConfigValues, configView, encryptConfigValues, schemaFields } from './config.js';
import { HttpError, readAuthorization, readJsonBody, secretsEqual, sha256 } from './http-io.js';
import type { Hub, OnlineInstance } from './hub.js';
import type { OAuthService } from './oauth.js';
import { EVENT_PREFIX, newWebhookId, newWebhookSecret, webhookKey } from './webhooks.js';

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
  /** The OAuth flow (§6). */
  oauth: OAuthService;
  /** Where the workspace is reached (`publicUrl`, else the listen URL), for webhook URLs. */
  baseUrl: string;
}

/** An answer of a route. */
interface Answer {
  status: number;
  body: unknown;
}

type Handler = (ctx: AdminContext, req: IncomingMessage, params: string[], url: URL) => Promise<Answer>;

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
  ['INPUT_INVALID', 422],
  ['METHOD_NOT_FOUND', 422],
]);

/** HTTP status of the workspace's own error codes outside calls. */
const ERROR_STATUS = new Map<string, number>([
  ['BAD_REQUEST', 400],
  ['NOT_FOUND', 404],
  ['CONFLICT', 409],
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function newRegistrationToken(): string {
  return randomBytes(32).toString('base64url');
}

async function connectorOr404(store: Store, name: string): Promise<ConnectorRecord> {
  const connector = await store.getConnector(name);
  if (!connector) {
    throw new HttpError(
      404,
      'NOT_FOUND',
      `no connector named "${name}": add it with 'workspace connector add ${name} --connector-id <id>'`,
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
    methods: describeMethods(online.instance.manifest).map((m) => m.name),
  };
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

function webhookView(baseUrl: string, webhook: WebhookRecord): Record<string, unknown> {
  const path = `${EVENT_PREFIX}${webhook.id}`;
  return {
    id: webhook.id,
    name: webhook.name,
    signed: webhook.secret !== null,
    path,
    url: baseUrl === '' ? path : new URL(path.slice(1), baseUrl).href,
    created: webhook.created.toISOString(),
  };
}

async function webhookOr404(store: Store, idOrName: string): Promise<WebhookRecord> {
  const webhook = (await store.getWebhook(idOrName)) ?? (await store.listWebhooks()).find((w) => w.name === idOrName);
  if (!webhook) throw new HttpError(404, 'NOT_FOUND', `no webhook "${idOrName}": see 'workspace webhook list'`);
  return webhook;
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
    methods: describeMethods(instance.manifest),
  };
}

const routes: Route[] = [
  {
    method: 'POST',
    pattern: /^connectors$/,
    async handler({ store, logger }, req) {
      const body = await readJsonBody(req);
      if (!isRecord(body)) throw new HttpError(400, 'BAD_REQUEST', 'body must be {"name": "…", "connectorId": "…"}');
      const { name } = body;
      const connectorId = typeof body.connectorId === 'number' ? String(body.connectorId) : body.connectorId;
      if (typeof name !== 'string' || !CONNECTOR_NAME_PATTERN.test(name)) {
        throw new HttpError(400, 'BAD_REQUEST', `"name" must be 1 to 100 letters, digits, _, . or -, got ${JSON.stringify(name)}`);
      }
      if (typeof connectorId !== 'string' || connectorId.trim() === '') {
        throw new HttpError(400, 'BAD_REQUEST', `"connectorId" must be a non-empty string, got ${JSON.stringify(body.connectorId)}`);
      }
      const connector = await store.createConnector(name, connectorId.trim());
      const registrationToken = newRegistrationToken();
      await store.addRegistrationToken(name, sha256(registrationToken));
      logger.info({ connector: name, connectorId: connector.connectorId }, 'connector added');
      return { status: 201, body: { connector: connectorSummaryOf(connector), registrationToken } };
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
    async handler({ store, hub }, _req, [name]) {
      const connector = await connectorOr404(store, name!);
      const latest = await store.latestInstance(connector.name);
      return { status: 200, body: { connector: { ...connectorSummary(hub, connector), manifest: manifestView(latest) } } };
    },
  },
  {
    // Every registered instance, offline ones too (`connectors` lists the online ones only).
    method: 'GET',
    pattern: /^connectors\/([^/]+)\/instances$/,
    async handler({ store, hub }, _req, [name]) {
      const connector = await connectorOr404(store, name!);
      const online = new Map(hub.online(connector.name).map((o) => [o.id, o]));
      const instances = (await store.listInstances(connector.name)).map((instance) => {
        const live = online.get(instance.id);
        return {
          id: instance.id,
          name: instance.name,
          version: instance.version,
          deployment: instance.deployment,
          registered: instance.created.toISOString(),
          lastSeen: instance.lastSeen?.toISOString() ?? null,
          online: live !== undefined,
          ...(live === undefined ? {} : { connectedSince: live.connectedSince.toISOString(), health: instanceView(live).health }),
        };
      });
      return { status: 200, body: { connector: connector.name, instances } };
    },
  },
  {
    method: 'POST',
    pattern: /^connectors\/([^/]+)\/tokens$/,
    async handler({ store }, _req, [name]) {
      const connector = await connectorOr404(store, name!);
      const registrationToken = newRegistrationToken();
      await store.addRegistrationToken(connector.name, sha256(registrationToken));
      return { status: 201, body: { connector: connector.name, registrationToken } };
    },
  },
  {
    method: 'GET',
    pattern: /^connectors\/([^/]+)\/config$/,
    async handler({ store }, _req, [name]) {
      const connector = await connectorOr404(store, name!);
      const [latest, entries] = await Promise.all([store.latestInstance(connector.name), store.getConfig(connector.name)]);
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
      const latest = await store.latestInstance(connector.name);
      const unset = isRecord(body) && body.unset !== undefined ? await checkUnset(store, connector.name, latest, body.unset) : [];
      const setting = !isRecord(body) || body.values !== undefined || unset.length === 0;
      if (setting && !latest) {
        throw new HttpError(
          409,
          'NOT_REGISTERED',
          `connector "${connector.name}" has not registered yet, so its config fields are unknown: start it once with its REGISTRATION_TOKEN`,
        );
      }
      const checked = setting ? checkConfigValues(latest!.manifest.configSchema, isRecord(body) ? body.values : undefined) : [];
      const overlap = checked.find((c) => unset.includes(c.field));
      if (overlap) throw new HttpError(400, 'BAD_REQUEST', `config field "${overlap.field}" is both set and unset: pick one`);
      const writes = checked.length > 0 ? await encryptConfigValues(checked, latest!, connector.connectorId) : [];
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
    async handler({ store, hub, callTimeoutMs }, req, [name]) {
      const connector = await connectorOr404(store, name!);
      const body = await readJsonBody(req);
      if (!isRecord(body)) throw new HttpError(400, 'BAD_REQUEST', 'body must be {"method": "…", "args": {…}, "timeoutMs"?: number}');
      const { method, args, timeoutMs } = body;
      if (normalizeQueryName(method) === undefined) {
        throw new HttpError(
          422,
          'METHOD_NOT_FOUND',
          `${JSON.stringify(method)} cannot name a method: use a dotted name such as "contacts.list"`,
        );
      }
      if (args !== undefined && !isRecord(args)) throw new HttpError(400, 'BAD_REQUEST', '"args" must be a JSON object');
      if (
        timeoutMs !== undefined &&
        (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 86_400_000)
      ) {
        throw new HttpError(400, 'BAD_REQUEST', `"timeoutMs" must be an integer from 1 to 86400000, got ${JSON.stringify(timeoutMs)}`);
      }
      try {
        const result = await hub.call(connector.name, method as string | string[], args ?? {}, {
          timeoutMs: timeoutMs ?? callTimeoutMs,
        });
        return { status: 200, body: { result } };
      } catch (error) {
        if (!(error instanceof WorkspaceError)) throw error;
        throw new HttpError(CALL_ERROR_STATUS.get(error.code) ?? 502, error.code, error.message, error.details);
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
        throw new HttpError(CALL_ERROR_STATUS.get(error.code) ?? 502, error.code, error.message, error.details);
      }
    },
  },
  {
    // §7: a webhook, its URL and (once, here) its signing secret.
    method: 'POST',
    pattern: /^webhooks$/,
    async handler({ store, logger, baseUrl }, req) {
      const body = await readJsonBody(req);
      const usage = 'body must be {"name": "…", "secret"?: "whsec_…", "signed"?: boolean}';
      if (!isRecord(body)) throw new HttpError(400, 'BAD_REQUEST', usage);
      const { name, secret, signed } = body;
      if (typeof name !== 'string' || !CONNECTOR_NAME_PATTERN.test(name)) {
        throw new HttpError(400, 'BAD_REQUEST', `"name" must be 1 to 100 letters, digits, _, . or -, got ${JSON.stringify(name)}`);
      }
      if (signed !== undefined && typeof signed !== 'boolean')
        throw new HttpError(400, 'BAD_REQUEST', `"signed" must be true or false: ${usage}`);
      if (secret !== undefined && (typeof secret !== 'string' || signed === false)) {
        throw new HttpError(400, 'BAD_REQUEST', `"secret" must be a string, and only for a signed webhook: ${usage}`);
      }
      if (typeof secret === 'string') webhookKey(secret);
      const kept = signed === false ? null : ((secret as string | undefined) ?? newWebhookSecret());
      const webhook = await store.createWebhook({ id: newWebhookId(), name, secret: kept });
      logger.info({ webhook: name, signed: kept !== null }, 'webhook added');
      return { status: 201, body: { webhook: webhookView(baseUrl, webhook), ...(kept === null ? {} : { secret: kept }) } };
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
    async handler({ store, logger }, _req, [idOrName]) {
      const webhook = await webhookOr404(store, idOrName!);
      await store.deleteWebhook(webhook.id);
      logger.info({ webhook: webhook.name }, 'webhook removed');
      return { status: 200, body: { deleted: webhook.id, name: webhook.name } };
    },
  },
  {
    method: 'GET',
    pattern: /^tasks$/,
    async handler({ store }, _req, _params, url) {
      const connector = url.searchParams.get('connector') ?? undefined;
      const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : undefined;
      if (limit !== undefined && !Number.isInteger(limit)) throw new HttpError(400, 'BAD_REQUEST', '"limit" must be an integer');
      const tasks = await store.listTasks({ connector, limit });
      return { status: 200, body: { tasks: tasks.map(taskView) } };
    },
  },
  {
    method: 'GET',
    pattern: /^tasks\/([^/]+)$/,
    async handler({ store }, _req, [id]) {
      const task = await store.getTask(id!);
      if (!task) throw new HttpError(404, 'NOT_FOUND', `no task "${id}"`);
      return { status: 200, body: { task: taskView(task) } };
    },
  },
];

/**
 * Checks the `unset` member of a config update: field names the connector declares or has
 * stored (e.g. the managed `oauthResult`, which disconnects the OAuth account).
 * @throws HttpError 400 `BAD_REQUEST` naming the unknown field and the known ones
 */
async function checkUnset(store: Store, connector: string, latest: InstanceRecord | undefined, unset: unknown): Promise<string[]> {
  if (!Array.isArray(unset) || unset.length === 0 || !unset.every((f) => typeof f === 'string')) {
    throw new HttpError(400, 'BAD_REQUEST', '"unset" must be a non-empty array of field names, e.g. {"unset": ["apiKey"]}');
  }
  const stored = new Set((await store.getConfig(connector)).map((e) => e.field));
  const known = new Set([...schemaFields(latest?.manifest.configSchema).keys(), ...stored]);
  for (const field of unset) {
    if (!known.has(field)) {
      const list = [...known].join(', ') || '(none)';
      throw new HttpError(400, 'BAD_REQUEST', `unknown config field "${field}": the connector's fields are ${list}`);
    }
  }
  return [...new Set(unset as string[])];
}

function connectorSummaryOf(connector: ConnectorRecord): Record<string, unknown> {
  return { name: connector.name, connectorId: connector.connectorId, created: connector.created.toISOString() };
}

/**
 * Serves one admin request (the path without the `/api/v1/` prefix).
 * @throws HttpError for every failure, with its status
 */
export async function handleAdmin(ctx: AdminContext, req: IncomingMessage, url: URL): Promise<Answer> {
  const token = readAuthorization(req.headers.authorization, 'Bearer');
  if (token === undefined || !secretsEqual(token, ctx.adminToken)) {
    // Not AUTH_FAILED: that code is the connector's (its credentials for the outside system).
    throw new HttpError(
      401,
      'ADMIN_TOKEN_INVALID',
      'missing or wrong admin token: send "Authorization: Bearer <token>" with the token from <data>/admin-token',
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
      throw new HttpError(400, 'BAD_REQUEST', `the path ${url.pathname} is not valid percent-encoding`);
    }
    try {
      return await route.handler(ctx, req, params, url);
    } catch (error) {
      throw toHttpError(error);
    }
  }
  if (pathMatched) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${url.pathname}`);
  throw new HttpError(404, 'NOT_FOUND', `no admin route ${req.method} ${url.pathname}`);
}

function toHttpError(error: unknown): unknown {
  if (!(error instanceof WorkspaceError)) return error;
  return new HttpError(ERROR_STATUS.get(error.code) ?? 500, error.code, error.message, error.details);
}
