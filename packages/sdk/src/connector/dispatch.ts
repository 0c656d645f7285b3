/**
 * Turns a `connector.query` (protocol.md §4) into a handler call: name resolution, input
 * validation, the call itself, output validation and the answer's shape. Shared by the
 * runtime and the test harness so both behave the same.
 */
import { z } from 'zod';
import type { Logger } from 'pino';
import { normalizeQueryName, SpecialQuery, WireErrorCode, type ErrorAnswer } from '../protocol/index.js';
import { checkProgressNotice, type ProgressNotice } from '../protocol/progress.js';
import { ConnectorError } from '../errors.js';
import type { AnyMethodDefinition, AutocompleteContext, Connector } from './define.js';
import type { BlobApi, MethodContext, TaskApi } from './context.js';
import { createHttpClient, type HttpClient } from '../http/client.js';
import { isRecord } from '../protocol/json.js';
import type { SecretScrubber } from '../runtime/scrub.js';

/** What one call needs besides the query. */
export interface CallEnvironment {
  config: unknown;
  logger: Logger;
  tasks: TaskApi;
  blobs: BlobApi;
  signal: AbortSignal;
  taskId?: string;
  /** `ctx.http`, read when the handler first uses it. @default a client without auth or base URL */
  http?: HttpClient;
  /** Takes each notice `ctx.progress` reported (already checked), with the method's name. @default none: reports go nowhere */
  progress?(notice: ProgressNotice, method: string): void;
}

/** The outcome of a call: a result object to send as `a`, or an error answer. */
export type CallOutcome =
  /** `result` is shaped for the wire (§4); `value` is what the handler returned (after output parsing). */
  { ok: true; result: Record<string, unknown>; value: unknown } | { ok: false; error: ErrorAnswer };

/** Options of {@link Dispatcher}. */
export interface DispatcherOptions {
  /** Replaces known secret values in what a failed handler's error shows (its log line and its answer). @default none */
  scrubber?: SecretScrubber;
}

/** Resolves query names to methods. Lookups go through a `Map`, so prototype names never resolve (reliability.md item 12). */
export class Dispatcher {
  readonly #connector: Connector;
  readonly #scrubber: SecretScrubber | undefined;

  constructor(connector: Connector, options: DispatcherOptions = {}) {
    this.#connector = connector;
    this.#scrubber = options.scrubber;
  }

  /** The method a query names, or undefined. Accepts a dotted name or an array of segments (§4). */
  resolve(query: unknown): { name: string; method: AnyMethodDefinition } | undefined {
    const name = normalizeQueryName(query);
    if (name === undefined) return undefined;
    // §7: v1 workspaces forward endpoint data as `__endpoint`; accept both spellings.
    const canonical = name === SpecialQuery.endpointV1 ? SpecialQuery.endpoint : name;
    const method = this.#connector.methods.get(canonical);
    return method === undefined ? undefined : { name: canonical, method };
  }

  /** Runs the query. Never throws: every failure becomes an error answer. */
  async call(query: unknown, variables: unknown, env: CallEnvironment): Promise<CallOutcome> {
    const { autocomplete, endpoint } = this.#connector.definition;
    if (autocomplete !== undefined || endpoint !== undefined) {
      const special = normalizeQueryName(query);
      if (autocomplete !== undefined && special === SpecialQuery.autocomplete) return this.#autocomplete(query, variables, env);
      // §7: endpoint data comes as `_endpoint` (v1 workspaces: `__endpoint`).
      if (endpoint !== undefined && (special === SpecialQuery.endpoint || special === SpecialQuery.endpointV1)) {
        return this.#endpoint(query, variables, env);
      }
    }
    const resolved = this.resolve(query);
    if (resolved === undefined) return this.#fallback(query, variables, env);
    const { name, method } = resolved;

    const parsed = await check(method.input, variables ?? {});
    if (!parsed.success) {
      return {
        ok: false,
        error: {
          error: `invalid input for ${name}: ${describeIssues(parsed.error.issues)}`,
          code: WireErrorCode.inputInvalid,
          details: parsed.error.issues.map(publicIssue),
        },
      };
    }

    const ctx = new HandlerContext(name, env);
    let value: unknown;
    try {
      value = await method.handler(parsed.data, ctx);
    } catch (error) {
      return { ok: false, error: this.#failed(name, error, ctx.logger) };
    }

    if (method.output !== undefined) {
      const checked = await check(method.output, value);
      if (!checked.success) {
        // The connector's own bug: say so loudly in its log, briefly on the wire.
        ctx.logger.error(
          { issues: checked.error.issues.map(publicIssue) },
          `${name} returned a value that does not match its output schema`,
        );
        return {
          ok: false,
          error: {
            error: `${name} returned a result that does not match its output schema (a bug in the connector; see its log)`,
            code: WireErrorCode.outputInvalid,
            details: checked.error.issues.map(publicIssue),
          },
        };
      }
      value = checked.data;
    }
    return { ok: true, result: shapeResult(queryKey(query), value), value };
  }

  /** §7 `__autocomplete`: `{entity}` to the connector's autocomplete hook. */
  async #autocomplete(query: unknown, variables: unknown, env: CallEnvironment): Promise<CallOutcome> {
    const name = SpecialQuery.autocomplete;
    const vars = isRecord(variables) ? variables : {};
    const entity = vars.entity;
    if (typeof entity !== 'string' || entity === '') {
      return {
        ok: false,
        error: {
          error: `invalid input for ${name}: "entity" must be a non-empty string (e.g. {"entity": "deal"}), got ${JSON.stringify(entity) ?? 'nothing'}`,
          code: WireErrorCode.inputInvalid,
          details: [{ code: 'invalid_type', path: ['entity'], message: 'expected a non-empty string' }],
        },
      };
    }
    const ctx = new HandlerContext(name, env, vars);
    try {
      const value = await this.#connector.definition.autocomplete!(entity, ctx as unknown as AutocompleteContext<never>);
      return { ok: true, result: shapeResult(queryKey(query), value), value };
    } catch (error) {
      return { ok: false, error: this.#failed(name, error, ctx.logger) };
    }
  }

  /** §7 `_endpoint`: the posted data to the connector's endpoint handler. */
  async #endpoint(query: unknown, variables: unknown, env: CallEnvironment): Promise<CallOutcome> {
    const ctx: MethodContext<unknown> = new HandlerContext(SpecialQuery.endpoint, env);
    try {
      const value = await this.#connector.definition.endpoint!(isRecord(variables) ? variables : {}, ctx as MethodContext<never>);
      return { ok: true, result: shapeResult(queryKey(query), value), value };
    } catch (error) {
      return { ok: false, error: this.#failed(SpecialQuery.endpoint, error, ctx.logger) };
    }
  }

  /** The answer to a handler that threw, logged; with the known secrets scrubbed from both. */
  #failed(name: string, error: unknown, logger: Logger): ErrorAnswer {
    return handlerError(name, this.#scrubber === undefined ? error : this.#scrubber.scrubError(error), logger);
  }

  async #fallback(query: unknown, variables: unknown, env: CallEnvironment): Promise<CallOutcome> {
    const fallback = this.#connector.definition.fallback;
    const name = normalizeQueryName(query);
    // §7: a v1-style method named `__default` is the fallback of a connector without the hook.
    if (fallback === undefined && name !== undefined && this.#connector.methods.has(SpecialQuery.fallback)) {
      return this.call(SpecialQuery.fallback, { ...(isRecord(variables) ? variables : {}), __method: name }, env);
    }
    if (fallback === undefined || name === undefined) {
      const known = [...this.#connector.methods.keys()].join(', ') || '(none)';
      return {
        ok: false,
        error: {
          error: `unknown method ${JSON.stringify(describeQuery(query))}: this connector has ${known}`,
          code: WireErrorCode.methodNotFound,
        },
      };
    }
    const ctx: MethodContext<unknown> = new HandlerContext(name, env);
    const vars = isRecord(variables) ? variables : {};
    try {
      // §7: the fallback also sees the name as `__method`.
      const value = await fallback(name, { ...vars, __method: name }, ctx as MethodContext<never>);
      return { ok: true, result: shapeResult(queryKey(query), value), value };
    } catch (error) {
      return { ok: false, error: this.#failed(name, error, ctx.logger) };
    }
  }
}

/** Schemas found to hold async refinements: parsed with safeParseAsync from then on. */
const asyncSchemas = new WeakSet<z.ZodType>();

/**
 * Validates `value`. Synchronously when the schema allows, which saves the promises of an async
 * parse on every call; a schema with an async refinement is noticed on its first use (zod
 * throws before finishing) and parsed asynchronously from then on. That first time, the async
 * refinements that had already started run once more.
 */
function check<T extends z.ZodType>(
  schema: T,
  value: unknown,
): z.ZodSafeParseResult<z.output<T>> | Promise<z.ZodSafeParseResult<z.output<T>>> {
  if (!asyncSchemas.has(schema)) {
    try {
      return schema.safeParse(value);
    } catch (error) {
      if (!(error instanceof z.core.$ZodAsyncError)) throw error;
      asyncSchemas.add(schema);
    }
  }
  return schema.safeParseAsync(value);
}

/**
 * The `ctx` a handler gets. `logger`, `signal` and `http` are getters on the prototype that read
 * through to the call's environment, which makes them on first use: most handlers touch none of
 * them. A class, not an object literal with getters: such a literal costs three closures and a
 * dictionary-mode object per call, which V8 ends up allocating in old space (bench/RESULTS.md).
 * The lazy members are therefore not own properties: `{ ...ctx }` copies only the plain ones.
 */
class HandlerContext implements MethodContext<unknown> {
  readonly config: unknown;
  readonly tasks: TaskApi;
  readonly blobs: BlobApi;
  readonly method: string;
  declare readonly taskId?: string;
  declare readonly variables?: Readonly<Record<string, unknown>>;
  readonly #env: CallEnvironment;
  #http: HttpClient | undefined;

  /** `variables` only for the hooks that see them (autocomplete). */
  constructor(method: string, env: CallEnvironment, variables?: Readonly<Record<string, unknown>>) {
    this.config = env.config;
    this.tasks = env.tasks;
    this.blobs = env.blobs;
    this.method = method;
    if (env.taskId !== undefined) (this as { taskId?: string }).taskId = env.taskId;
    if (variables !== undefined) (this as { variables?: unknown }).variables = variables;
    this.#env = env;
  }

  get logger(): Logger {
    return this.#env.logger;
  }

  get signal(): AbortSignal {
    return this.#env.signal;
  }

  get http(): HttpClient {
    const env = this.#env;
    return (this.#http ??= env.http ?? createHttpClient({}, { signal: env.signal, logger: env.logger }));
  }

  progress(notice?: ProgressNotice): void {
    // Checked wherever the handler runs (the harness too), so a bad report fails in tests, not only against a workspace.
    const checked = checkProgressNotice(notice);
    if ('problem' in checked) throw new ConnectorError('PROGRESS_INVALID', `ctx.progress() in ${this.method}: ${checked.problem}`);
    this.#env.progress?.(checked.notice, this.method);
  }
}

function handlerError(name: string, error: unknown, logger: Logger): ErrorAnswer {
  if (error instanceof ConnectorError) {
    logger.warn({ code: error.code }, `${name} failed: ${error.message}`);
    const answer: ErrorAnswer = { error: error.message, code: error.code, retryable: error.retryable };
    if (error.details !== undefined) answer.details = error.details;
    return answer;
  }
  logger.error({ err: error }, `${name} threw`);
  const message = error instanceof Error ? error.message : String(error);
  return { error: message || `${name} failed`, code: WireErrorCode.handlerFailed };
}

/** `name: Too small: expected …; tags.0: Invalid input …` */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** A zod issue without the input value (which may hold secrets): code, path and message only. */
function publicIssue(issue: z.core.$ZodIssue): { code: string; path: (string | number)[]; message: string } {
  return { code: issue.code, path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: issue.message };
}

function queryKey(query: unknown): string {
  return Array.isArray(query) ? query.join('.') : String(query);
}

function describeQuery(query: unknown): string {
  if (typeof query === 'string' || Array.isArray(query)) return queryKey(query);
  return typeof query;
}

/** §4: an object result is sent as is; any other value `v` as `{ "<query>": v }`. */
export function shapeResult(key: string, value: unknown): Record<string, unknown> {
  if (isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  // defineProperty: a key such as "__proto__" must become an own property, not a prototype change.
  Object.defineProperty(out, key, { value: value ?? null, enumerable: true, writable: true, configurable: true });
  return out;
}
