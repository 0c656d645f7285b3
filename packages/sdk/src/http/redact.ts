/**
 * Keeping secrets out of error messages: known secret values are replaced wherever they occur,
 * and JSON members whose names look secret are masked (reliability.md item 23).
 */

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

/** Member names whose values are masked in JSON bodies, whatever they hold. */
const SECRET_NAME = /token|secret|password|passwd|api[-_]?key|authorization|cookie|session|credential|private/i;

/** Secrets shorter than this are not searched for: replacing every "a" of a text helps nobody. */
export const MIN_SECRET_LENGTH = 4;

/** Replaces every occurrence of each secret (and its URL-encoded form) in `text`. */
export function redactText(text: string, secrets: Iterable<string>): string {
  let out = text;
  const sorted = [...secrets].filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  for (const secret of sorted) {
    for (const form of new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')])) {
      out = out.split(form).join(REDACTED);
    }
  }
  return out;
}

/** A copy of a JSON value with secret-looking members masked. */
export function redactJson(value: unknown, depth = 0): unknown {
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactJson(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const masked = SECRET_NAME.test(key) && v !== null && v !== undefined && typeof v !== 'object' ? REDACTED : redactJson(v, depth + 1);
    Object.defineProperty(out, key, { value: masked, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * A copy of a value (an error's details) with every known secret replaced in its strings, keys
 * and values; other values as they are. Objects that are not plain (dates, errors) are kept.
 */
export function redactDeep(value: unknown, secrets: Iterable<string>): unknown {
  const list = [...secrets];
  const walk = (v: unknown, d: number): unknown => {
    if (typeof v === 'string') return redactText(v, list);
    if (d > 20 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((item) => walk(item, d + 1));
    if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return v;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v)) {
      Object.defineProperty(out, redactText(key, list), { value: walk(item, d + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return walk(value, 0);
}

/**
 * The start of a response body, safe to show: JSON members with secret names masked, known
 * secrets replaced, cut to `max` characters.
 */
export function bodyExcerpt(text: string, secrets: Iterable<string>, max = 500): string {
  let shown = text;
  try {
    shown = JSON.stringify(redactJson(JSON.parse(text)));
  } catch {
    // not JSON: shown as text
  }
  // Cut after redacting so that a secret straddling the cut is still found.
  const redacted = redactText(shown, secrets).replace(/\s+/g, ' ').trim();
  return redacted.length > max ? `${redacted.slice(0, max)}…` : redacted;
}

/** `https://host/path` of a URL: no query (it may carry a key), no credentials. */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
