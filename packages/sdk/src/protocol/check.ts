/**
 * The small kit every validator of wire shapes (protocol.md §2–§4, §8) is written with. A check
 * never throws: it answers {@link Checked}, the typed value or the one {@link ShapeProblem} that
 * names the member that is wrong. Each side turns a problem into its own error (the workspace a
 * `BAD_REQUEST` answer or a 400, the SDK a `BAD_ANSWER`), so this module stays free of both.
 */
import { isRecord } from './json.js';

/** What is wrong with a wire value: the member (a dotted path, `""` for the value itself) and why. */
export interface ShapeProblem {
  /** The member that is wrong, e.g. `schema.configSchema`; `""` when the value itself is. */
  member: string;
  /** What was expected and what came, fit for an error message: `"name" must be a non-empty string, got 42`. */
  message: string;
}

/** The outcome of a check: the typed value, or the problem that names the wrong member. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: ShapeProblem };

/** Thrown inside a check by the readers below, caught by {@link checked}: never escapes this module's checks. */
class ShapeFailure {
  constructor(readonly problem: ShapeProblem) {}
}

/** Runs `read`, answering its value or the problem one of the readers raised. */
export function checked<T>(read: () => T): Checked<T> {
  try {
    return { ok: true, value: read() };
  } catch (error) {
    if (error instanceof ShapeFailure) return { ok: false, problem: error.problem };
    throw error;
  }
}

/** Stops a check: `member` is wrong, as `message` says. */
export function fail(member: string, message: string): never {
  throw new ShapeFailure({ member, message });
}

/** A value as a message shows it: its JSON text, cut at 80 characters (a bad member may be large). */
export function shown(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return value === undefined ? 'undefined' : typeof value;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `"member"` as messages quote it. */
function quoted(member: string): string {
  return `"${member}"`;
}

/** The member `key` of `parent` (whose own path is `at`), with its dotted path. */
function member(at: string, key: string): string {
  return at === '' ? key : `${at}.${key}`;
}

/** `value` as an object, or a problem naming `at` (`what` says what was expected). */
export function object(value: unknown, at: string, what = 'an object'): Record<string, unknown> {
  if (!isRecord(value)) fail(at, `${at === '' ? 'the value' : quoted(at)} must be ${what}, got ${shown(value)}`);
  return value;
}

/** `parent[key]` as a non-empty string. */
export function requiredString(parent: Record<string, unknown>, key: string, at = '', hint = ''): string {
  const value = parent[key];
  const path = member(at, key);
  if (typeof value !== 'string' || value === '') fail(path, `${quoted(path)} must be a non-empty string${hint}, got ${shown(value)}`);
  return value;
}

/** `parent[key]` as a string, or undefined when absent or null. */
export function optionalString(parent: Record<string, unknown>, key: string, at = ''): string | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  const path = member(at, key);
  if (typeof value !== 'string') fail(path, `${quoted(path)} must be a string, got ${shown(value)}`);
  return value;
}

/** `parent[key]` as an object, or undefined when absent. */
export function optionalObject(
  parent: Record<string, unknown>,
  key: string,
  at = '',
  what = 'an object',
): Record<string, unknown> | undefined {
  const value = parent[key];
  if (value === undefined) return undefined;
  return object(value, member(at, key), what);
}

/** `parent[key]` as an object, `{}` when absent or null (§4: `a` of a task may be left out). */
export function objectOrEmpty(parent: Record<string, unknown>, key: string, at = ''): Record<string, unknown> {
  const value = parent[key] ?? {};
  return object(value, member(at, key));
}
