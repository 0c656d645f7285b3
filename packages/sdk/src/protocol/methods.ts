/**
 * Method names of the protocol (protocol.md §4, §7) and the name rules both sides follow.
 */

/** Workspace → connector requests (§4). */
export const WorkspaceMethod = {
  introspect: 'connector.introspect',
  setConfig: 'connector.set-config',
  query: 'connector.query',
  startOAuth: 'connector.start-oauth',
  finishOAuth: 'connector.finish-oauth',
  /** A notice, only where `cancellation` was negotiated (§8): `{c, reason}`. */
  cancel: 'connector.cancel',
  /** §8 `webhook-subscriptions` only: subscribe the provider to a workspace webhook. */
  webhookSubscribe: 'connector.webhook.subscribe',
  /** §8 `webhook-subscriptions` only: end that subscription, with the state subscribe returned. */
  webhookUnsubscribe: 'connector.webhook.unsubscribe',
} as const;

/** Connector → workspace requests and notices (§4). */
export const ConnectorMethod = {
  taskNew: 'connector.task.new',
  taskUpdate: 'connector.task.update',
  blobCreate: 'connector.blob.create',
  blobGet: 'connector.blob.get',
  blobGetContent: 'connector.blob.get-content',
  configUpdate: 'connector.config-update',
  healthCheck: 'connector.health.check',
  /** A notice, only where `progress` was negotiated (§8): `{c, message?, done?, total?}` of the query `c` in flight. */
  progress: 'connector.progress',
} as const;

/** Prefix of callback ids on requests the connector sends (§4). */
export const CONNECTOR_REQUEST_PREFIX = '_req-';

/** Query names with a fixed meaning (§7). */
export const SpecialQuery = {
  endpoint: '_endpoint',
  endpointV1: '__endpoint',
  autocomplete: '__autocomplete',
  fallback: '__default',
} as const;

/**
 * Segments that never name a method, whatever the connector defines (§4): they would
 * resolve to prototype members on a plain object.
 */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

/** A segment of a method name: a JavaScript identifier (dots separate segments). */
const SEGMENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Turns the `query` of a `connector.query` (§4: a dotted name or an array of segments)
 * into its canonical dotted form, or undefined when it cannot name a method.
 */
export function normalizeQueryName(query: unknown): string | undefined {
  let segments: unknown[];
  if (typeof query === 'string') segments = query.split('.');
  else if (Array.isArray(query)) segments = query.flatMap((s) => (typeof s === 'string' ? s.split('.') : [s]));
  else return undefined;
  if (segments.length === 0) return undefined;
  for (const segment of segments) {
    if (typeof segment !== 'string' || FORBIDDEN_SEGMENTS.has(segment) || !SEGMENT.test(segment)) return undefined;
  }
  return segments.join('.');
}

/** Why `name` is not a valid method name for a connector to declare, or undefined when it is. */
export function checkMethodName(name: string): string | undefined {
  const segments = name.split('.');
  for (const segment of segments) {
    if (!SEGMENT.test(segment)) {
      return `method name "${name}" has an invalid segment "${segment}": use letters, digits, _ and $, separated by dots`;
    }
    if (FORBIDDEN_SEGMENTS.has(segment)) {
      return `method name "${name}" uses the reserved segment "${segment}"`;
    }
  }
  return undefined;
}
