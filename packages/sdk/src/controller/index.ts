/**
 * `@connector-kit/sdk/controller`: the class-based authoring style of ALOMA connectors, on the
 * same runtime as `defineConnector`. A class extending {@link Controller} has public methods that
 * are the connector's methods (one argument object each, as in ALOMA's SDK), and reaches the
 * workspace through `this.newTask`, `this.createBlob`, `this.getClient`… Every export is public API.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { z } from 'zod';
import { ConnectorError } from '../errors.js';
import { defineConnector, type AnyMethodDefinition, type Connector, type HealthStatus } from '../connector/define.js';
import type { CreateBlobOptions, LifecycleContext, MethodContext } from '../connector/context.js';
import type { ConfigFields } from '../connector/fields.js';
import type { HttpClient } from '../http/client.js';
import { checkMethodName, decodeBase64 } from '../protocol/index.js';
import { CONTROLLER_MEMBERS } from './members.js';
import type { ControllerSchemas } from './schemas.js';

export type { ControllerMethodSchema, ControllerSchemas } from './schemas.js';
export { controllerSchemasOf } from './schemas.js';

const CONTEXT = Symbol('connector-kit.controller.context');

/** The call a controller method runs for (its `ctx`), for `this.context`. */
const currentCall = new AsyncLocalStorage<MethodContext<unknown>>();

/** What `this.createBlob` takes: ALOMA's shape, with bytes accepted beside base64. */
export interface ControllerBlob extends CreateBlobOptions {
  /** Base64 text (as ALOMA's SDK takes it) or bytes. */
  content: string | Uint8Array;
  /** Checked against the content when given (the workspace checks it too). */
  size?: number;
}

/**
 * Base class of class-style connectors. Hooks (`start`, `stop`, `healthCheck`, `autocomplete`,
 * `fallback`, `endpoint`) are overridden as needed; one instance serves each config (a new
 * `set-config` stops it and starts a new one).
 */
export abstract class Controller<Config = Readonly<Record<string, unknown>>> {
  /** Set by the runtime before `start`. */
  [CONTEXT]: LifecycleContext<Config> | undefined;

  #ctx(): LifecycleContext<Config> {
    const ctx = this[CONTEXT];
    if (ctx === undefined) throw new ConnectorError('NOT_STARTED', 'the controller is used before the connector started it');
    return ctx;
  }

  /** The decrypted config. */
  protected get config(): Config {
    return this.#ctx().config;
  }

  /** The call being served (its logger, signal, taskId), or the lifecycle's context outside calls. */
  protected get context(): MethodContext<Config> | LifecycleContext<Config> {
    return (currentCall.getStore() as MethodContext<Config> | undefined) ?? this.#ctx();
  }

  /** Runs after each config (ALOMA: `start`). */
  protected start(): Promise<void> | void {}

  /** Runs when the config is replaced and on shutdown (ALOMA: `stop(isShutdown)`). */
  protected stop(isShutdown?: boolean): Promise<void> | void {
    void isShutdown;
  }

  /** Throws (or answers `{ ok: false, error }`) when the outside system is not reachable. */
  protected healthCheck(): Promise<HealthStatus | void> | HealthStatus | void {}

  /** Creates a task and resolves to its id (§4 `connector.task.new`). */
  protected newTask(name: string, data: Record<string, unknown>): Promise<string> {
    return this.context.tasks.create(name, data);
  }

  /** Shallow-merges `data` into a task (§4 `connector.task.update`). */
  protected updateTask(id: string, data: Record<string, unknown>): Promise<void> {
    return this.context.tasks.update(id, data);
  }

  /** The HTTP client (`ctx.http`: the connector's `http` options and `auth` applied). */
  protected getClient(): HttpClient {
    return this.context.http;
  }

  /**
   * Stores a blob and resolves to its id (§4 `connector.blob.create`).
   * @throws ConnectorError `BLOB_INVALID` when base64 content is not base64 or `size` does not match, `BLOB_TOO_LARGE` past one frame
   */
  protected createBlob(blob: ControllerBlob): Promise<string> {
    const { content, size, ...options } = blob;
    const bytes = typeof content === 'string' ? decodeBase64(content) : content;
    if (bytes === undefined)
      throw new ConnectorError('BLOB_INVALID', 'createBlob: "content" is a string but not base64: pass base64 text or bytes');
    if (size !== undefined && size !== bytes.byteLength) {
      throw new ConnectorError('BLOB_INVALID', `createBlob: "size" says ${size} bytes but "content" holds ${bytes.byteLength}`);
    }
    return this.context.blobs.create(bytes, options);
  }

  /** A blob's metadata (§4 `connector.blob.get`). */
  protected getBlob(id: string): ReturnType<LifecycleContext['blobs']['get']> {
    return this.context.blobs.get(id);
  }

  /** A blob's content as base64, as ALOMA's SDK answers it (`ctx.blobs.content` gives bytes). */
  protected async getBlobContent(id: string): Promise<string> {
    return (await this.context.blobs.content(id)).toString('base64');
  }
}

/** A controller class that the runtime can make (any constructor without arguments). */
// `any`: the class's own config type is its business; `this.config` is typed inside it.
export type ControllerClass<Config = any> = new () => Controller<Config>;

/** Options of {@link defineController}. */
export interface ControllerOptions<F extends ConfigFields> {
  /** Display name. */
  name: string;
  /** One line on what it connects to. */
  summary?: string;
  /** A paragraph for the workspace's connector page. */
  description?: string;
  /** Connector id. @default `connectorId` of the project's package.json */
  id?: string;
  /** Connector version. @default `version` of the project's package.json */
  version?: string;
  /** Config fields, as for defineConnector. @default {} */
  config?: F;
  /**
   * One line per method, by method name, for methods without JSDoc. `connector build` takes each
   * method's JSDoc first. @default none
   */
  descriptions?: Readonly<Record<string, string>>;
}

/** What `connector build`, `validate` and `start` need of a controller connector. */
export interface ControllerHandle {
  /** The class's name, for messages. */
  readonly className: string;
  /**
   * The same connector with the schemas `connector build` read from the class's types: the
   * manifest shows them, and each call's argument object is checked against its schema
   * (`INPUT_INVALID` otherwise) with the defaults applied.
   * @throws ConnectorError `DEFINITION_INVALID` when a method of the class has no schema
   */
  withSchemas(schemas: ControllerSchemas): ControllerConnector;
}

/** A connector made by {@link defineController}. */
export type ControllerConnector<F extends ConfigFields = ConfigFields, C extends ControllerClass = ControllerClass> = Connector<F> & {
  readonly controller: ControllerHandle;
  /** Phantom: the class, where `connector build` finds its methods, JSDoc and types. */
  readonly __controller?: C;
};

/** True when `value` was made by {@link defineController} (any copy of the SDK). */
export function isControllerConnector(value: unknown): value is ControllerConnector {
  const handle = (value as { controller?: { withSchemas?: unknown } } | null)?.controller;
  return typeof handle?.withSchemas === 'function';
}

/** Public methods of the class and its parents up to {@link Controller}, in declaration order. */
export function controllerMethods(Class: ControllerClass<unknown>): string[] {
  const names: string[] = [];
  for (let proto = Class.prototype as object; proto !== Controller.prototype && proto !== Object.prototype;) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name)!;
      if (CONTROLLER_MEMBERS.has(name) || name.startsWith('_') || names.includes(name) || typeof descriptor.value !== 'function') continue;
      names.push(name);
    }
    proto = Object.getPrototypeOf(proto) as object;
  }
  return names;
}

type Hooks = Record<'autocomplete' | 'fallback' | 'endpoint', ((arg: unknown) => unknown) | undefined>;

/**
 * Makes a connector of a controller class: its public methods become the methods, its hooks the
 * connector's hooks. `connector build` reads the class's JSDoc and types into the manifest and
 * the argument checks; without a build (e.g. in the test harness) any argument object passes.
 * @throws ConnectorError `DEFINITION_INVALID` when a method name is invalid
 */
export function defineController<F extends ConfigFields = Record<never, never>, C extends ControllerClass = ControllerClass>(
  Class: C,
  options: ControllerOptions<F>,
): ControllerConnector<F, C> {
  return makeController(Class, options, undefined);
}

function makeController<F extends ConfigFields, C extends ControllerClass>(
  Class: C,
  options: ControllerOptions<F>,
  schemas: ControllerSchemas | undefined,
): ControllerConnector<F, C> {
  // One instance per config: made by `start`, or by the first call if that comes first. Keyed
  // by the config object (a new set-config brings a new one), so runtimes and test harnesses
  // that share this definition never share an instance.
  const instances = new WeakMap<object, Controller<unknown>>();
  let latest: Controller<unknown> | undefined;
  const current = async (ctx: LifecycleContext<unknown>, fresh = false): Promise<Controller<unknown>> => {
    const key = (ctx.config ?? instances) as object;
    const existing = fresh ? undefined : instances.get(key);
    if (existing !== undefined) return existing;
    const made = new (Class as unknown as ControllerClass<unknown>)();
    made[CONTEXT] = ctx;
    instances.set(key, made);
    latest = made;
    await (made as unknown as { start(): Promise<void> | void }).start();
    return made;
  };
  const hooks = Class.prototype as unknown as Hooks;
  const call = (name: keyof Hooks | string) => async (arg: unknown, ctx: MethodContext<unknown>) => {
    const target = await current(ctx);
    const method = (target as unknown as Record<string, (arg: unknown) => unknown>)[name]!;
    return currentCall.run(ctx, () => method.call(target, arg));
  };
  const methods: Record<string, AnyMethodDefinition> = {};
  for (const name of controllerMethods(Class as unknown as ControllerClass<unknown>)) {
    const problem = checkMethodName(name);
    if (problem !== undefined) throw new ConnectorError('DEFINITION_INVALID', `${options.name}: ${problem}`);
    if (schemas === undefined) {
      methods[name] = {
        description: options.descriptions?.[name] ?? '',
        // No build read the class: ALOMA methods take one argument object and check it themselves.
        input: z.looseObject({}),
        handler: call(name),
      };
      continue;
    }
    const schema = schemas[name];
    if (schema === undefined) {
      throw new ConnectorError(
        'DEFINITION_INVALID',
        `${options.name}: method "${name}" of ${Class.name} has no schema from \`connector build\` (was the build made from other sources?): rebuild with 'connector build'`,
      );
    }
    methods[name] = {
      description: schema.description.trim() === '' ? (options.descriptions?.[name] ?? '') : schema.description,
      input: z.fromJSONSchema(schema.input as Parameters<typeof z.fromJSONSchema>[0]),
      schemas: { input: schema.input, ...(schema.output === undefined ? {} : { output: schema.output }) },
      handler: call(name),
    };
  }
  const connector = defineConnector({
    ...options,
    methods,
    async start(ctx) {
      await current(ctx as LifecycleContext<unknown>, true);
    },
    async stop() {
      const stopping = latest;
      latest = undefined;
      await (stopping as unknown as { stop(isShutdown: boolean): Promise<void> | void } | undefined)?.stop(false);
    },
    async healthCheck(ctx) {
      const target = await current(ctx as LifecycleContext<unknown>);
      const status = await (target as unknown as { healthCheck(): unknown }).healthCheck();
      return typeof status === 'object' && status !== null && typeof (status as HealthStatus).ok === 'boolean'
        ? (status as HealthStatus)
        : undefined;
    },
    ...(hooks.autocomplete === undefined
      ? {}
      : { autocomplete: async (_entity: string, ctx) => (await call('autocomplete')(ctx.variables, ctx)) as never }),
    ...(hooks.fallback === undefined ? {} : { fallback: (_name: string, variables, ctx) => call('fallback')(variables, ctx) }),
    ...(hooks.endpoint === undefined ? {} : { endpoint: (data, ctx) => call('endpoint')(data, ctx) }),
  }) as unknown as Connector<F>;
  const controller: ControllerHandle = {
    className: Class.name,
    withSchemas: (given) => makeController(Class, options, given) as unknown as ControllerConnector,
  };
  return Object.assign(connector, { controller });
}
