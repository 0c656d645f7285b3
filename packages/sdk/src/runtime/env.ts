/**
 * Runtime settings from the environment and a `.env` file (protocol.md §1, §2).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

/** Settings the runtime reads from env. */
export interface RuntimeEnv {
  /** `REGISTRATION_TOKEN`. */
  registrationToken?: string;
  /** `DEVICE_ENDPOINT` (with a trailing slash). @default 'https://connect.aloma.io/' */
  deviceEndpoint: string;
  /** `WEBSOCKET_ENDPOINT`. @default 'wss://connect.aloma.io/transport/' */
  websocketEndpoint: string;
  /** `HOSTNAME`: the instance name (§1). */
  hostname?: string;
  /** `DEPLOYMENT`. @default '' */
  deployment: string;
  /** `PRIVATE_KEY` (base64 PEM). */
  privateKey?: string;
  /** `PUBLIC_KEY` (base64 PEM). */
  publicKey?: string;
  /** `PREVIOUS_PRIVATE_KEY`: still accepted for decryption during a key rotation. */
  previousPrivateKey?: string;
  /** `CONNECTOR_KEY`: reuse a registration instead of registering on start. */
  connectorKey?: string;
  /** `LOG_LEVEL`. @default 'info' */
  logLevel: string;
  /**
   * `CONNECTOR_STATE_DIR`: where the connector key is kept between starts; null when set to
   * nothing (keep no key), undefined when not set.
   */
  stateDir?: string | null;
}

/** §1 defaults. */
export const DEFAULT_DEVICE_ENDPOINT = 'https://connect.aloma.io/';
export const DEFAULT_WEBSOCKET_ENDPOINT = 'wss://connect.aloma.io/transport/';

/**
 * Loads `<dir>/.env` into `process.env` without overriding variables that are already set
 * (the real environment wins), and returns the names it set.
 */
export function loadDotEnv(dir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  let text: string;
  try {
    text = readFileSync(join(dir, '.env'), 'utf8');
  } catch {
    return [];
  }
  const parsed = parseEnv(text);
  const set: string[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (env[name] === undefined && typeof value === 'string') {
      env[name] = value;
      set.push(name);
    }
  }
  return set;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Reads the runtime settings from `env`. */
export function readRuntimeEnv(env: NodeJS.ProcessEnv = process.env): RuntimeEnv {
  const device = nonEmpty(env.DEVICE_ENDPOINT) ?? DEFAULT_DEVICE_ENDPOINT;
  const out: RuntimeEnv = {
    deviceEndpoint: device.endsWith('/') ? device : `${device}/`,
    websocketEndpoint: nonEmpty(env.WEBSOCKET_ENDPOINT) ?? DEFAULT_WEBSOCKET_ENDPOINT,
    deployment: nonEmpty(env.DEPLOYMENT) ?? '',
    logLevel: nonEmpty(env.LOG_LEVEL) ?? 'info',
  };
  const optional = {
    registrationToken: env.REGISTRATION_TOKEN,
    hostname: env.HOSTNAME,
    privateKey: env.PRIVATE_KEY,
    publicKey: env.PUBLIC_KEY,
    previousPrivateKey: env.PREVIOUS_PRIVATE_KEY,
    connectorKey: env.CONNECTOR_KEY,
  };
  for (const [key, value] of Object.entries(optional)) {
    const v = nonEmpty(value);
    if (v !== undefined) (out as unknown as Record<string, string>)[key] = v;
  }
  if (env.CONNECTOR_STATE_DIR !== undefined) out.stateDir = nonEmpty(env.CONNECTOR_STATE_DIR) ?? null;
  return out;
}
