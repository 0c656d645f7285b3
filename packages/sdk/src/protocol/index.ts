/**
 * `@connector-kit/sdk/protocol`: the connector protocol's shapes and names, shared by the
 * connector runtime and the workspace. Every export is public API.
 */
export {
  type Packet,
  type RequestPacket,
  type AnswerPacket,
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
export { isRecord } from './json.js';
export { CONNECTOR_NAME_PATTERN, connectorNameOf } from './names.js';
export { ENDPOINT_TOKEN_FIELD, ENDPOINT_TOKEN_SCHEMA } from './endpoint.js';
export { MAX_FRAME_BYTES, SEND_HIGH_WATER_MARK, MAX_PACKETS_PER_FRAME, MAX_FRAME_CHARS, frameIsFull } from './frame.js';
export { DEFAULT_FRAME_BYTES, BLOB_FRAME_RESERVE, maxBlobBytes, decodeBase64 } from './blobs.js';
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
  KEY_PROOF_HEADER,
  negotiateFeatures,
} from './handshake.js';
export { WireErrorCode, type WireErrorCodeName, errorAnswer, type WireErrorFacts } from './errors.js';
export {
  AnswerFallbackCode,
  type AnswerFallbackCodeName,
  type AnswerErrorFacts,
  type AnswerParts,
  errorFromAnswer,
} from './error-answer.js';
export {
  type ProgressNotice,
  MAX_PROGRESS_MESSAGE_BYTES,
  PROGRESS_INTERVAL_MS,
  MIN_PROGRESS_INTERVAL_MS,
  progressIntervalMs,
  extendedDeadline,
  checkProgressNotice,
} from './progress.js';
export { parseTraceparent, formatTraceparent, cleanTracestate, type TraceParent } from './trace-context.js';
export {
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_TOLERANCE_MS,
  defaultToleranceMs,
  Liveness,
  type HeartbeatClock,
  type LivenessOptions,
} from './heartbeat.js';
export { type Checked, type ShapeProblem } from './check.js';
export {
  MAX_IDEMPOTENCY_KEY_LENGTH,
  type TaskNewArgs,
  type TaskNewAnswer,
  type TaskUpdateArgs,
  type TaskUpdateAnswer,
  type BlobCreateArgs,
  type BlobCreateAnswer,
  type BlobIdArgs,
  type BlobMetadata,
  type BlobContentAnswer,
  type ConfigUpdateArgs,
  type HealthCheckArgs,
  checkTaskNewArgs,
  checkTaskNewAnswer,
  checkTaskUpdateArgs,
  checkBlobCreateArgs,
  checkBlobCreateAnswer,
  checkBlobIdArgs,
  checkBlobMetadata,
  checkBlobContentAnswer,
  checkConfigUpdateArgs,
  readHealthCheckArgs,
} from './connector-calls.js';
export {
  type IntrospectAnswer,
  type SetConfigArgs,
  type QueryArgs,
  type QueryOptions,
  type StartOAuthAnswer,
  type FinishOAuthArgs,
  type FinishOAuthAnswer,
  type CancelArgs,
  type WebhookTargetArgs,
  type WebhookSubscribeArgs,
  type WebhookSubscribeAnswer,
  type WebhookUnsubscribeArgs,
  checkSetConfigArgs,
  readQueryOptions,
  checkStartOAuthAnswer,
  checkFinishOAuthArgs,
  checkFinishOAuthAnswer,
  checkCancelArgs,
  checkWebhookSubscribeArgs,
  checkWebhookUnsubscribeArgs,
  readWebhookSubscribeAnswer,
} from './workspace-calls.js';
export { checkRegisterBody, checkConnectBody, checkRegisterAnswer, readConnectAnswer } from './handshake-check.js';
