/**
 * `authChoice()`: several ways to authenticate, one chosen per account in the config field
 * `authMethod`. Each option is an ordinary auth kind; the choice adds the fields of every option
 * (optional, since only the chosen one's are needed) and runs the chosen option's session.
 * The v1 config schema has no enum type (§2), so `authMethod` is a plain line whose description
 * lists the options; a value that names none fails with `CONFIG_INVALID`.
 */
import type { ConfigFieldSchema } from '../protocol/index.js';
import { ConnectorError } from '../errors.js';
import type { ApiKeyAuth } from './api-key.js';
import type { BasicAuth } from './basic.js';
import { grantOf, type OAuth2Auth } from './oauth2.js';
import type { SessionAuth } from './session.js';
import type { AuthEnvironment, AuthSession } from './types.js';
import { failingSession } from './failing-session.js';

/** The config field that holds the chosen option. */
export const AUTH_METHOD_FIELD = 'authMethod';

/** An auth kind that can be an option of a choice (a choice cannot nest). */
export type SingleAuth = ApiKeyAuth<any> | BasicAuth | SessionAuth<any> | OAuth2Auth<any>;

/** Options of {@link authChoice}. */
export interface AuthChoiceOptions<O extends Record<string, SingleAuth> = Record<string, SingleAuth>> {
  /** The ways to authenticate, by the name the config field takes (e.g. an OpenAPI scheme's name). */
  options: O;
  /** The option used when `authMethod` is not set. @default the first option */
  default?: keyof O & string;
  /** Label of the `authMethod` field. @default 'Authentication method' */
  label?: string;
}

type Intersect<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type ConfigOfOption<A> = A extends { readonly __config?: infer C } ? (unknown extends C ? unknown : NonNullable<C>) : unknown;

/** The config a choice adds: `authMethod` and every option's fields, each possibly unset. */
export type AuthChoiceConfig<O extends Record<string, SingleAuth>> = { readonly authMethod?: keyof O & string } & Partial<
  Intersect<ConfigOfOption<O[keyof O]>>
>;

/** A choice of auths, as declared. */
export interface AuthChoice<O extends Record<string, SingleAuth> = Record<string, SingleAuth>> extends AuthChoiceOptions<O> {
  readonly type: 'choice';
  /** Phantom: the config fields this auth adds, for `ctx.config`'s type. */
  readonly __config?: AuthChoiceConfig<O>;
}

/**
 * Declares several ways to authenticate, chosen per account with the config field `authMethod`:
 * `auth: authChoice({ options: { apiKey: apiKey({ in: 'header', field: 'apiKey' }), oauth: oauth2({ … }) } })`.
 * Options whose fields share a name must declare them alike (two `basic()` share `username`).
 * @throws ConnectorError `DEFINITION_INVALID` without options, with a nested choice, an unknown
 * `default`, two options using the OAuth authorization code flow, or a field two options declare differently
 */
export function authChoice<const O extends Record<string, SingleAuth>>(options: AuthChoiceOptions<O>): AuthChoice<O> {
  const names = Object.keys(options.options ?? {});
  const fail = (why: string): never => {
    throw new ConnectorError('DEFINITION_INVALID', `authChoice(): ${why}`);
  };
  if (names.length === 0) fail('give at least one option, e.g. { options: { apiKey: apiKey({ in: "header" }) } }');
  for (const name of names) {
    const type = (options.options[name] as { type?: unknown }).type;
    if (type === 'choice') fail(`option "${name}" is itself a choice: list its options in this one`);
  }
  if (options.default !== undefined && !names.includes(options.default))
    fail(`default "${options.default}" is not an option (options: ${names.join(', ')})`);
  const flows = names.filter((n) => {
    const a = options.options[n]!;
    return a.type === 'oauth2' && grantOf(a) === 'authorization_code';
  });
  if (flows.length > 1)
    fail(
      `options ${flows.map((f) => `"${f}"`).join(' and ')} both use the OAuth authorization code flow: a connector has one (§6); keep one`,
    );
  return { ...options, type: 'choice' };
}

/** The option `config` chooses. @throws ConnectorError `CONFIG_INVALID` when `authMethod` names no option */
export function chosenAuth(auth: AuthChoice, config: Readonly<Record<string, unknown>>): { name: string; auth: SingleAuth } {
  const names = Object.keys(auth.options);
  const value = config[AUTH_METHOD_FIELD];
  const name = value === undefined || value === '' ? (auth.default ?? names[0]!) : value;
  if (typeof name !== 'string' || !Object.hasOwn(auth.options, name)) {
    throw new ConnectorError(
      'CONFIG_INVALID',
      `config field "${AUTH_METHOD_FIELD}" is ${JSON.stringify(value)}, which names no way to authenticate: set it to one of ${names.map((n) => `"${n}"`).join(', ')}, e.g. 'workspace config set <connector> ${AUTH_METHOD_FIELD}=${names[0]}'`,
    );
  }
  return { name, auth: auth.options[name]! };
}

/** The option using the OAuth authorization code flow, if any. */
export function oauthFlowOption(auth: AuthChoice): OAuth2Auth | undefined {
  return Object.values(auth.options).find((a): a is OAuth2Auth => a.type === 'oauth2' && grantOf(a) === 'authorization_code');
}

/** `authMethod` and every option's fields, made optional. */
export function choiceFields(
  auth: AuthChoice,
  fieldsOf: (option: SingleAuth) => Record<string, ConfigFieldSchema>,
): Record<string, ConfigFieldSchema> {
  const names = Object.keys(auth.options);
  const fallback = auth.default ?? names[0]!;
  const fields: Record<string, ConfigFieldSchema> = {
    [AUTH_METHOD_FIELD]: {
      name: auth.label ?? 'Authentication method',
      type: 'line',
      plain: true,
      optional: true,
      description: `How the connector authenticates: one of ${names.join(', ')} (default ${fallback}); fill in the fields of that one.`,
      placeholder: fallback,
    },
  };
  const owner: Record<string, string> = {};
  for (const name of names) {
    for (const [key, schema] of Object.entries(fieldsOf(auth.options[name]!))) {
      const field = { ...schema, optional: true };
      const prior = fields[key];
      if (prior !== undefined && JSON.stringify(prior) !== JSON.stringify(field)) {
        throw new ConnectorError(
          'DEFINITION_INVALID',
          `authChoice(): options "${owner[key] ?? AUTH_METHOD_FIELD}" and "${name}" both add the config field "${key}", differently: give one another field (e.g. apiKey({ field: '${name}Key' }))`,
        );
      }
      fields[key] = field;
      owner[key] ??= name;
    }
  }
  return fields;
}

/**
 * Run-time choice: the session of the chosen option. An `authMethod` that names no option gives a
 * session whose every request fails with `CONFIG_INVALID` (never a request without credentials).
 */
export function createChoiceSession(auth: AuthChoice, env: AuthEnvironment, sessionOf: (option: SingleAuth) => AuthSession): AuthSession {
  let option: SingleAuth;
  try {
    option = chosenAuth(auth, env.config).auth;
  } catch (error) {
    const failure = error as ConnectorError;
    env.onProblem?.(failure.message);
    return failingSession(failure);
  }
  return sessionOf(option);
}

/**
 * Refuses a call when the chosen way to authenticate is not one `accepted` lists: what a
 * generated handler runs before an operation whose OpenAPI `security` needs particular schemes.
 * Does nothing for an auth that is not a choice.
 * @throws ConnectorError `AUTH_SCHEME_NOT_CONFIGURED` naming the schemes the operation accepts and the one chosen; `CONFIG_INVALID` (see {@link chosenAuth})
 */
export function requireAuthScheme(
  auth: { readonly type: string } | undefined,
  config: Readonly<Record<string, unknown>>,
  accepted: readonly string[],
  operation: string,
): void {
  if (auth?.type !== 'choice') return;
  const { name } = chosenAuth(auth as AuthChoice, config);
  if (accepted.includes(name)) return;
  const set = config[AUTH_METHOD_FIELD] === undefined || config[AUTH_METHOD_FIELD] === '' ? ' (the default)' : '';
  throw new ConnectorError(
    'AUTH_SCHEME_NOT_CONFIGURED',
    `${operation} needs the auth scheme ${accepted.map((a) => `"${a}"`).join(' or ')}, but the config field "${AUTH_METHOD_FIELD}" chooses "${name}"${set}: set it to ${accepted.length > 1 ? 'one of them' : 'it'} ('workspace config set <connector> ${AUTH_METHOD_FIELD}=${accepted[0]}') and fill in that scheme's fields`,
    { details: { accepted: [...accepted], chosen: name } },
  );
}
