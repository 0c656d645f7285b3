/**
 * `@connector-kit/sdk/protocol`: the connector protocol's shapes and names, shared by the
 * connector runtime and the workspace. Every export is public API.
 */
export {
  type Packet,
  type Frame,
  type ErrorAnswer,
  type FrameProblem,
  type ParsedFrame,
  parseFrame,
  encodeFrame,
  isErrorAnswer,
  createIdGenerator,
} from './packet.js';
export {
  WorkspaceMethod,
  ConnectorMethod,
  CONNECTOR_REQUEST_PREFIX,
  SpecialQuery,
  FORBIDDEN_SEGMENTS,
  normalizeQueryName,
  checkMethodName,
} from './methods.js';
export { CONNECTOR_NAME_PATTERN, connectorNameOf } from './names.js';
export type { ConfigFieldType, ConfigFieldSchema, ConfigSchema, ConnectorSchema, MethodSchema } from './config-schema.js';
export {
  Feature,
  type FeatureName,
  type ProtocolAnnouncement,
  type RegisterBody,
  type RegisterAnswer,
  type ConnectBody,
  type ConnectAnswer,
  WEBSOCKET_SUBPROTOCOL,
  AUTH_SCHEME,
  negotiateFeatures,
} from './handshake.js';
export { WireErrorCode, type WireErrorCodeName } from './errors.js';
export { parseTraceparent, formatTraceparent, cleanTracestate, type TraceParent } from './trace-context.js';
export {
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_TOLERANCE_MS,
  defaultToleranceMs,
  Liveness,
  type HeartbeatClock,
  type LivenessOptions,
} from './heartbeat.js';
