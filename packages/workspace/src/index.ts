/**
 * `@connector-kit/workspace`: a local workspace that speaks the server side of the connector
 * protocol (v1), with an admin API. Every export is public API.
 */
export { startWorkspace, type WorkspaceOptions, type Workspace } from './workspace.js';
export { Hub, type CallOptions, type HubOptions, type HealthReport, type OnlineInstance } from './server/hub.js';
export { WorkspaceError, WorkspaceErrorCode } from './errors.js';
export { SECRET_MASK } from './server/config.js';
export { OAuthService, OAUTH_CALLBACK_PATH, type OAuthServiceOptions, type OAuthStart } from './server/oauth.js';
export {
  OAuthStateStore,
  pkcePair,
  type OAuthStateEntry,
  type OAuthStateProblem,
  type OAuthStateStoreOptions,
} from './server/oauth-state.js';
export { ADMIN_TOKEN_FILE, adminTokenPath, loadOrCreateAdminToken } from './server/admin-token.js';
export { heartbeatParameters, type HeartbeatOptions, type HeartbeatParameters } from './server/heartbeat.js';
export { splitIntoFrames, MAX_PACKETS_PER_FRAME, MAX_FRAME_CHARS } from './server/connection.js';
export {
  EVENT_PREFIX,
  WEBHOOK_SECRET_PREFIX,
  WebhookRateLimiter,
  WebhookRejected,
  newWebhookSecret,
  signWebhook,
  verifyWebhook,
  type WebhookLimits,
} from './server/webhooks.js';
export { describeMethods, type MethodInfo } from './manifest.js';
export { openStore, type OpenStoreOptions } from './store/open.js';
export { SqlStore } from './store/sql-store.js';
export { openPgliteDriver } from './store/pglite.js';
export { openPostgresDriver, type PostgresDriverOptions } from './store/postgres.js';
export { migrate, MIGRATIONS, type Migration } from './store/migrations.js';
export type {
  Store,
  SqlDriver,
  ConnectorRecord,
  InstanceRecord,
  NewInstance,
  ConfigEntry,
  TaskRecord,
  NewTask,
  BlobRecord,
  NewBlob,
  WebhookRecord,
  NewWebhookTask,
} from './store/store.js';
