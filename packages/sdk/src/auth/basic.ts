/**
 * `basic()`: username and password from the config, sent as HTTP Basic auth (RFC 7617).
 */
import type { ConfigFieldSchema } from '../protocol/index.js';
import { requireConfigValue, type AuthEnvironment, type AuthFieldOptions, type AuthSession } from './types.js';

/** Options of {@link basic} (and the credential fields of `session`). */
export interface BasicOptions {
  /** Labels of the username field. @default { label: 'Username' } */
  username?: AuthFieldOptions;
  /** Labels of the password field. @default { label: 'Password' } */
  password?: AuthFieldOptions;
}

/**
 * The config fields of username/password auth (`basic`, `session`), as `ctx.config` has them. A
 * type alias, not an interface: only aliases are assignable to an index-signature config type.
 */
export type CredentialConfig = {
  readonly username: string;
  readonly password: string;
};

/** A username/password auth, as declared. */
export interface BasicAuth extends BasicOptions {
  readonly type: 'basic';
  /** Phantom: the config fields this auth adds, for `ctx.config`'s type. */
  readonly __config?: CredentialConfig;
}

/** Declares HTTP Basic auth: `auth: basic()`. Adds the secret fields `username` and `password`. */
export function basic(options: BasicOptions = {}): BasicAuth {
  return { ...options, type: 'basic' };
}

/** The `username` and `password` fields (both secret). */
export function credentialFields(options: BasicOptions): Record<string, ConfigFieldSchema> {
  const field = (o: AuthFieldOptions | undefined, label: string, description: string): ConfigFieldSchema => ({
    name: o?.label ?? label,
    type: 'line',
    description: o?.description ?? description,
    ...(o?.placeholder === undefined ? {} : { placeholder: o.placeholder }),
  });
  return {
    username: field(options.username, 'Username', 'The user name (or email) the connector signs in with.'),
    password: field(options.password, 'Password', 'The password of that user.'),
  };
}

/** The username and password from the config. @throws ConnectorError `CONFIG_MISSING` */
export function readCredentials(options: BasicOptions, config: Readonly<Record<string, unknown>>): { username: string; password: string } {
  return {
    username: requireConfigValue(config, 'username', options.username?.label ?? 'Username'),
    password: requireConfigValue(config, 'password', options.password?.label ?? 'Password'),
  };
}

/** Run-time Basic auth: the credentials never change, so a 401 is final. */
export function createBasicSession(auth: BasicAuth, env: AuthEnvironment): AuthSession {
  return {
    async credentials() {
      const { username, password } = readCredentials(auth, env.config);
      return { headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}` }, query: {} };
    },
    async renew() {
      return false;
    },
    secrets() {
      const { username, password } = env.config;
      const pair =
        typeof username === 'string' && typeof password === 'string' ? [Buffer.from(`${username}:${password}`).toString('base64')] : [];
      return [password, ...pair].filter((v): v is string => typeof v === 'string');
    },
    rejectedHint() {
      return 'check the config fields "username" and "password"';
    },
    problem: () => undefined,
    close: () => undefined,
  };
}
