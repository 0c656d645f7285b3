/**
 * Reading JSON requests and writing JSON answers, shared by the device endpoints and the
 * admin API.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestRejected } from '../errors.js';

/** Largest request body accepted (8 MiB). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Reads the body, up to `limit` bytes; a declared length over it is refused before any is read.
 * Past the limit, `'drain'` reads the rest and drops it (so a 413 can still be answered on a
 * connection that stays open), `'stop'` reads no more (the answer then closes the connection).
 * @throws RequestRejected 413 past the limit
 */
export function readBody(req: IncomingMessage, limit: number, overflow: 'drain' | 'stop'): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    if (overflow === 'drain') req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const onData = (chunk: Buffer): void => {
      if (failed) return;
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      failed = true;
      chunks.length = 0;
      if (overflow === 'stop') {
        req.off('data', onData);
        req.pause();
      }
      reject(tooLarge(limit));
    };
    req.on('data', onData);
    req.on('error', reject);
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
  });
}

/**
 * Reads the body as JSON; an empty body is `undefined`. Past `limit` the rest is drained.
 * @throws RequestRejected 413 past the limit, 400 when the body is not JSON
 */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const body = await readBody(req, limit, 'drain');
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw new RequestRejected('BAD_REQUEST', `the request body is not JSON: ${(error as Error).message}`, { status: 400 });
  }
}

function tooLarge(limit: number): RequestRejected {
  return new RequestRejected('PAYLOAD_TOO_LARGE', `the request body is larger than ${limit} bytes`, { status: 413 });
}

/** Writes a JSON answer; `headers` are added (e.g. `retry-after`). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...(status === 413 ? { connection: 'close' } : {}),
    ...headers,
  });
  res.end(text);
}

/** The credential of `Authorization: <scheme> <credential>`, or undefined when absent or of another scheme. */
export function readAuthorization(header: string | undefined, scheme: string): string | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== scheme.toLowerCase()) return undefined;
  const credential = header.slice(space + 1).trim();
  return credential === '' ? undefined : credential;
}

/** SHA-256 (hex) of a secret: the only form in which tokens and keys are stored. */
export function sha256(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares two secrets in constant time (by their digests, so lengths leak nothing). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * Answers a refused request of an outside sender (a webhook message, an endpoint POST):
 * `{error: {code, message}}` with the refusal's status, `retry-after` when it says how long to
 * wait, and `connection: close` while its body may still be arriving (it is not read).
 */
export function sendRefusal(req: IncomingMessage, res: ServerResponse, error: RequestRejected): void {
  const retryAfter = (error.details as { retryAfter?: number } | undefined)?.retryAfter;
  sendJson(
    res,
    error.status,
    { error: { code: error.code, message: error.message } },
    {
      ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
      ...(req.complete ? {} : { connection: 'close' }),
    },
  );
}
