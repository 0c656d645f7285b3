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

const ASSIGNMENT = /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=(.*)$/;

/** A line of a `.env` text that Node's parser skips or misreads. */
export interface DotEnvProblem {
  /** 1-based. */
  line: number;
  /** What is wrong and what to do, without the line's text (it may hold a secret). */
  reason: string;
}

/**
 * The lines of a `.env` text that are neither `NAME=value` (optionally `export`ed), a comment
 * nor blank: Node's parser skips them without a word, so a pasted key without its name, or a
 * typo such as `API KEY=…`, silently leaves a variable unset. An indented comment is one too:
 * Node 20 reads it as part of the next variable's name. Lines inside a quoted value that spans
 * several lines are part of that value.
 */
export function dotEnvProblems(text: string): DotEnvProblem[] {
  const problems: DotEnvProblem[] = [];
  let openQuote: string | undefined;
  text.split(/\r?\n/).forEach((line, index) => {
    if (openQuote !== undefined) {
      if (line.includes(openQuote)) openQuote = undefined;
      return;
    }
    const trimmed = line.trim();
    if (trimmed === '' || line.startsWith('#')) return;
    if (trimmed.startsWith('#')) {
      problems.push({ line: index + 1, reason: 'is a comment after spaces, which Node reads as part of the next name: remove the spaces' });
      return;
    }
    const assignment = ASSIGNMENT.exec(line);
    if (assignment === null) {
      problems.push({ line: index + 1, reason: 'is not NAME=value, a comment or blank, so it was ignored: write it as NAME=value' });
      return;
    }
    const value = assignment[1]!.trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'" || quote === '`') && !value.slice(1).includes(quote)) openQuote = quote;
  });
  return problems;
}

/**
 * Loads `<dir>/.env` into `process.env` without overriding variables that are already set
 * (the real environment wins), and returns the names it set. Lines that are not `NAME=value`
 * are reported through `warn` by number only (they may hold a secret).
 */
export function loadDotEnv(
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = (message) => void process.stderr.write(`warning: ${message}\n`),
): string[] {
  const file = join(dir, '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  for (const problem of dotEnvProblems(text)) warn(`${file} line ${problem.line} ${problem.reason}`);
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
