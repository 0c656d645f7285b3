/**
 * `session()`: log in with username and password, then send the session token; log in again
 * when the session expires or the API answers 401.
 */
import type { ConfigFieldSchema } from '../protocol/index.js';
import { ConnectorError } from '../errors.js';
import type { Credentials } from '../http/authenticator.js';
import type { HttpClient } from '../http/client.js';
import { HttpError } from '../http/errors.js';
import { credentialFields, readCredentials, type BasicOptions, type CredentialConfig } from './basic.js';
import type { AuthEnvironment, AuthSession } from './types.js';

/** What `login` returns: at least a token, and when it expires if the API says so. */
export interface SessionToken {
  /** The session token (sent as `Authorization: Bearer <token>` unless `apply` says otherwise). */
  token: string;
  /** When the session ends (a Date or epoch ms). @default never: a 401 ends it */
  expiresAt?: Date | number | undefined;
}

/** Options of {@link session}. */
export interface SessionOptions<S extends SessionToken = SessionToken> extends BasicOptions {
  /** Logs in; `http` is a client without credentials, bound to the connector's base URL. */
  login(credentials: { username: string; password: string }, http: HttpClient): Promise<S> | S;
  /** How the session goes on requests. @default `Authorization: Bearer <token>` */
  apply?(session: S): { headers?: Record<string, string>; query?: Record<string, string> };
  /** Log in again this long before `expiresAt`, in ms. @default 60000 */
  skewMs?: number;
}

/** A session auth, as declared. */
export interface SessionAuth<S extends SessionToken = SessionToken> extends SessionOptions<S> {
  readonly type: 'session';
  /** Phantom: the config fields this auth adds, for `ctx.config`'s type. */
  readonly __config?: CredentialConfig;
}

/**
 * Declares a login-based auth:
 * `auth: session({ login: async ({ username, password }, http) => http.post('/login', { username, password }) })`.
 * Adds the secret fields `username` and `password`.
 */
export function session<S extends SessionToken>(options: SessionOptions<S>): SessionAuth<S> {
  return { ...options, type: 'session' };
}

/** The `username` and `password` fields. */
export function sessionFields(auth: SessionAuth<any>): Record<string, ConfigFieldSchema> {
  return credentialFields(auth);
}

interface Current {
  token: string;
  credentials: Credentials;
  expiresAt: number | undefined;
}

/** Run-time session auth: one login at a time, shared by every request waiting for it. */
export function createSessionAuth(auth: SessionAuth<any>, env: AuthEnvironment): AuthSession {
  let current: Current | undefined;
  let pending: Promise<Current> | undefined;
  let problem: string | undefined;
  const skew = auth.skewMs ?? 60_000;

  const setProblem = (next: string | undefined): void => {
    if (next === problem) return;
    problem = next;
    env.onProblem?.(next);
  };

  async function login(): Promise<Current> {
    const credentials = readCredentials(auth, env.config);
    let result: SessionToken;
    try {
      result = await auth.login(credentials, env.http);
    } catch (error) {
      if (error instanceof HttpError && (error.status === 401 || error.status === 403)) {
        const message = `the login was rejected (${error.status}): check the config fields "username" and "password"`;
        setProblem(message);
        throw new ConnectorError('AUTH_FAILED', message, { cause: error });
      }
      throw error;
    }
    if (typeof result?.token !== 'string' || result.token === '') {
      throw new ConnectorError('AUTH_FAILED', 'session login() returned no token: it must resolve to { token: string, expiresAt? }');
    }
    setProblem(undefined);
    const expiresAt = result.expiresAt instanceof Date ? result.expiresAt.getTime() : result.expiresAt;
    const applied = auth.apply ? auth.apply(result) : { headers: { Authorization: `Bearer ${result.token}` } };
    env.logger.debug('session: logged in');
    return { token: result.token, credentials: { headers: { ...applied.headers }, query: { ...applied.query } }, expiresAt };
  }

  function relogin(): Promise<Current> {
    pending ??= login()
      .then((next) => (current = next))
      .finally(() => (pending = undefined));
    return pending;
  }

  const fresh = (c: Current): boolean => c.expiresAt === undefined || c.expiresAt - skew > env.timers.now();

  return {
    async credentials() {
      if (current && fresh(current)) return current.credentials;
      return (await relogin()).credentials;
    },
    async renew(rejected) {
      // Another request already logged in again after the same 401: use its session.
      if (current && current.credentials !== rejected) return true;
      current = undefined;
      await relogin();
      return true;
    },
    secrets() {
      const { password } = env.config;
      return [current?.token, typeof password === 'string' ? password : undefined].filter((v): v is string => v !== undefined);
    },
    rejectedHint() {
      return 'the API rejected a fresh session: check that the user may use this API';
    },
    problem: () => problem,
    close() {
      current = undefined;
    },
  };
}
