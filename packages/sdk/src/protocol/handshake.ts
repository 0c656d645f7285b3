/**
 * Bodies of the HTTP handshake (protocol.md §2) and the extension negotiation of §8.
 */
import type { ConnectorSchema } from './config-schema.js';

/** Extensions this codebase knows (§8). A peer uses one only when both sides listed it. */
export const Feature = {
  /** Error answers may carry `code`, `details`, `retryable`. */
  structuredErrors: 'structured-errors',
  /** The manifest carries JSON Schema for each method. */
  jsonSchema: 'json-schema',
  /** `connector.task.new` may carry `idempotencyKey`. */
  idempotencyKeys: 'idempotency-keys',
  /**
   * `connector.query` may carry the workspace's W3C trace context as `a.traceparent` (and
   * `a.tracestate`), so the connector's spans join the workspace's trace (trace-context.ts).
   */
  traceContext: 'trace-context',
} as const;
export type FeatureName = (typeof Feature)[keyof typeof Feature];

/** The `protocol` member a connector sends in `register` and `connect`, and the workspace answers (§8). */
export interface ProtocolAnnouncement {
  version: 1;
  features: string[];
}

/** Body of `POST {DEVICE_ENDPOINT}register` (§2). */
export interface RegisterBody {
  deployment: string;
  name: string;
  version: string;
  id: string;
  publicKey: string | null;
  schema: ConnectorSchema;
  icon?: string;
  protocol?: ProtocolAnnouncement;
}

/** Answer to `register` (§2). */
export interface RegisterAnswer {
  key: string;
  protocol?: ProtocolAnnouncement;
}

/** Body of `POST {DEVICE_ENDPOINT}connect`: v1 sends `{}`; we add the announcement (§8). */
export interface ConnectBody {
  protocol?: ProtocolAnnouncement;
}

/** Answer to `connect` (§2: "workspace data for this instance"), plus the negotiated subset (§8). */
export interface ConnectAnswer {
  /** `connector`: the connector's name in this workspace (`workspace connector add <name>`), for commands in messages. */
  instance?: { id: string; name: string; connectorId: string; connector?: string };
  protocol?: ProtocolAnnouncement;
  [key: string]: unknown;
}

/** The WebSocket sub-protocol (§3). */
export const WEBSOCKET_SUBPROTOCOL = 'connector';

/** Scheme of the `Authorization` header on every request and on the WebSocket (§2, §3). */
export const AUTH_SCHEME = 'Connector';

/** The features both lists contain, in the order of `ours`. */
export function negotiateFeatures(ours: readonly string[], theirs: unknown): string[] {
  if (!Array.isArray(theirs)) return [];
  const offered = new Set(theirs.filter((f): f is string => typeof f === 'string'));
  return ours.filter((f) => offered.has(f));
}
