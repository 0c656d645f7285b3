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
  /**
   * `connector.task.new` may carry `idempotencyKey`, and its answer is `{id, created}` (`created`
   * false when the key matched an earlier task) instead of v1's bare id string (§4).
   */
  idempotencyKeys: 'idempotency-keys',
  /**
   * `connector.query` may carry the workspace's W3C trace context as `a.traceparent` (and
   * `a.tracestate`), so the connector's spans join the workspace's trace (trace-context.ts).
   */
  traceContext: 'trace-context',
  /**
   * `connector.query` carries its deadline as `a.timeoutMs` (the milliseconds left when the
   * workspace sent it; counted by the connector from when it arrives, so clocks need not agree).
   * At the deadline the connector aborts the handler's `ctx.signal` and answers `TIMEOUT`.
   */
  deadlines: 'deadlines',
  /**
   * The workspace may send the notice `connector.cancel` `{c, reason}` (no answer expected) when
   * the caller of the query with callback id `c` gave up (`reason: "caller"`) or its deadline
   * passed (`"timeout"`). The connector aborts that call's `ctx.signal` and answers it at once.
   */
  cancellation: 'cancellation',
  /**
   * The connector may send the notice `connector.progress` `{c, message?, done?, total?}` (no
   * answer expected) for the query with callback id `c` while it runs (progress.ts). Each notice
   * the workspace receives moves that call's deadline to now + its timeout, never past its longest
   * total time, which a query carries as `a.maxTimeoutMs` where `deadlines` is negotiated too.
   */
  progress: 'progress',
  /**
   * The workspace may send `connector.webhook.subscribe` `{webhook: {id, name, url, secret}}`
   * (`secret`: a JWE to the connector's key, or null) when it attaches a webhook to the connector,
   * answered with `{state}`, and `connector.webhook.unsubscribe` `{webhook: {id, name, url},
   * state}` when it removes it. A connector announces it only when it defines `webhooks`.
   */
  webhookSubscriptions: 'webhook-subscriptions',
  /**
   * Proof of possession of the private key (issue 13 finding 1): the `connect` answer carries a
   * `challenge`; the connector signs it (secrets/proof.ts) and sends the signature in the
   * {@link KEY_PROOF_HEADER} of the WebSocket upgrade, which the workspace verifies against the
   * public key the instance registered with before it gets calls, config or OAuth steps.
   */
  keyProof: 'key-proof',
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
  /** With {@link Feature.keyProof}: the nonce to sign for the upgrade that follows. */
  challenge?: string;
  [key: string]: unknown;
}

/** Header of the WebSocket upgrade (§3) that carries the signed `connect` challenge ({@link Feature.keyProof}). */
export const KEY_PROOF_HEADER = 'x-connector-key-proof';

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
