/**
 * Known secret values kept out of what leaves the connector (issue 13 finding 6, reliability.md
 * item 23): the decrypted values of its secret config fields and its auth's tokens are replaced
 * by `[redacted:<field>]` in error answers, health notices and log lines, wherever a handler or
 * the SDK put them. Unlike `redactText` (the HTTP client's, which knows only the auth's
 * secrets), this one knows every secret field of the current config and names it, so a reader
 * still sees which value was there.
 */
import { MIN_SECRET_LENGTH } from '../http/redact.js';

/** What a secret of `label` (a config field, `oauth.access_token`…) is replaced with. */
export function redactedPlaceholder(label: string): string {
  return `[redacted:${label}]`;
}

/** One text to look for and what replaces it. */
interface Pattern {
  form: string;
  placeholder: string;
}

/** Members of an object-valued secret (an OAuth token set) that hold secrets; `token_type`, `scope`… do not. */
const SECRET_MEMBER = /token$|secret|password|passwd|api[-_]?key|credential|private/i;

/** How deep {@link SecretScrubber.scrubDeep} walks, and how many causes {@link SecretScrubber.scrubError} follows. */
const MAX_DEPTH = 20;

/**
 * The secrets a connector knows, by source (`config`, `auth`), and their replacement in text.
 * Each value is searched for as it is, JSON-escaped (as it appears inside a JSON log line),
 * URL-encoded and base64-encoded. Text values shorter than 4 characters are not searched for
 * (replacing every "ab" of a message helps nobody); numbers and booleans are not secrets.
 */
export class SecretScrubber {
  readonly #sources = new Map<string, Array<readonly [label: string, value: string]>>();
  /** Sources read at each use (the auth's tokens change on refresh), with what they gave last. */
  readonly #watched = new Map<string, { read: () => Iterable<readonly [string, unknown]>; last: unknown[] }>();
  #patterns: Pattern[] = [];

  /**
   * Replaces the secrets of `source` with `secrets`, as `[label, value]`. A value that is an
   * object (a decrypted token set) contributes its secret-looking text members, labelled
   * `<label>.<member>`; other values that are not text are ignored.
   */
  set(source: string, secrets: Iterable<readonly [label: string, value: unknown]>): void {
    this.#watched.delete(source);
    this.#store(source, secrets);
    this.#rebuild();
  }

  /**
   * Makes `read` the source `source`: read again at each use, so values that change (OAuth
   * tokens after a refresh) are known from the moment they exist. `read` must be cheap.
   */
  watch(source: string, read: () => Iterable<readonly [label: string, value: unknown]>): void {
    this.#watched.set(source, { read, last: [] });
    this.#refresh();
  }

  #store(source: string, secrets: Iterable<readonly [label: string, value: unknown]>): void {
    const list: Array<readonly [string, string]> = [];
    const add = (label: string, value: unknown, depth: number): void => {
      if (typeof value === 'string') {
        if (value.length >= MIN_SECRET_LENGTH) list.push([label, value]);
        return;
      }
      if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return;
      for (const [key, member] of Object.entries(value)) {
        if (typeof member !== 'string' || SECRET_MEMBER.test(key)) add(`${label}.${key}`, member, depth + 1);
      }
    };
    for (const [label, value] of secrets) add(label, value, 0);
    if (list.length === 0) this.#sources.delete(source);
    else this.#sources.set(source, list);
  }

  /** Reads the watched sources; rebuilds the patterns when one gave something new. */
  #refresh(): void {
    let changed = false;
    for (const [source, watched] of this.#watched) {
      const entries = [...watched.read()];
      const flat = entries.flat();
      if (flat.length === watched.last.length && flat.every((v, i) => v === watched.last[i])) continue;
      watched.last = flat;
      this.#store(source, entries);
      changed = true;
    }
    if (changed) this.#rebuild();
  }

  /** True when there is something to look for. */
  get active(): boolean {
    if (this.#watched.size > 0) this.#refresh();
    return this.#patterns.length > 0;
  }

  /** `text` with every known secret replaced by its placeholder. */
  scrub(text: string): string {
    return this.active ? this.#replace(text) : text;
  }

  #replace(text: string): string {
    let out = text;
    for (const { form, placeholder } of this.#patterns) {
      // split/join, not replaceAll: a placeholder's `$` must not be read as a replacement pattern.
      if (out.includes(form)) out = out.split(form).join(placeholder);
    }
    return out;
  }

  /**
   * A copy of a JSON-like value (an error's details) with every string (keys too) scrubbed.
   * Objects that are not plain (dates, buffers) are kept as they are.
   */
  scrubDeep(value: unknown): unknown {
    if (!this.active) return value;
    const walk = (v: unknown, depth: number): unknown => {
      if (typeof v === 'string') return this.#replace(v);
      if (depth >= MAX_DEPTH || v === null || typeof v !== 'object') return v;
      if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return v;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) {
        // defineProperty: a key such as "__proto__" stays an own property.
        Object.defineProperty(out, this.#replace(key), {
          value: walk(item, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    };
    return walk(value, 0);
  }

  /**
   * For a log line: a copy of `error` of the same class whose message, stack, own members
   * (code, details…) and causes are scrubbed; `error` itself when no secret is known or none
   * occurs in it. The original is left untouched (a handler may still hold it).
   */
  scrubError(error: unknown, depth = 0): unknown {
    if (!this.active) return error;
    if (!(error instanceof Error)) return this.scrubDeep(error);
    const copy = Object.create(Object.getPrototypeOf(error) as object) as Error & Record<string, unknown>;
    let changed = false;
    const define = (key: string, original: unknown, scrubbed: unknown, enumerable: boolean): void => {
      if (scrubbed !== original) changed = true;
      Object.defineProperty(copy, key, { value: scrubbed, enumerable, writable: true, configurable: true });
    };
    define('message', error.message, this.#replace(error.message), false);
    if (error.stack !== undefined) define('stack', error.stack, this.#replace(error.stack), false);
    for (const [key, value] of Object.entries(error)) {
      if (key === 'message' || key === 'stack') continue;
      define(key, value, value instanceof Error ? this.scrubError(value, depth + 1) : this.scrubDeep(value), true);
    }
    const cause = (error as { cause?: unknown }).cause;
    if (cause !== undefined && !Object.hasOwn(copy, 'cause')) {
      define('cause', cause, depth < MAX_DEPTH ? this.scrubError(cause, depth + 1) : undefined, false);
    }
    return changed ? copy : error;
  }

  #rebuild(): void {
    const placeholders = new Map<string, string>();
    // Sources set once (the config's named fields) before watched ones: a value in both (a Basic
    // password is also one of the auth's secrets) is named by its field.
    const sources = [...this.#sources].sort(([a], [b]) => Number(this.#watched.has(a)) - Number(this.#watched.has(b)));
    for (const [, list] of sources) {
      for (const [label, value] of list) {
        const placeholder = redactedPlaceholder(label);
        const json = JSON.stringify(value).slice(1, -1);
        for (const form of [value, json, encodeURIComponent(value), Buffer.from(value, 'utf8').toString('base64')]) {
          // The first label of a value names it (a config field before the auth that reads it).
          if (form.length >= MIN_SECRET_LENGTH && !placeholders.has(form)) placeholders.set(form, placeholder);
        }
      }
    }
    // Longest first: a secret that contains another is replaced whole.
    this.#patterns = [...placeholders].map(([form, placeholder]) => ({ form, placeholder })).sort((a, b) => b.form.length - a.form.length);
  }
}
