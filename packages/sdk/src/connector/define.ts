/**
 * The authoring API: `defineConnector` and `defineMethod` (schema first).
 */
import type { z } from 'zod';
import { checkMethodName, ENDPOINT_TOKEN_FIELD, SpecialQuery } from '../protocol/index.js';
import { ConnectorError } from '../errors.js';
import type { LifecycleContext, MethodContext } from './context.js';
import type { ConfigFields, ConfigValues, LooseConfigValues } from './fields.js';
import { authConfigFields, type AuthConfigOf, type AuthSpec } from '../auth/index.js';
import type { HttpClientOptions } from '../http/client.js';

/**
 * The config handlers of a connector see: the declared fields and those its `auth` adds
 * (`apiKey`, `username`/`password`, `clientId`/`clientSecret`, `oauthResult`).
 */
export type ConnectorConfig<F extends ConfigFields, A> = ConfigValues<F> & AuthConfigOf<A>;

/** An example call, shown in the manifest's JSDoc (`@example`). */
export interface MethodExample<I> {
  input: I;
  /** What the call returns, when worth showing. */
  output?: unknown;
  /** One line on what the example shows. */
  description?: string;
}

/** A method: schemas, documentation and the handler. */
export interface MethodDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType, Config = LooseConfigValues> {
  /** One or two sentences on what the method does; shown in the workspace. */
  description: string;
  /** Schema of the arguments. Validated before the handler runs (`INPUT_INVALID` otherwise). */
  input: I;
  /** Schema of the result. Validated after the handler returns (`OUTPUT_INVALID` otherwise). @default any value */
  output?: O;
  /** Example calls for the manifest. */
  examples?: ReadonlyArray<MethodExample<z.input<I>>>;
  /** Safe to run twice with the same input (e.g. a read). @default false */
  idempotent?: boolean;
  /**
   * JSON Schemas for the manifest instead of converting `input` and `output`: for methods whose
   * schemas come from elsewhere (class-style controllers: their TypeScript types). @default converted
   */
  schemas?: { input: unknown; output?: unknown };
  /** Does the work. Input is already parsed (defaults applied). */
  handler: (input: z.output<I>, ctx: MethodContext<Config>) => Promise<z.input<O>> | z.input<O>;
}

/** Any method definition, whatever its schemas. */

export type AnyMethodDefinition = MethodDefinition<any, any, any>;

/** The methods of a connector by dotted name. */
export type MethodMap = Record<string, AnyMethodDefinition>;

/** Defines one method. Handlers are typed from the schemas. */
export function defineMethod<I extends z.ZodType, O extends z.ZodType = z.ZodUnknown, Config = LooseConfigValues>(
  definition: MethodDefinition<I, O, Config>,
): MethodDefinition<I, O, Config> {
  return definition;
}

/** `method(...)` as handed to the function form of `methods`: like `defineMethod`, with `ctx.config` typed. */
export type MethodFactory<Config> = <I extends z.ZodType, O extends z.ZodType = z.ZodUnknown>(
  definition: MethodDefinition<I, O, Config>,
) => MethodDefinition<I, O, Config>;

/** The health check's verdict, sent as `connector.health.check` (§4). */
export interface HealthStatus {
  ok: boolean;
  error?: string | null;
}

/** Handler for queries that name no method (§7: `__default`). */
export type FallbackHandler<Config> = (
  name: string,
  variables: Record<string, unknown>,
  ctx: MethodContext<Config>,
) => Promise<unknown> | unknown;

/** One suggestion of {@link AutocompleteHandler}: a value to fill in, with what to show for it. */
export interface AutocompleteSuggestion {
  /** What the field takes, e.g. an attribute name `amount`. */
  value: string;
  /** What a person sees. @default `value` */
  label?: string;
  /** One line on what it is. */
  description?: string;
  /** Its type, e.g. `number`, when worth showing. */
  type?: string;
}

/** The context of the autocomplete hook: a call's context plus everything the workspace sent. */
export type AutocompleteContext<Config> = MethodContext<Config> & {
  /** The query's variables as they came (`entity` among them). */
  readonly variables: Readonly<Record<string, unknown>>;
};

/** Answers `__autocomplete` (§7): dynamic suggestions for the fields of `entity` (e.g. `deal` → its attributes). */
export type AutocompleteHandler<Config> = (
  entity: string,
  ctx: AutocompleteContext<Config>,
) => Promise<readonly (string | AutocompleteSuggestion)[]> | readonly (string | AutocompleteSuggestion)[];

/** A workspace webhook the connector is asked to subscribe the provider to (§8 `webhook-subscriptions`). */
export interface WebhookTarget {
  /** The workspace's id of the webhook. */
  id: string;
  /** Its name in the workspace (`workspace webhook add <name>`). */
  name: string;
  /** Where the provider must post its events: the webhook's URL at the workspace. */
  url: string;
  /**
   * The Standard Webhooks signing secret (`whsec_…`) the provider must sign with, or null for an
   * unsigned webhook. It reached the connector encrypted to its key; keep it out of logs.
   */
  secret: string | null;
}

/**
 * The webhook subscription lifecycle (REST hooks): run when the workspace attaches a webhook to
 * this connector and when it removes it. `subscribe` registers the workspace's URL and secret at
 * the provider and returns the state `unsubscribe` needs (e.g. the provider's subscription id);
 * the workspace keeps that state (JSON) with the webhook. Announced to the workspace as the §8
 * feature `webhook-subscriptions` only when given.
 */
export interface WebhookLifecycle<Config> {
  subscribe(ctx: LifecycleContext<Config>, webhook: WebhookTarget): Promise<unknown> | unknown;
  unsubscribe(ctx: LifecycleContext<Config>, state: unknown, webhook: Omit<WebhookTarget, 'secret'>): Promise<void> | void;
}

/**
 * Handles data posted to the connector's endpoint URL (§7 `_endpoint`): `data` is the posted
 * body (a JSON object, or the fields of a form); what it returns is the HTTP answer's JSON body.
 */
export type EndpointHandler<Config> = (data: Record<string, unknown>, ctx: MethodContext<Config>) => Promise<unknown> | unknown;

/**
 * Everything `defineConnector` takes. `F` are the declared config fields, `M` the methods, `A` the
 * auth; handlers see `ConnectorConfig<F, A>` as `ctx.config`.
 */
export interface ConnectorDefinition<F extends ConfigFields, M extends MethodMap, A extends AuthSpec | undefined = AuthSpec | undefined> {
  /** Connector id. @default `connectorId` of the project's package.json */
  id?: string;
  /** Connector version. @default `version` of the project's package.json */
  version?: string;
  /** Display name. */
  name: string;
  /** One line on what it connects to. */
  summary?: string;
  /** A paragraph for the workspace's connector page. */
  description?: string;
  /** Base64 PNG icon sent at registration. */
  icon?: string;
  /** Config fields a person fills in. @default {} */
  config?: F;
  /**
   * How the connector authenticates to the outside system: `apiKey()`, `basic()`, `session()` or
   * `oauth2()`. Adds its config fields and puts credentials on every `ctx.http` request. @default none
   */
  auth?: A;
  /**
   * Settings of `ctx.http`: `baseUrl` (or a function of `{ config, tokens }`), `pagination`,
   * default headers, timeout, retries. @default {}
   */
  http?: HttpClientOptions<ConnectorConfig<F, A>>;
  /**
   * The methods by dotted name. Pass a function to get `ctx.config` typed from `config` and `auth`:
   * `methods: (method) => ({ hello: method({ ... }) })`.
   */
  methods: M | ((method: MethodFactory<ConnectorConfig<F, A>>) => M);
  // The hooks below use method syntax on purpose: their parameters are then checked bivariantly,
  // so a `Connector<{ apiKey: … }>` is still a `Connector` for runConnector, buildManifest, etc.
  /** Runs after each `connector.set-config` (§4), before calls are served with the new config. */
  start?(ctx: LifecycleContext<ConnectorConfig<F, A>>): Promise<void> | void;
  /** Runs when the config is replaced and on shutdown: release what `start` took. */
  stop?: () => Promise<void> | void;
  /**
   * Subscribes the provider to a workspace webhook and unsubscribes it (REST hooks), when the
   * workspace attaches a webhook to the connector or removes it. @default none
   */
  webhooks?: WebhookLifecycle<ConnectorConfig<F, A>>;
  /** Reports whether the outside system is reachable; throwing means not ok. Runs every 30 s and after start. */
  healthCheck?(ctx: LifecycleContext<ConnectorConfig<F, A>>): Promise<HealthStatus | void> | HealthStatus | void;
  /**
   * Suggests values for the fields of an entity when the workspace asks (`__autocomplete`, §7:
   * `{entity: "deal"}` → the deal's attributes); shown in the manifest as `__autocomplete`.
   * @default none: `__autocomplete` goes to `fallback`, else fails with METHOD_NOT_FOUND
   */
  autocomplete?(...args: Parameters<AutocompleteHandler<ConnectorConfig<F, A>>>): ReturnType<AutocompleteHandler<ConnectorConfig<F, A>>>;
  /**
   * Receives what is posted to the connector's endpoint URL (§7; the workspace's
   * `POST /endpoint/<connector>/<token>`), typically to create tasks. Adds the managed config
   * field `_endpointToken`, the URL's secret, which the workspace sets and rotates.
   * @default none: the connector has no endpoint
   */
  endpoint?(...args: Parameters<EndpointHandler<ConnectorConfig<F, A>>>): ReturnType<EndpointHandler<ConnectorConfig<F, A>>>;
  /** Answers queries for names that are not methods (§7). @default none: unknown names fail with METHOD_NOT_FOUND */
  fallback?(...args: Parameters<FallbackHandler<ConnectorConfig<F, A>>>): ReturnType<FallbackHandler<ConnectorConfig<F, A>>>;
}

/** A defined connector: what `connector start` runs and the test harness calls. */
export interface Connector<
  F extends ConfigFields = ConfigFields,
  M extends MethodMap = MethodMap,
  A extends AuthSpec | undefined = AuthSpec | undefined,
> {
  readonly kind: 'connector';
  readonly definition: Omit<ConnectorDefinition<F, M, A>, 'methods'>;
  /** Methods by canonical dotted name, in declaration order. */
  readonly methods: ReadonlyMap<string, AnyMethodDefinition>;
  readonly fields: F;
  /** Phantom: the method map, for typed harness calls. */
  readonly __methods?: M;
  /** Phantom: the config handlers see (declared and auth fields), for the harness's typed `config`. */
  readonly __config?: ConnectorConfig<F, A>;
}

/**
 * Defines a connector. Checks method names up front.
 * @throws ConnectorError `DEFINITION_INVALID` when a method name is invalid, a method lacks a handler, or a config field clashes with the fields of `auth`
 */
export function defineConnector<
  F extends ConfigFields = Record<never, never>,
  M extends MethodMap = MethodMap,
  A extends AuthSpec | undefined = undefined,
>(definition: ConnectorDefinition<F, M, A>): Connector<F, M, A> {
  const { methods: declared, ...rest } = definition;
  const methodObject: M = typeof declared === 'function' ? declared((d) => d) : declared;
  const methods = new Map<string, AnyMethodDefinition>();
  for (const [name, method] of Object.entries(methodObject)) {
    const problem = checkMethodName(name);
    if (problem !== undefined) throw new ConnectorError('DEFINITION_INVALID', `${definition.name}: ${problem}`);
    if (typeof method?.handler !== 'function') {
      throw new ConnectorError('DEFINITION_INVALID', `${definition.name}: method "${name}" has no handler function`);
    }
    if (typeof method.input?.safeParseAsync !== 'function') {
      throw new ConnectorError(
        'DEFINITION_INVALID',
        `${definition.name}: method "${name}" needs an \`input\` zod schema (use z.object({}) for none)`,
      );
    }
    methods.set(name, method);
  }
  if (definition.autocomplete !== undefined) {
    if (typeof definition.autocomplete !== 'function') {
      throw new ConnectorError(
        'DEFINITION_INVALID',
        `${definition.name}: \`autocomplete\` must be a function (entity, ctx) => suggestions`,
      );
    }
    if (methods.has(SpecialQuery.autocomplete)) {
      throw new ConnectorError(
        'DEFINITION_INVALID',
        `${definition.name}: both the \`autocomplete\` hook and a method "${SpecialQuery.autocomplete}" answer §7 autocomplete: keep the hook`,
      );
    }
  }
  if (definition.endpoint !== undefined) {
    if (typeof definition.endpoint !== 'function') {
      throw new ConnectorError('DEFINITION_INVALID', `${definition.name}: \`endpoint\` must be a function (data, ctx) => answer`);
    }
    const clash = [SpecialQuery.endpoint, SpecialQuery.endpointV1].find((name) => methods.has(name));
    if (clash !== undefined) {
      throw new ConnectorError(
        'DEFINITION_INVALID',
        `${definition.name}: both the \`endpoint\` option and a method "${clash}" receive §7 endpoint data: keep the option`,
      );
    }
  }
  if (Object.hasOwn(definition.config ?? {}, ENDPOINT_TOKEN_FIELD)) {
    throw new ConnectorError(
      'DEFINITION_INVALID',
      `${definition.name}: config field "${ENDPOINT_TOKEN_FIELD}" is managed by the workspace (§7): set \`endpoint\` instead of declaring it`,
    );
  }
  for (const name of Object.keys(authConfigFields(definition.auth))) {
    if (Object.hasOwn(definition.config ?? {}, name)) {
      throw new ConnectorError(
        'DEFINITION_INVALID',
        `${definition.name}: config field "${name}" is also added by auth (${definition.auth!.type}): rename your field`,
      );
    }
  }
  return { kind: 'connector', definition: rest, methods, fields: (definition.config ?? {}) as F };
}

/** True when `value` is a connector made by {@link defineConnector} (e.g. a module's default export). */
export function isConnector(value: unknown): value is Connector {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'connector';
}
