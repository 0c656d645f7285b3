/**
 * Workspace webhooks (protocol.md §7): `POST /event/{webhookId}` creates a task directly, with
 * `$via: {type: "webhook", id, name, received}` in its data.
 *
 * Messages are signed the Standard Webhooks way: headers `webhook-id`, `webhook-timestamp`
 * (Unix seconds) and `webhook-signature` (space-separated `v1,<base64>`), each signature an
 * HMAC-SHA256 of `<id>.<timestamp>.<raw body>` keyed with the base64 part of the
 * `whsec_…` secret. The raw bytes are verified before any JSON parsing, signatures are compared
 * in constant time, and a message id creates at most one task however often it is re-sent
 * (reliability.md items 19 and 20).
 *
 * Quotas (issue 13 finding 6): a webhook's rate (`ratePerSecond`, `burst`) is its sender's, so
 * only messages that pass verification are charged to it; a message to a signed webhook that
 * fails (bad or missing signature, stale timestamp, malformed headers, a body over the limit) is
 * charged to its source address instead (`failureRatePerSecond`, `failureBurst`), and a source
 * past that budget is answered 429 before its body is read. An attacker who knows a webhook's
 * URL but not its secret can neither use up the real sender's rate nor make the workspace read
 * and hash bodies at will. Unsigned webhooks have no secret: their URL is the credential, and
 * every message is charged to the webhook as before.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import type { Store, WebhookRecord } from '../store/store.js';
import { readBody, sendJson, sendRefusal } from './http-io.js';
import { RequestRejected, WebhookRejected } from '../errors.js';

/** Path prefix of the webhook endpoints. */
export const EVENT_PREFIX = '/event/';
/** Prefix of a Standard Webhooks secret. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** Limits of the webhook endpoints (options of `startWorkspace`). */
export interface WebhookLimits {
  /** Largest body accepted, in bytes; a bigger one gets 413 without being read whole. @default 1048576 */
  maxBodyBytes?: number;
  /** Messages per second each webhook takes on average; more get 429 with `Retry-After`. @default 50 */
  ratePerSecond?: number;
  /** Messages a webhook takes at once before the rate applies. @default 100 */
  burst?: number;
  /** How far `webhook-timestamp` may be from the workspace clock, in seconds. @default 300 */
  toleranceSec?: number;
  /**
   * Messages to signed webhooks that fail verification, per source address (IPv6: per /64) and
   * second on average; past it that address gets 429 with `Retry-After` before its body is read.
   * Failures are never charged to the webhook's own rate. @default 1
   */
  failureRatePerSecond?: number;
  /** Failed messages a source address may send at once before `failureRatePerSecond` applies. @default 20 */
  failureBurst?: number;
}

const DEFAULT_LIMITS: Required<WebhookLimits> = {
  maxBodyBytes: 1024 * 1024,
  ratePerSecond: 50,
  burst: 100,
  toleranceSec: 300,
  failureRatePerSecond: 1,
  failureBurst: 20,
};
/** Longest `webhook-id` kept for de-duplication. */
const MAX_MESSAGE_ID = 256;

/** A new unguessable webhook id: 128 random bits. For unsigned webhooks the URL is the only credential. */
export function newWebhookId(): string {
  return `wh_${randomBytes(16).toString('hex')}`;
}

/** A new signing secret: `whsec_` and the base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/**
 * The HMAC key of a `whsec_…` secret.
 * @throws RequestRejected 400 when it is not `whsec_` and base64 of 16 to 128 bytes
 */
export function webhookKey(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : '';
  const key = Buffer.from(encoded, 'base64');
  const canonical = encoded.replace(/=+$/, '') === key.toString('base64').replace(/=+$/, '');
  if (!canonical || key.length < 16 || key.length > 128) {
    // Never echo the value: it is a secret.
    throw new RequestRejected(
      'BAD_REQUEST',
      `"secret" must be "${WEBHOOK_SECRET_PREFIX}" followed by the base64 of 16 to 128 bytes (as Standard Webhooks senders issue them); leave it out to have one generated`,
      { status: 400 },
    );
  }
  return key;
}

/** The `webhook-signature` value (`v1,<base64>`) of a message: what a sender puts in the header. */
export function signWebhook(secret: string, messageId: string, timestamp: number, body: string | Buffer): string {
  return `v1,${hmac(webhookKey(secret), messageId, String(timestamp), typeof body === 'string' ? Buffer.from(body) : body).toString('base64')}`;
}

function hmac(key: Buffer, messageId: string, timestamp: string, body: Buffer): Buffer {
  return createHmac('sha256', key).update(`${messageId}.${timestamp}.`).update(body).digest();
}

/**
 * Checks a message's Standard Webhooks headers against its raw body.
 * @throws WebhookRejected 400 (headers missing or malformed) or 401 (stale timestamp, no valid signature)
 */
export function verifyWebhook(
  secret: string,
  headers: IncomingMessage['headers'],
  body: Buffer,
  options: { nowSec?: number; toleranceSec?: number } = {},
): { messageId: string; timestamp: number } {
  const messageId = single(headers['webhook-id']);
  const timestamp = single(headers['webhook-timestamp']);
  const signatures = single(headers['webhook-signature']);
  const missing = [
    ...(messageId ? [] : ['webhook-id']),
    ...(timestamp ? [] : ['webhook-timestamp']),
    ...(signatures ? [] : ['webhook-signature']),
  ];
  if (missing.length > 0) {
    throw new WebhookRejected(
      'WEBHOOK_HEADERS_MISSING',
      `missing ${missing.join(', ')}: this webhook takes messages signed as Standard Webhooks describes`,
      { status: 400 },
    );
  }
  if (messageId!.length > MAX_MESSAGE_ID) {
    throw new WebhookRejected('BAD_REQUEST', `webhook-id is longer than ${MAX_MESSAGE_ID} characters`, { status: 400 });
  }
  if (!/^\d{1,12}$/.test(timestamp!)) {
    throw new WebhookRejected('BAD_REQUEST', 'webhook-timestamp must be Unix time in whole seconds', { status: 400 });
  }
  const seconds = Number(timestamp);
  const now = options.nowSec ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSec ?? DEFAULT_LIMITS.toleranceSec;
  if (Math.abs(now - seconds) > tolerance) {
    throw new WebhookRejected(
      'WEBHOOK_TIMESTAMP',
      `webhook-timestamp is ${Math.abs(now - seconds)} s off the workspace clock (at most ${tolerance} s): a replayed message, or a sender clock to fix`,
      { status: 401 },
    );
  }
  const expected = hmac(webhookKey(secret), messageId!, timestamp!, body);
  let valid = false;
  for (const candidate of signatures!.split(' ')) {
    const comma = candidate.indexOf(',');
    if (comma < 0 || candidate.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(candidate.slice(comma + 1), 'base64');
    // Equal lengths first (an HMAC's length is public); then a constant-time compare.
    if (given.length === expected.length && timingSafeEqual(given, expected)) valid = true;
  }
  if (!valid) {
    throw new WebhookRejected(
      'WEBHOOK_SIGNATURE',
      'no valid v1 signature in webhook-signature: the body was changed, or the sender signs with another secret',
      { status: 401 },
    );
  }
  return { messageId: messageId!, timestamp: seconds };
}

function single(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value.join(' ') : value;
  return text === undefined || text.trim() === '' ? undefined : text.trim();
}

/** Buckets a limiter keeps at most: an attacker with many addresses cannot grow it without bound. */
const MAX_BUCKETS = 10_000;

/** A token bucket per key (a webhook, a source address, a token): `burst` at once, refilled at `ratePerSecond`. */
export class WebhookRateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #rate: number;
  readonly #burst: number;

  constructor(ratePerSecond: number, burst: number) {
    this.#rate = ratePerSecond;
    this.#burst = Math.max(1, burst);
  }

  /** Takes one message; answers 0 when allowed, else the seconds to wait (≥ 1). */
  take(key: string, nowMs = performance.now()): number {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= MAX_BUCKETS) this.#prune(nowMs);
      bucket = { tokens: this.#burst, at: nowMs };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * this.#rate);
    bucket.at = nowMs;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.#waitOf(bucket.tokens);
  }

  /** Like {@link take} but takes nothing: 0 when a message would be allowed now, else the seconds to wait. */
  peek(key: string, nowMs = performance.now()): number {
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) return 0;
    const tokens = Math.min(this.#burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * this.#rate);
    return tokens >= 1 ? 0 : this.#waitOf(tokens);
  }

  #waitOf(tokens: number): number {
    return Math.max(1, Math.ceil((1 - tokens) / this.#rate));
  }

  /**
   * Forgets buckets that are full again (they behave exactly like new ones); when that is not
   * enough, the oldest ones (such a key starts afresh with a full bucket).
   */
  #prune(nowMs: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((nowMs - bucket.at) / 1000) * this.#rate >= this.#burst) this.#buckets.delete(key);
    }
    // Down to 90 %: the next prune comes a thousand new keys later, not at the next one.
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size < MAX_BUCKETS * 0.9) break;
      this.#buckets.delete(key);
    }
  }

  /** Buckets kept now (for tests and diagnostics). */
  get size(): number {
    return this.#buckets.size;
  }
}

/**
 * The key of a request's source address for per-source limits: an IPv4 address as it is (also
 * when IPv4-mapped), an IPv6 address by its /64 (one host usually holds a whole /64). The
 * socket's address only: `X-Forwarded-For` can be forged by anyone, so behind a reverse proxy
 * every sender shares the proxy's address.
 */
export function sourceKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  const bare = address.split('%')[0]!;
  if (!isIPv6(bare)) return address;
  const [head = '', tail] = bare.split('::');
  const first = head === '' ? [] : head.split(':');
  const last = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? first : [...first, ...Array<string>(Math.max(0, 8 - first.length - last.length)).fill('0'), ...last];
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

/** What the event endpoint needs. */
export interface WebhookContext {
  store: Store;
  logger: Logger;
  webhookLimits: Required<WebhookLimits>;
  webhookRate: WebhookRateLimiter;
  /** Failed messages to signed webhooks, per source address (see {@link sourceKey}). */
  webhookFailures: WebhookRateLimiter;
}

/** The limits with their defaults filled in. */
export function webhookLimits(limits: WebhookLimits = {}): Required<WebhookLimits> {
  const merged = { ...DEFAULT_LIMITS, ...limits };
  for (const [name, value] of Object.entries(merged)) {
    if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`webhooks.${name} must be a positive number, got ${String(value)}`);
  }
  return merged;
}

/**
 * Charges one message to webhook `id`'s rate.
 * @throws RequestRejected 429 `RATE_LIMITED` with `details.retryAfter` past it
 */
function takeWebhookRate(ctx: WebhookContext, id: string): void {
  const wait = ctx.webhookRate.take(id);
  if (wait > 0) {
    throw new RequestRejected(
      'RATE_LIMITED',
      `this webhook takes at most ${ctx.webhookLimits.ratePerSecond} messages per second: retry after ${wait} s`,
      { status: 429, details: { retryAfter: wait } },
    );
  }
}

/** Serves `POST /event/{id}`. */
export async function handleEvent(ctx: WebhookContext, req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  const limits = ctx.webhookLimits;
  let webhook: WebhookRecord | undefined;
  try {
    if (req.method !== 'POST') throw new RequestRejected('METHOD_NOT_ALLOWED', `${EVENT_PREFIX}<id> takes POST`, { status: 405 });
    webhook = id === '' ? undefined : await ctx.store.getWebhook(id);
    if (!webhook) throw new RequestRejected('NOT_FOUND', 'no such webhook: check the URL (workspace webhook list)', { status: 404 });
    let body: Buffer;
    let verified: { messageId: string; timestamp: number } | undefined;
    if (webhook.secret === null) {
      // Unsigned: the URL is the credential, so every message is the sender's.
      takeWebhookRate(ctx, webhook.id);
      body = await readBody(req, limits.maxBodyBytes, 'stop');
    } else {
      // Signed: failures are charged to their source, never to the sender's rate (see the top of this file).
      const source = sourceKey(req.socket.remoteAddress);
      const wait = ctx.webhookFailures.peek(source);
      if (wait > 0) {
        throw new RequestRejected(
          'RATE_LIMITED',
          `${source} sent more than ${limits.failureBurst} messages that failed verification (invalid signature, stale timestamp, missing headers or too large); it may send ${limits.failureRatePerSecond} such per second: retry after ${wait} s, and check the sender's signing secret`,
          { status: 429, details: { retryAfter: wait } },
        );
      }
      try {
        body = await readBody(req, limits.maxBodyBytes, 'stop');
        verified = verifyWebhook(webhook.secret, req.headers, body, limits);
      } catch (error) {
        if (error instanceof RequestRejected) ctx.webhookFailures.take(source);
        throw error;
      }
      takeWebhookRate(ctx, webhook.id);
    }
    // Parsed only once its bytes are known to come from the sender.
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new RequestRejected('BAD_REQUEST', `the body is not JSON: ${(error as Error).message}`, { status: 400 });
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new RequestRejected('BAD_REQUEST', 'the body must be a JSON object: its members become the task data', { status: 400 });
    }
    const messageId = verified?.messageId ?? single(req.headers['webhook-id'])?.slice(0, MAX_MESSAGE_ID) ?? null;
    const via = { type: 'webhook', id: webhook.id, name: webhook.name, received: new Date().toISOString() };
    const task = await ctx.store.createWebhookTask({
      webhook: webhook.id,
      messageId,
      name: webhook.name,
      data: { ...(payload as Record<string, unknown>), $via: via },
    });
    ctx.logger.info(
      { webhook: webhook.name, task: task.id, duplicate: !task.created },
      task.created ? 'webhook task created' : 'webhook message seen before',
    );
    sendJson(res, 200, { task: task.id, duplicate: !task.created });
  } catch (error) {
    if (!(error instanceof RequestRejected)) throw error;
    if (error.status !== 429 && error.status !== 404) {
      // The reason only: never headers, signatures or the body.
      ctx.logger.warn({ webhook: webhook?.name, status: error.status, code: error.code }, 'webhook message refused');
    }
    sendRefusal(req, res, error);
  }
}
