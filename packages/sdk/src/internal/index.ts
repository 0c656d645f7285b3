/**
 * `@connector-kit/sdk/internal`: what the kit's own packages (the workspace, the CLIs, the
 * kit's tests and benches) share and connector authors do not need: the runtime behind
 * `runConnector`, the link to the workspace, env and state-file reading. Not public API: it may
 * change in any release. packages/sdk/test/exports.test.ts lists its exports.
 */
export { brandErrorClass, ConnectorError } from '../errors.js';
export { STATE_DIR } from '../runtime/run.js';
export { fileKeyStore, stateFileName } from '../runtime/instance-state.js';
export type { InstanceIdentity } from '../runtime/instance-state.js';
export { ConnectorRuntime, SDK_FEATURES } from '../runtime/runtime.js';
export type { RuntimeOptions } from '../runtime/runtime.js';
export { readRuntimeEnv, loadDotEnv, DEFAULT_DEVICE_ENDPOINT, DEFAULT_WEBSOCKET_ENDPOINT } from '../runtime/env.js';
export type { RuntimeEnv } from '../runtime/env.js';
export { createLogger } from '../runtime/logger.js';
export { WorkspaceLink } from '../transport/link.js';
export type { WorkspaceLinkOptions, LinkState, KeyStore } from '../transport/link.js';
export { fullJitterBackoff } from '../transport/backoff.js';
export type { BackoffOptions } from '../transport/backoff.js';
export type { Timers } from '../transport/timers.js';
