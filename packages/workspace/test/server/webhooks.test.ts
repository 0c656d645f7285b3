/**
 * Workspace webhooks (protocol.md §7; reliability.md items 19, 20, 23): a real workspace on
 * 127.0.0.1, messages posted over HTTP.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/index.js';
import { sourceKey, verifyWebhook, WebhookRateLimiter } from '../../src/server/webhooks.js';
import { capturingLogger, startTestWorkspace, type TestWorkspace } from '../helpers.js';

let ws: TestWorkspace;
const captured = capturingLogger('trace');

beforeAll(async () => {
  ws = await startTestWorkspace({
    logger: captured.logger,
    webhooks: { maxBodyBytes: 64 * 1024, ratePerSecond: 1000, burst: 1000 },
  });
}, 60_000);
afterAll(() => ws?.close());

const now = (): number => Math.floor(Date.now() / 1000);
let counter = 0;

async function addWebhook(name: string, body: Record<string, unknown> = {}): Promise<{ url: string; secret: string; id: string }> {
  const added = await ws.api('POST', 'webhooks', { name, ...body });
  expect(added.status).toBe(201);
  return { url: added.body.webhook.url, secret: added.body.secret, id: added.body.webhook.id };
}

/** Headers of a signed message; `override` replaces or (with undefined) drops any of them. */
function signed(secret: string, body: string, override: Record<string, string | undefined> = {}): Record<string, string> {
  const id = `msg_${++counter}`;
  const timestamp = now();
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(secret, id, timestamp, body),
    ...override,
  };
  return Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined));
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
}

describe('Standard Webhooks signatures', () => {
  it('matches the specification test vector', () => {
    // The example of the Standard Webhooks specification (its reference libraries test it too).
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = Buffer.from('{"test": 2432232314}');
    const signature = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
    expect(signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe(signature);
    const headers = { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': signature };
    expect(verifyWebhook(secret, headers, body, { nowSec: 1614265330 + 299 })).toEqual({
      messageId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: 1614265330,
    });
    expect(() => verifyWebhook(secret, headers, body, { nowSec: 1614265330 + 301 })).toThrow(/301 s off/);
    expect(() => verifyWebhook(secret, headers, Buffer.from('{"test": 2432232315}'), { nowSec: 1614265330 })).toThrow(
      /no valid v1 signature/,
    );
  });

  it('accepts a valid message and makes it a task with $via', async () => {
    const hook = await addWebhook('orders');
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(hook.url).toBe(new URL(`event/${hook.id}`, ws.url).href);
    const body = JSON.stringify({ order: 42, items: ['a'] });
    const answer = await post(hook.url, body, signed(hook.secret, body));
    expect(answer).toMatchObject({ status: 200, body: { duplicate: false } });
    const { body: got } = await ws.api('GET', `tasks/${answer.body.task}`);
    expect(got.task).toMatchObject({ connector: null, name: 'orders', data: { order: 42, items: ['a'] } });
    expect(got.task.data.$via).toEqual({ type: 'webhook', id: hook.id, name: 'orders', received: expect.any(String) });
    expect(Date.now() - Date.parse(got.task.data.$via.received)).toBeLessThan(60_000);
  });

  it('accepts several signatures when one is valid, and refuses every wrong case with a clear reason', async () => {
    const hook = await addWebhook('cases');
    const other = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
    const body = '{"n":1}';
    const valid = signed(hook.secret, body);
    const wrong = signWebhook(other, valid['webhook-id']!, Number(valid['webhook-timestamp']), body);
    const several = { ...valid, 'webhook-signature': `v1a,ignored ${wrong} v1,${'A'.repeat(44)} ${valid['webhook-signature']}` };
    expect((await post(hook.url, body, several)).status).toBe(200);

    const tampered = await post(hook.url, '{"n":2}', signed(hook.secret, body));
    expect(tampered).toMatchObject({ status: 401, body: { error: { code: 'WEBHOOK_SIGNATURE' } } });
    expect((await post(hook.url, body, signed(other, body))).status).toBe(401);
    // Well past the 300 s tolerance: at 301 the server's clock, read a moment later than this
    // one, could tick to 300 and accept a message the test means to be stale.
    for (const offset of [-360, 360]) {
      const ts = now() + offset;
      const id = `msg_ts_${offset}`;
      const stale = await post(
        hook.url,
        body,
        signed(hook.secret, body, {
          'webhook-id': id,
          'webhook-timestamp': String(ts),
          'webhook-signature': signWebhook(hook.secret, id, ts, body),
        }),
      );
      expect(stale).toMatchObject({ status: 401, body: { error: { code: 'WEBHOOK_TIMESTAMP' } } });
    }
    for (const header of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const missing = await post(hook.url, body, signed(hook.secret, body, { [header]: undefined }));
      expect(missing.status).toBe(400);
      expect(missing.body.error.message).toContain(header);
    }
    const notSeconds = await post(hook.url, body, signed(hook.secret, body, { 'webhook-timestamp': new Date().toISOString() }));
    expect(notSeconds.status).toBe(400);
  });

  it('verifies the raw bytes before parsing them', async () => {
    const hook = await addWebhook('raw');
    // Not JSON and not signed right: the signature is what fails.
    expect((await post(hook.url, 'not json', signed(hook.secret, 'other'))).status).toBe(401);
    // Not JSON but signed: only then does parsing fail.
    const parsed = await post(hook.url, 'not json', signed(hook.secret, 'not json'));
    expect(parsed).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    // The same JSON with other whitespace is other bytes.
    expect((await post(hook.url, '{"a": 1}', signed(hook.secret, '{"a":1}'))).status).toBe(401);
    const spaced = await post(hook.url, '{ "a" : 1 }', signed(hook.secret, '{ "a" : 1 }'));
    expect(spaced.status).toBe(200);
    // A JSON array is verified, then refused: its members could not become task data.
    expect((await post(hook.url, '[1]', signed(hook.secret, '[1]'))).status).toBe(400);
  });
});

describe('duplicates and limits', () => {
  it('creates exactly one task when the same webhook-id arrives 50 times in parallel', async () => {
    const hook = await addWebhook('dups');
    const body = JSON.stringify({ event: 'paid' });
    const headers = signed(hook.secret, body);
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(hook.url, body, headers)));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(new Set(answers.map((a) => a.body.task)).size).toBe(1);
    expect(answers.filter((a) => !a.body.duplicate)).toHaveLength(1);
    const { body: listed } = await ws.api('GET', 'tasks?limit=1000');
    expect(listed.tasks.filter((t: any) => t.data.$via?.id === hook.id)).toHaveLength(1);
  });

  it('answers 413 to a declared length over the limit before reading the body', async () => {
    const hook = await addWebhook('big');
    // Declares 10 MiB and sends 1 KiB: the answer comes while the rest is still unsent.
    const answer = await new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
      const req = request(
        hook.url,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': 10 * 1024 * 1024 } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body: text }));
        },
      );
      req.on('error', reject);
      req.write(Buffer.alloc(1024, 0x20));
    });
    expect(answer.status).toBe(413);
    expect(answer.connection).toBe('close');
    expect(JSON.parse(answer.body).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 413 to a chunked body that grows past the limit, and stops reading it', async () => {
    const hook = await addWebhook('chunked');
    const answer = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
      let sent = 0;
      let answered = false;
      const req = request(hook.url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        answered = true;
        res.resume();
        resolve({ status: res.statusCode!, sent });
      });
      req.on('error', (error) => (answered ? undefined : reject(error)));
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      // One chunk per turn of the event loop, up to 4 MiB (far past the 64 KiB limit), until the answer.
      const pump = (): void => {
        if (answered || sent >= 4 * 1024 * 1024) return;
        sent += chunk.length;
        // Paced, so what was sent when the answer came bounds what the workspace read.
        if (req.write(chunk)) setTimeout(pump, 2);
        else req.once('drain', () => setTimeout(pump, 2));
      };
      pump();
    });
    expect(answer.status).toBe(413);
    expect(answer.sent).toBeLessThan(1024 * 1024);
  });

  it('answers 429 with Retry-After past the rate limit', async () => {
    const limited = await startTestWorkspace({ webhooks: { ratePerSecond: 0.5, burst: 3 } });
    try {
      const added = await limited.api('POST', 'webhooks', { name: 'limited', signed: false });
      const url = added.body.webhook.url as string;
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i++) {
        const res = await post(url, JSON.stringify({ i }), { 'content-type': 'application/json' });
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
      }
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(retryAfter)).toBeLessThanOrEqual(2);
    } finally {
      await limited.close();
    }
  });

  it('refills the bucket at the configured rate', () => {
    const limiter = new WebhookRateLimiter(2, 2);
    expect([limiter.take('a', 0), limiter.take('a', 0), limiter.take('a', 0)]).toEqual([0, 0, 1]);
    expect(limiter.take('a', 500)).toBe(0);
    expect(limiter.take('b', 500)).toBe(0);
  });
});

/** POSTs from `localAddress` (127.0.0.0/8 is all loopback on Linux: each address is another sender). */
function postFrom(
  localAddress: string,
  url: string,
  body: string,
  headers: Record<string, string>,
  declaredLength?: number,
): Promise<{ status: number; body: any; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', localAddress, headers: { ...headers, 'content-length': declaredLength ?? Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text === '' ? undefined : JSON.parse(text), headers: res.headers }));
      },
    );
    req.on('error', reject);
    if (declaredLength === undefined) req.end(body);
    else req.write(body);
  });
}

describe('signature failures (issue 13 finding 6)', () => {
  it("are charged to their source address, never to the real sender's rate; a flooding source gets 429 before its body is read", async () => {
    const limited = await startTestWorkspace({
      webhooks: { ratePerSecond: 0.01, burst: 5, failureRatePerSecond: 0.01, failureBurst: 10 },
    });
    try {
      const added = await limited.api('POST', 'webhooks', { name: 'paid' });
      const { url } = added.body.webhook as { url: string };
      const secret = added.body.secret as string;
      const forged = 'whsec_' + Buffer.alloc(32, 9).toString('base64');
      const body = '{"amount":1}';

      // The attacker (127.0.0.2) knows the URL, not the secret: 40 messages, 8 times the webhook's burst.
      const attacker: number[] = [];
      let refusal: { status: number; body: any; headers: Record<string, unknown> } | undefined;
      for (let i = 0; i < 40; i++) {
        const res = await postFrom('127.0.0.2', url, body, signed(forged, body));
        attacker.push(res.status);
        if (res.status === 429) refusal = res;
      }
      expect(attacker.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(attacker.slice(10)).toEqual(Array(30).fill(429));
      expect(refusal!.body.error.code).toBe('RATE_LIMITED');
      expect(refusal!.body.error.message).toContain('127.0.0.2 sent more than 10 messages that failed verification');
      expect(Number(refusal!.headers['retry-after'])).toBeGreaterThanOrEqual(1);

      // The real sender (127.0.0.1) still has its whole burst, and its rate still applies.
      const sender: number[] = [];
      for (let i = 0; i < 6; i++) {
        const message = JSON.stringify({ amount: i });
        sender.push((await postFrom('127.0.0.1', url, message, signed(secret, message))).status);
      }
      expect(sender).toEqual([200, 200, 200, 200, 200, 429]);

      // Past its budget, the attacker is answered before its body is read: 10 MiB declared, 1 KiB sent.
      const early = await postFrom('127.0.0.2', url, ' '.repeat(1024), signed(forged, body), 10 * 1024 * 1024);
      expect(early.status).toBe(429);
      expect(early.headers.connection).toBe('close');
      // Signed correctly, it is refused as well: the budget is the address's.
      expect((await postFrom('127.0.0.2', url, body, signed(secret, body))).status).toBe(429);
      // Another address has a budget of its own.
      expect((await postFrom('127.0.0.3', url, body, signed(forged, body))).status).toBe(401);
    } finally {
      await limited.close();
    }
  });

  it('keys sources by IPv4 address (also IPv4-mapped) and by IPv6 /64', () => {
    expect(sourceKey('203.0.113.7')).toBe('203.0.113.7');
    expect(sourceKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(sourceKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(sourceKey(undefined)).toBe('unknown');
  });

  it('peeks at a bucket without taking from it, and bounds how many buckets it keeps', () => {
    const limiter = new WebhookRateLimiter(1, 2);
    expect(limiter.peek('a', 0)).toBe(0);
    expect([limiter.take('a', 0), limiter.take('a', 0)]).toEqual([0, 0]);
    expect([limiter.peek('a', 0), limiter.peek('a', 0)]).toEqual([1, 1]);
    expect(limiter.peek('a', 1000)).toBe(0);
    // Far more keys than it keeps, none of them full again: it keeps at most 10 000, the oldest start afresh.
    expect([limiter.take('k0', 0), limiter.take('k0', 0), limiter.take('k0', 0)]).toEqual([0, 0, 1]);
    for (let i = 1; i < 25_000; i++) limiter.take(`k${i}`, 0);
    expect(limiter.size).toBeLessThanOrEqual(10_000);
    expect(limiter.take('k0', 0)).toBe(0);
  });
});

describe('webhooks in the admin API', () => {
  it('lists webhooks without their secrets, refuses bad input, and removes them', async () => {
    const hook = await addWebhook('admin-listed');
    const { body } = await ws.api('GET', 'webhooks');
    expect(body.webhooks.find((w: any) => w.name === 'admin-listed')).toMatchObject({ id: hook.id, signed: true, url: hook.url });
    expect(JSON.stringify(body)).not.toContain(hook.secret);

    expect((await ws.api('POST', 'webhooks', { name: 'admin-listed' })).status).toBe(409);
    const badSecret = await ws.api('POST', 'webhooks', { name: 'bad', secret: 'plain-MARKER-secret' });
    expect(badSecret.status).toBe(400);
    expect(badSecret.body.error.message).toContain('whsec_');
    expect(JSON.stringify(badSecret.body)).not.toContain('MARKER');
    expect((await ws.api('POST', 'webhooks', { name: 'bad', signed: false, secret: 'whsec_x' })).status).toBe(400);
    expect((await ws.api('POST', 'webhooks', { name: 'bad name' })).status).toBe(400);

    // A secret the sender issued is kept as given.
    const given = 'whsec_' + Buffer.alloc(24, 9).toString('base64');
    const own = await ws.api('POST', 'webhooks', { name: 'given', secret: given });
    expect(own.body.secret).toBe(given);
    const text = '{"x":1}';
    expect((await post(own.body.webhook.url, text, signed(given, text))).status).toBe(200);

    expect((await ws.api('DELETE', 'webhooks/admin-listed')).status).toBe(200);
    expect((await ws.api('GET', `webhooks/${hook.id}`)).status).toBe(404);
    expect((await post(hook.url, text, signed(hook.secret, text))).status).toBe(404);
    expect((await fetch(new URL(`event/${given}`, ws.url), { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(own.body.webhook.url)).status).toBe(405);
  });

  it('takes unsigned messages on an unsigned webhook, still de-duplicating by webhook-id', async () => {
    const added = await ws.api('POST', 'webhooks', { name: 'unsigned', signed: false });
    expect(added.body.secret).toBeUndefined();
    const url = added.body.webhook.url as string;
    expect((await post(url, '{"a":1}', { 'content-type': 'application/json' })).status).toBe(200);
    const first = await post(url, '{"a":2}', { 'webhook-id': 'same' });
    const again = await post(url, '{"a":3}', { 'webhook-id': 'same' });
    expect(again.body).toEqual({ task: first.body.task, duplicate: true });
  });

  it('never logs secrets, signatures or bodies, even at trace level', async () => {
    const hook = await addWebhook('logged');
    const body = JSON.stringify({ card: 'body-MARKER' });
    const headers = signed(hook.secret, body);
    expect((await post(hook.url, body, headers)).status).toBe(200);
    await post(hook.url, body, { ...headers, 'webhook-signature': 'v1,c2lnLU1BUktFUg==' });
    const log = captured.text();
    expect(log).toContain('webhook task created');
    expect(log).toContain('webhook message refused');
    for (const secret of [hook.secret, hook.secret.slice(6), headers['webhook-signature']!.slice(3), 'MARKER', 'c2lnLU1BUktFUg']) {
      expect(log).not.toContain(secret);
    }
  });
});
