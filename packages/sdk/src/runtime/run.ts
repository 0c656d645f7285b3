/**
 * `runConnector`: everything a connector process does from start to exit.
 */
import type { Logger } from 'pino';
import type { ConnectorSchema } from '../protocol/index.js';
import { ConnectorError } from '../errors.js';
import type { Connector } from '../connector/define.js';
import { buildManifest } from '../connector/manifest.js';
import { withManifestSchemas } from '../controller/schemas.js';
import { readRuntimeEnv } from './env.js';
import { loadKeys } from './keys.js';
import { createLogger } from './logger.js';
import { logFormatOf } from './pretty-log.js';
import { fileKeyStore } from './instance-state.js';
import { ConnectorRuntime } from './runtime.js';
import { SecretScrubber } from './scrub.js';
import type { WorkspaceLinkOptions } from '../transport/link.js';
import { checkExtraCaCerts, checkProxyEnv } from '../proxy/index.js';
import {
  ObserverSlot,
  observabilityWanted,
  readObservabilitySettings,
  startObservability,
  tracerProviderRegistered,
  type Observability,
} from '../observability/index.js';

export { STATE_DIR } from './instance-state.js';

/** Options of {@link runConnector}. */
export interface RunOptions {
  /** Connector id. @default the definition's `id` */
  connectorId?: string;
  /** Version. @default the definition's `version`, else '0.0.0' */
  version?: string;
  /** The manifest written by `connector build`. @default built from the definition at start */
  manifest?: ConnectorSchema;
  /** Environment. @default process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * Where the connector logs. The default one replaces the known secret values (secret config
   * fields, OAuth tokens) in every line; a logger of your own gets them replaced in the runtime's
   * own error lines only (a handler's `ctx.logger.info(secret)` goes through as written).
   * @default the SDK's logger (JSON lines on stdout; LOG_LEVEL, LOG_FORMAT)
   */
  logger?: Logger;
  /** Exit the process on SIGTERM/SIGINT after draining, and on a fatal error. @default true */
  handleSignals?: boolean;
  /**
   * Folder where this instance keeps its connector key between starts (one file per instance
   * name), or null to keep none and register on every start. `CONNECTOR_STATE_DIR` overrides it
   * (set to nothing: keep none). `CONNECTOR_KEY` wins over a kept key.
   * @default null (`connector start` and bundles pass `<project>/.connector`)
   */
  stateDir?: string | null;
  /**
   * The connector's name in the workspace, for commands in messages until the workspace tells
   * it on connect. @default the definition's name (`connector start` passes the package name)
   */
  name?: string;
  /** Tuning of the workspace link: reconnect backoff, liveness, offline queue, backpressure. @default the link's defaults */
  link?: LinkTuning;
  /** Variables that `.env` set after Node started (what {@link loadDotEnv} returned): `NODE_EXTRA_CA_CERTS` there comes too late. @default [] */
  fromDotEnv?: readonly string[];
}

/** The link settings a connector may tune (see {@link WorkspaceLinkOptions} for each default). */
export type LinkTuning = Pick<
  WorkspaceLinkOptions,
  | 'backoff'
  | 'stableAfterMs'
  | 'pingIntervalMs'
  | 'deadAfterMs'
  | 'connectTimeoutMs'
  | 'connectHedgeMs'
  | 'registerTimeoutMs'
  | 'requestTimeoutMs'
  | 'maxPayload'
  | 'offlineQueueLimit'
  | 'offlineQueueMaxChars'
  | 'offlineQueueTtlMs'
  | 'sendHighWaterMark'
>;

/** A running connector. */
export interface RunningConnector {
  runtime: ConnectorRuntime;
  /** Drains and disconnects. */
  stop(): Promise<void>;
  /** Resolves when connected for the first time; rejects on a permanent error (e.g. a rejected token). */
  ready: Promise<void>;
}

/**
 * Starts serving `connector` with settings from env (§1, §2). Proxy variables (`HTTPS_PROXY`,
 * `HTTP_PROXY`, `NO_PROXY`) are read from `process.env`, as by every HTTP tool.
 * @throws ConnectorError `CONNECTOR_ID_MISSING`, `KEYS_MISSING`, `KEY_INVALID`, `CA_CERTS_INVALID`, `CONFIG_INVALID` (METRICS_PORT, HEALTH_PORT, LOG_FORMAT); ProxyError `PROXY_INVALID`. A port that cannot be bound (`LISTEN_FAILED`) rejects `ready`
 */
export function runConnector(given: Connector, options: RunOptions = {}): RunningConnector {
  // Misconfigured network settings fail now, not at the first connection.
  checkProxyEnv(process.env);
  checkExtraCaCerts(process.env, options.fromDotEnv);
  const env = readRuntimeEnv(options.env ?? process.env);
  // A class-style connector's calls are checked against the schemas `connector build` read from its types.
  const connector = options.manifest === undefined ? given : withManifestSchemas(given, options.manifest);
  // Known secret values never leave the process: not in answers, health notices or log lines.
  const scrubber = new SecretScrubber();
  const logger =
    options.logger ??
    createLogger({ level: env.logLevel, name: connector.definition.name, format: logFormatOf(options.env ?? process.env), scrubber });
  const connectorId = options.connectorId ?? connector.definition.id;
  if (!connectorId) {
    throw new ConnectorError('CONNECTOR_ID_MISSING', 'no connector id: set "connectorId" in package.json or `id` in defineConnector()');
  }
  const version = options.version ?? connector.definition.version ?? '0.0.0';
  const schema = options.manifest ?? buildManifest(connector);
  // OAuth tokens (`oauthResult`, a managed field) are stored encrypted to the connector's own key too.
  const needsKeys =
    Object.values(schema.configSchema.fields).some((f) => !f.plain && f.type !== 'managed') || schema.configSchema.oauth === true;
  const keys = loadKeys(env, needsKeys);
  const instanceName = env.hostname ?? `${connectorId}/${version}`;
  const stateDir = env.stateDir !== undefined ? env.stateDir : (options.stateDir ?? null);
  const keyStore =
    stateDir === null ? undefined : fileKeyStore(stateDir, { deviceEndpoint: env.deviceEndpoint, connectorId, instanceName }, logger);

  // Metrics, the health endpoint and traces: nothing is created, loaded or called per call unless one is on.
  const observability = readObservabilitySettings(options.env ?? process.env);
  const slot = observabilityWanted(observability, tracerProviderRegistered()) ? new ObserverSlot() : undefined;

  const runtime = new ConnectorRuntime({
    ...(slot === undefined ? {} : { observer: slot }),
    connector,
    connectorId,
    version,
    schema,
    logger,
    scrubber,
    keys: keys.ring,
    env: options.env ?? process.env,
    ...(options.name === undefined ? {} : { name: options.name }),
    link: {
      ...options.link,
      instanceName,
      deviceEndpoint: env.deviceEndpoint,
      websocketEndpoint: env.websocketEndpoint,
      deployment: env.deployment,
      publicKey: keys.publicKey,
      // The current key (the ring's first) proves the instance holds the private key of publicKey.
      ...(keys.ring[0] === undefined ? {} : { proofKey: keys.ring[0].key }),
      ...(env.registrationToken === undefined ? {} : { registrationToken: env.registrationToken }),
      ...(env.connectorKey === undefined ? {} : { connectorKey: env.connectorKey }),
      ...(keyStore === undefined ? {} : { keyStore }),
    },
  });

  let setupFailed: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    runtime.link.once('open', () => resolve());
    runtime.link.once('fatal', reject);
    setupFailed = reject;
  });
  ready.catch(() => undefined); // observed below or by the caller

  let running: Observability | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= runtime.shutdown().then(() => running?.close()));

  if (options.handleSignals ?? true) {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals > 1) {
        logger.warn(`${signal} again: exiting now`);
        process.exit(1);
      }
      logger.info(`${signal}: finishing calls in flight, then disconnecting`);
      void stop().then(() => process.exit(0));
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    const fatal = (error: Error): void => {
      logger.fatal(error.message);
      process.exitCode = 1;
      void stop().then(() => process.exit(1));
    };
    runtime.link.once('fatal', fatal);
    ready.catch((error: Error) => {
      if (runtime.link.state === 'idle') fatal(error); // a setup failure: the link never started
    });
  }

  runtime.link.on('open', () => logger.info({ features: [...runtime.link.features] }, 'connected to the workspace'));
  if (slot === undefined) runtime.start();
  else {
    // The endpoints are up before the connector connects: a probe never sees a half-started process.
    startObservability(observability, runtime.link, version).then(
      (started) => {
        running = started;
        slot.set(started.observer);
        logger.info(
          { metrics: started.metrics?.url, health: started.health?.url, tracing: started.tracing },
          'observability: metrics, health endpoint and traces as configured',
        );
        runtime.start();
      },
      (error: Error) => setupFailed(error),
    );
  }
  return { runtime, stop, ready };
}
