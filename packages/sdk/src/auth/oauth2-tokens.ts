/**
 * OAuth token sets: what the connector keeps (and the workspace stores as `oauthResult`, §6),
 * and when a token is too old to send (reliability.md items 14 and 15).
 */

/** A token response (RFC 6749 §5.1) plus the times the connector computed. */
export interface TokenSet {
  access_token: string;
  token_type?: string;
  refresh_token?: string;
  scope?: string;
  /** Lifetime in seconds as the server sent it (absent when it did not). */
  expires_in?: number;
  /** When the access token expires, epoch ms; absent when the server gave no lifetime. */
  expires_at?: number;
  /** When the connector received the set, epoch ms. */
  obtained_at: number;
  [extra: string]: unknown;
}

function finiteNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/**
 * A token set from a token endpoint's answer received at `now`. A response without a refresh
 * token keeps the previous one (item 14). `expires_in` of 0 or less yields a token that is
 * already expired, so it is never sent (item 15); a missing one leaves the expiry unknown.
 * @returns undefined when the answer has no `access_token`
 */
export function tokenSetFromResponse(response: Record<string, unknown>, now: number, previous?: TokenSet): TokenSet | undefined {
  const access = response.access_token;
  if (typeof access !== 'string' || access === '') return undefined;
  const set: TokenSet = { ...response, access_token: access, obtained_at: now };
  delete set.expires_at;
  const expiresIn = finiteNumber(response.expires_in);
  if (expiresIn === undefined) delete set.expires_in;
  else {
    set.expires_in = expiresIn;
    set.expires_at = now + expiresIn * 1000;
  }
  const refresh = response.refresh_token;
  if (typeof refresh !== 'string' || refresh === '') {
    delete set.refresh_token;
    if (previous?.refresh_token !== undefined) set.refresh_token = previous.refresh_token;
  }
  return set;
}

/**
 * Reads a stored token set (the decrypted `oauthResult`): an object or its JSON text. A set
 * written by another SDK may lack `obtained_at`/`expires_at`; `expires_at` may be a date string.
 */
export function readStoredTokenSet(value: unknown): TokenSet | undefined {
  let raw = value;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw) as unknown;
    } catch {
      return undefined;
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const record = raw as Record<string, unknown>;
  if (typeof record.access_token !== 'string' || record.access_token === '') return undefined;
  const set: TokenSet = { ...record, access_token: record.access_token, obtained_at: finiteNumber(record.obtained_at) ?? 0 };
  const expiresAt = finiteNumber(record.expires_at) ?? (typeof record.expires_at === 'string' ? Date.parse(record.expires_at) : undefined);
  if (expiresAt !== undefined && !Number.isNaN(expiresAt)) set.expires_at = expiresAt;
  else if (finiteNumber(record.expires_in) !== undefined && set.obtained_at === 0) {
    // A lifetime without a start: its end is unknown, so treat the token as expired.
    set.expires_at = 0;
  } else delete set.expires_at;
  return set;
}

/**
 * True when the access token may still be sent at `now`: it expires later than `skewMs` from
 * now. The skew is at most half the token's lifetime, so a short-lived token is still used.
 */
export function isTokenFresh(set: TokenSet, now: number, skewMs: number): boolean {
  if (set.expires_at === undefined) return true;
  const lifetime = set.expires_at - set.obtained_at;
  const skew = lifetime > 0 ? Math.min(skewMs, lifetime / 2) : 0;
  return set.expires_at - skew > now;
}
