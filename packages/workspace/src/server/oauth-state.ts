/**
 * The `state` of the authorization code flow (protocol.md §6 step 2–3; reliability.md item 18):
 * random, single use, expiring after 10 minutes, holding the PKCE verifier it belongs to.
 */
import { createHash, randomBytes } from 'node:crypto';

/** What a state stands for. */
export interface OAuthStateEntry {
  connector: string;
  /** The PKCE verifier (S256), when the connector asked for a code challenge. */
  codeVerifier: string | undefined;
  /** The callback URL sent in the authorization request; finish-oauth must repeat it. */
  redirectUri: string;
}

/** Why a state was refused. */
export type OAuthStateProblem = 'missing' | 'unknown' | 'used' | 'expired';

/** Options of {@link OAuthStateStore}. */
export interface OAuthStateStoreOptions {
  /** Lifetime of a state, in ms. @default 600000 (10 minutes) */
  ttlMs?: number;
  /** States kept at most; the oldest go first. @default 10000 */
  maxEntries?: number;
  /** The clock. @default Date.now */
  now?: () => number;
}

interface Stored extends OAuthStateEntry {
  expires: number;
  used: boolean;
}

/** A fresh PKCE verifier and its S256 challenge (RFC 7636 §4.1–4.2). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** In-memory states. A restart forgets them, which only means a person clicks "connect" again. */
export class OAuthStateStore {
  readonly #entries = new Map<string, Stored>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: OAuthStateStoreOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 600_000;
    this.#max = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Stores `entry` under a new random state and returns the state and its expiry. */
  create(entry: OAuthStateEntry): { state: string; expires: Date } {
    this.#sweep();
    while (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
    const state = randomBytes(32).toString('base64url');
    const expires = this.#now() + this.#ttlMs;
    this.#entries.set(state, { ...entry, expires, used: false });
    return { state, expires: new Date(expires) };
  }

  /**
   * Takes a state once: the entry, or why not. A used state stays known until it expires, so
   * a replay is told apart from a forgery.
   */
  take(state: string | null | undefined): { ok: true; entry: OAuthStateEntry } | { ok: false; problem: OAuthStateProblem } {
    if (state === null || state === undefined || state === '') return { ok: false, problem: 'missing' };
    const stored = this.#entries.get(state);
    if (stored === undefined) return { ok: false, problem: 'unknown' };
    if (stored.used) return { ok: false, problem: 'used' };
    stored.used = true;
    if (stored.expires <= this.#now()) return { ok: false, problem: 'expired' };
    return { ok: true, entry: { connector: stored.connector, codeVerifier: stored.codeVerifier, redirectUri: stored.redirectUri } };
  }

  /** States held (for tests). */
  get size(): number {
    return this.#entries.size;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [state, entry] of this.#entries) if (entry.expires <= now) this.#entries.delete(state);
  }
}
