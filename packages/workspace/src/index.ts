/**
 * `@connector-kit/workspace`: a local workspace that speaks the server side of the connector
 * protocol (v1), with an admin API. Every export is public API: `startWorkspace`, its options and
 * what it returns, the errors, and `signWebhook` (to post signed messages to a webhook in a test).
 * The server's parts (hub, store, migrations, limits) are internal: the package's own tests import
 * them from their modules. packages/workspace/test/exports.test.ts lists these exports: a new one
 * is a conscious change.
 */
export { startWorkspace, type WorkspaceOptions, type Workspace } from './workspace.js';
export {
  WorkspaceError,
  WorkspaceErrorCode,
  type WorkspaceErrorCodeName,
  RequestRejected,
  WebhookRejected,
  type WorkspaceErrorOptions,
  type RequestRejectedOptions,
} from './errors.js';
export { signWebhook, type WebhookLimits } from './server/webhooks.js';
export type { DeviceLimits } from './server/limits.js';
export type { BackpressureLimits } from './server/connection.js';
export type { PostgresDriverOptions } from './store/postgres.js';
// The types of `Workspace.hub` and `Workspace.store` (values are made by startWorkspace only).
export type { Hub, CallOptions, HealthReport, OnlineInstance } from './server/hub.js';
export type { Store, ConnectorRecord, InstanceRecord, ConfigEntry, TaskRecord, BlobRecord, WebhookRecord } from './store/store.js';
