/**
 * Checks of the HTTP handshake bodies (protocol.md §2) and of the `protocol` announcement
 * (§8): the workspace checks the register and connect bodies, the SDK the answers.
 */
import { checked, fail, object, optionalObject, optionalString, requiredString, shown, type Checked } from './check.js';
import type { ConnectorSchema } from './config-schema.js';
import type { ConnectAnswer, ConnectBody, ProtocolAnnouncement, RegisterAnswer, RegisterBody } from './handshake.js';
import { isRecord } from './json.js';

const ANNOUNCEMENT = 'an object {"version": 1, "features": […]}';

/** The features of an announcement (§8): its strings; anything else in the list is ignored. */
function announcement(value: Record<string, unknown> | undefined): ProtocolAnnouncement | undefined {
  if (value === undefined) return undefined;
  const features = Array.isArray(value.features) ? value.features.filter((f): f is string => typeof f === 'string') : [];
  return { version: 1, features };
}

/**
 * Checks a register body (§2 step 2) member by member: `id`, `name`, `version` non-empty
 * strings, `deployment` a string (empty when left out), `publicKey` a string or null,
 * `schema` `{configSchema: {fields?}, introspect, methods?}`, `protocol` an announcement (§8).
 * The public key's PEM itself is the caller's to parse.
 */
export function checkRegisterBody(body: unknown): Checked<RegisterBody> {
  return checked(() => {
    const b = object(body, '', 'a JSON object');
    const id = requiredString(b, 'id');
    const name = requiredString(b, 'name');
    const version = requiredString(b, 'version');
    const deployment = b.deployment;
    if (deployment !== undefined && deployment !== null && typeof deployment !== 'string') {
      fail('deployment', `"deployment" must be a string, got ${shown(deployment)}`);
    }
    const publicKey = b.publicKey;
    if (publicKey !== undefined && publicKey !== null && typeof publicKey !== 'string') {
      fail('publicKey', '"publicKey" must be a base64 PEM string or null');
    }
    const s = object(b.schema, 'schema', 'an object {"configSchema": {…}, "introspect": "…"}');
    const configSchema = object(s.configSchema, 'schema.configSchema');
    const fields = optionalObject(configSchema, 'fields', 'schema.configSchema');
    if (typeof s.introspect !== 'string') fail('schema.introspect', '"schema.introspect" must be a string of TypeScript declarations');
    const methods = optionalObject(s, 'methods', 'schema');
    const protocol = announcement(optionalObject(b, 'protocol', '', ANNOUNCEMENT));
    const schema: ConnectorSchema = {
      configSchema: { ...configSchema, fields: fields ?? {} } as ConnectorSchema['configSchema'],
      introspect: s.introspect,
    };
    if (methods !== undefined) schema.methods = methods as NonNullable<ConnectorSchema['methods']>;
    const checkedBody: RegisterBody = {
      deployment: typeof deployment === 'string' ? deployment : '',
      name,
      version,
      id,
      publicKey: publicKey ?? null,
      schema,
    };
    const icon = optionalString(b, 'icon');
    if (icon !== undefined) checkedBody.icon = icon;
    if (protocol !== undefined) checkedBody.protocol = protocol;
    return checkedBody;
  });
}

/**
 * Checks a connect body (§2 step 1): an object, whose `protocol` (§8), when sent, is an
 * announcement. An empty body is v1's `{}`.
 */
export function checkConnectBody(body: unknown): Checked<ConnectBody> {
  return checked(() => {
    if (body === undefined) return {};
    const b = object(body, '', 'a JSON object ({} or {"protocol": {"version": 1, "features": […]}})');
    const protocol = announcement(optionalObject(b, 'protocol', '', ANNOUNCEMENT));
    return protocol === undefined ? {} : { protocol };
  });
}

/** Checks a register answer (§2 step 2): `key` a non-empty string; `protocol` as announced (§8). */
export function checkRegisterAnswer(answer: unknown): Checked<RegisterAnswer> {
  return checked(() => {
    const a = object(answer, '', 'a JSON object {"key": …}');
    const key = requiredString(a, 'key');
    const protocol = announcement(isRecord(a.protocol) ? a.protocol : undefined);
    return protocol === undefined ? { key } : { key, protocol };
  });
}

/**
 * Reads a connect answer (§2 step 1: "workspace data for this instance") as a connector uses it,
 * never failing: a v1 workspace's data may have any shape, so members of another type than ours
 * (`instance`, `protocol`, `challenge`) are left out and the rest is kept.
 */
export function readConnectAnswer(answer: unknown): ConnectAnswer {
  if (!isRecord(answer)) return {};
  const { instance, protocol, challenge, ...rest } = answer;
  const read: ConnectAnswer = { ...rest };
  if (isRecord(instance) && typeof instance.id === 'string') {
    const { id, name, connectorId, connector } = instance;
    read.instance = {
      id,
      name: typeof name === 'string' ? name : '',
      connectorId: typeof connectorId === 'string' ? connectorId : '',
      ...(typeof connector === 'string' ? { connector } : {}),
    };
  }
  const announced = announcement(isRecord(protocol) ? protocol : undefined);
  if (announced !== undefined) read.protocol = announced;
  if (typeof challenge === 'string') read.challenge = challenge;
  return read;
}
