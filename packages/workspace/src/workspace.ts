/**
 * `startWorkspace`: opens the store, then serves the device endpoints, the transport and the
 * admin API on one port.
 */
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { DEFAULT_FRAME_BYTES, maxBlobBytes, type HeartbeatClock } from '@connector-kit/sdk/protocol';
import { WorkspaceError } from './errors.js';
import { adminTokenPath, loadOrCreateAdminToken } from './server/admin-token.js';
import { lockDataDir } from './server/data-lock.js';
import { heartbeatParameters } from './server/heartbeat.js';
import { createHttpServer } from './server/http.js';
import { Hub } from './server/hub.js';
import { startTracing } from './server/tracing.js';
import { DEFAULT_REGISTRATION_TOKEN_TTL_MS } from './server/trust.js';
import { deviceLimits, RegistrationRateLimiter, type DeviceLimits } from './server/limits.js';
import type { BackpressureLimits } from './server/connection.js';
import { OAuthService } from './server/oauth.js';
import { WebhookRateLimiter, webhookLimits, type WebhookLimits } from './server/webhooks.js';
import { openStore } from './store/open.js';
import { startFailure } from './server/start-errors.js';
import type { PostgresDriverOptions } from './store/postgres.js';
import type { Store } from './store/store.js';

/** Options of {@link startWorkspace}. */
export interface WorkspaceOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port to listen on; 0 picks a free one. @default 4700 */
  port?: number;
  /** Folder of the embedded database and the admin token; required. One workspace at a time: it is locked (`workspace.lock`) while this one runs. @default none */
  dataDir: string;
  /** PostgreSQL URL; when set, the store lives there instead of PGlite in `dataDir`. @default undefined */
  databaseUrl?: string | undefined;
  /** PostgreSQL pool options, e.g. a `schema` to keep test runs apart. @default {} */
  postgres?: PostgresDriverOptions | undefined;
  /** Time between pings to each connector, in ms (§3 liveness). @default 10000 */
  heartbeatIntervalMs?: number;
  /**
   * Silence on top of one interval after which an instance counts as gone, in ms: its socket is
   * dropped, it leaves the online list and its calls fail with CONNECTION_LOST (reliability.md
   * item 3). Only what the connector sends counts. @default heartbeatIntervalMs × 1.5 (15000)
   */
  heartbeatToleranceMs?: number;
  /** Default deadline of a call to a connector (§3). @default 300000 */
  callTimeoutMs?: number;
  /**
   * Longest total time of a call whose deadline progress notices extend (§8 `progress`), unless
   * the call asks for its own `maxMs`: each notice moves the deadline to now + the call's timeout,
   * never past its start + this. @default 3600000 (1 hour)
   */
  maxCallMs?: number | undefined;
  /** Largest WebSocket frame accepted, in bytes; bigger ones close the socket with 1009. @default 8388608 */
  maxPayload?: number;
  /**
   * Most content bytes of one blob (§4 `connector.blob.create`); a bigger one is answered with
   * `BLOB_TOO_LARGE`. @default what fits in one frame of `maxPayload` as base64 (6,290,688 bytes for 8 MiB)
   */
  maxBlobBytes?: number;
  /** When calls to an instance that does not read its socket wait, and when they are refused with CONNECTOR_BUSY. @default 4 MiB / 16 Mi characters */
  backpressure?: BackpressureLimits | undefined;
  /** Where to log. @default pino at level `LOG_LEVEL`, else 'info' */
  logger?: Logger;
  /** URL people's browsers reach the workspace at (behind a proxy); the OAuth callback is `<publicUrl>oauth/callback`. @default the listen URL */
  publicUrl?: string | undefined;
  /** Lifetime of an OAuth `state`, in ms. @default 600000 (10 minutes) */
  oauthStateTtlMs?: number | undefined;
  /**
   * Lifetime of a new registration token, in ms, unless it is made with its own `ttlSeconds`;
   * null: tokens never expire (not advised: a token registers instances that get calls). @default 3600000 (1 hour)
   */
  registrationTokenTtlMs?: number | null | undefined;
  /** Deadline of a connector's answer to data posted to its endpoint (`POST /endpoint/<connector>/<token>`, §7), in ms. @default 30000 */
  endpointTimeoutMs?: number | undefined;
  /** Body size, rate and timestamp limits of the webhook endpoints `POST /event/{id}` (§7). @default 1 MiB, 50/s with bursts of 100, ±300 s; failed messages 1/s with bursts of 20 per source address */
  webhooks?: WebhookLimits | undefined;
  /**
   * The clock of call deadlines and heartbeat watches: tests pass a manual one to let a
   * deadline pass without waiting for it. @default the system clock, timers unref'ed
   */
  clock?: HeartbeatClock | undefined;
  /**
   * Sizes per field of the register, connect and disconnect bodies and of health notices, and
   * registrations per minute per registration token (issue 13 finding 6); see limits.ts.
   * @default 2 MiB introspect and methods, 256 KiB configSchema and icon, 16 KiB publicKey, 256 bytes per name, 64 KiB connect body, 8 KiB health error, 30 registrations a minute with bursts of 20
   */
  deviceLimits?: DeviceLimits | undefined;
}

/** A running workspace. */
export interface Workspace {
  /** Base URL, e.g. `http://127.0.0.1:4700/`. */
  url: string;
  /** The value connectors need as `DEVICE_ENDPOINT` (§2): the base URL, trailing slash. */
  deviceEndpoint: string;
  /** The value connectors need as `WEBSOCKET_ENDPOINT` (§3), e.g. `ws://127.0.0.1:4700/transport/`. */
  websocketEndpoint: string;
  /** Bearer token of the admin API (also in `<dataDir>/admin-token`). */
  adminToken: string;
  /** The port actually listened on. */
  port: number;
  store: Store;
  /** Connected instances and calls to them. */
  hub: Hub;
  /** Closes sockets (1001), the HTTP server and the store. Safe to call more than once. */
  close(): Promise<void>;
}

function listen(server: NetServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(
        error.code === 'EADDRINUSE'
          ? new WorkspaceError(
              'PORT_IN_USE',
              `port ${port} on ${host} is already in use: stop the other process or pick another port (--port)`,
              { cause: error },
            )
          : error,
      );
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Starts a workspace.
 * @throws WorkspaceError `BAD_REQUEST` for a bad heartbeat setting, `PORT_IN_USE` when the port is taken, `DATA_DIR_LOCKED` when another
 *   workspace uses `dataDir`; `DISK_FULL`, `DATA_DIR_READ_ONLY`, `DATA_DIR_NOT_WRITABLE`, `DATA_DIR_NOT_A_FOLDER` when the data folder
 *   cannot be written, and `START_FAILED` (or the store's own code) when the store cannot open, each naming the step and the path
 */
export async function startWorkspace(options: WorkspaceOptions): Promise<Workspace> {
  if (typeof options.dataDir !== 'string' || options.dataDir === '') {
    throw new WorkspaceError('BAD_REQUEST', 'startWorkspace needs dataDir: the folder of the admin token (and of the embedded database)');
  }
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const callTimeoutMs = options.callTimeoutMs ?? 300_000;
  const maxCallMs = options.maxCallMs;
  if (maxCallMs !== undefined && !(typeof maxCallMs === 'number' && Number.isFinite(maxCallMs) && maxCallMs > 0)) {
    throw new WorkspaceError('BAD_REQUEST', `maxCallMs must be a positive number of ms, got ${JSON.stringify(maxCallMs)}`);
  }
  // Checked before anything is opened, so a bad value leaves nothing behind.
  const heartbeat = heartbeatParameters({ intervalMs: options.heartbeatIntervalMs, toleranceMs: options.heartbeatToleranceMs });
  const tokenTtl = options.registrationTokenTtlMs;
  if (tokenTtl !== undefined && tokenTtl !== null && !(typeof tokenTtl === 'number' && Number.isFinite(tokenTtl) && tokenTtl > 0)) {
    throw new WorkspaceError(
      'BAD_REQUEST',
      `registrationTokenTtlMs must be a positive number of ms, or null for tokens that never expire; got ${JSON.stringify(tokenTtl)}`,
    );
  }
  let devices: Required<DeviceLimits>;
  try {
    devices = deviceLimits(options.deviceLimits);
  } catch (error) {
    throw new WorkspaceError('BAD_REQUEST', (error as Error).message);
  }

  const port = options.port ?? 4700;
  // 1. Fail fast on a taken port, before seconds are spent opening the store.
  if (port !== 0) {
    const probe = createNetServer();
    await listen(probe, port, host);
    await new Promise((resolve) => probe.close(resolve));
  }

  // 2. State: the data folder's lock (one workspace per folder), admin token and store (migrated on open).
  // A disk that is full, read-only or not the workspace's says so, naming the step and the path.
  const dataDir = options.dataDir;
  const lock = await lockDataDir(dataDir).catch((error: unknown) => {
    throw startFailure('use the data folder', dataDir, error);
  });
  let adminToken: string;
  let store: Store;
  try {
    adminToken = await loadOrCreateAdminToken(dataDir).catch((error: unknown) => {
      throw startFailure('keep the admin token', adminTokenPath(dataDir), error);
    });
    store = await openStore({ dataDir, databaseUrl: options.databaseUrl, postgres: options.postgres }).catch((error: unknown) => {
      throw options.databaseUrl
        ? startFailure('open the PostgreSQL store (DATABASE_URL)', undefined, error)
        : startFailure('open the embedded database', join(dataDir, 'pglite'), error);
    });
  } catch (error) {
    await lock.release().catch(() => {});
    throw error;
  }

  // 3. Server: device endpoints, transport and admin API on one port. Spans only when an
  // OpenTelemetry SDK registered a tracer provider before this start (issue 16).
  const tracer = await startTracing();
  const hub = new Hub({
    store,
    tracer,
    logger,
    callTimeoutMs,
    ...(maxCallMs === undefined ? {} : { maxCallMs }),
    ...(options.backpressure === undefined ? {} : { backpressure: options.backpressure }),
    maxBlobBytes: options.maxBlobBytes ?? maxBlobBytes(options.maxPayload ?? DEFAULT_FRAME_BYTES),
    heartbeat,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    healthErrorBytes: devices.healthErrorBytes,
  });
  const oauth = new OAuthService({
    store,
    hub,
    logger,
    ...(options.oauthStateTtlMs === undefined ? {} : { ttlMs: options.oauthStateTtlMs }),
  });
  const limits = webhookLimits(options.webhooks);
  const httpContext = {
    store,
    hub,
    logger,
    adminToken,
    callTimeoutMs,
    registrationTokenTtlMs:
      options.registrationTokenTtlMs === undefined ? DEFAULT_REGISTRATION_TOKEN_TTL_MS : options.registrationTokenTtlMs,
    oauth,
    maxPayload: options.maxPayload ?? 8 * 1024 * 1024,
    webhookLimits: limits,
    webhookRate: new WebhookRateLimiter(limits.ratePerSecond, limits.burst),
    webhookFailures: new WebhookRateLimiter(limits.failureRatePerSecond, limits.failureBurst),
    deviceLimits: devices,
    registrationRate: new RegistrationRateLimiter(devices),
    ...(options.endpointTimeoutMs === undefined ? {} : { endpointTimeoutMs: options.endpointTimeoutMs }),
    baseUrl: '',
  };
  const { server, closeWebSocketServer } = createHttpServer(httpContext);
  try {
    await listen(server, port, host);
  } catch (error) {
    await store.close().catch(() => {});
    await lock.release();
    throw error;
  }

  const actualPort = (server.address() as AddressInfo).port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const url = `http://${hostInUrl}:${actualPort}/`;
  oauth.setBaseUrl(options.publicUrl ?? url);
  httpContext.baseUrl = options.publicUrl ?? url;
  logger.info({ url }, 'workspace listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await hub.closeAll(1001, 'workspace closing');
      closeWebSocketServer();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
      await lock.release();
      logger.info({ url }, 'workspace closed');
    })();
    return closing;
  };

  return {
    url,
    deviceEndpoint: url,
    websocketEndpoint: `ws://${hostInUrl}:${actualPort}/transport/`,
    adminToken,
    port: actualPort,
    store,
    hub,
    close,
  };
}
