/**
 * The retry policy's pure parts.
 */
import { describe, expect, it } from 'vitest';
import { isIdempotent, isRetryableStatus, parseRetryAfter, retryDelay, retryPolicy } from '../../src/http/retry.js';
import { bodyExcerpt, redactText } from '../../src/http/redact.js';

describe('retry policy', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('treats GET, PUT, DELETE and keyed requests as idempotent, POST and PATCH not', () => {
    const none = new Headers();
    expect(['GET', 'head', 'PUT', 'DELETE', 'OPTIONS'].map((m) => isIdempotent(m, none, undefined))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['POST', 'PATCH'].map((m) => isIdempotent(m, none, undefined))).toEqual([false, false]);
    expect(isIdempotent('POST', new Headers({ 'Idempotency-Key': 'k' }), undefined)).toBe(true);
    expect(isIdempotent('GET', none, false)).toBe(false);
  });

  it('retries 408, 429 and 5xx except 501 and 505', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 501, 505].some(isRetryableStatus)).toBe(false);
  });

  it('waits a full-jitter delay in [0, min(cap, base·2^n)] unless the API said how long', () => {
    const policy = retryPolicy({ baseMs: 100, capMs: 1000 });
    expect(retryDelay(policy, 0, undefined, () => 0.9999999)).toBe(100);
    expect(retryDelay(policy, 3, undefined, () => 0.9999999)).toBe(800);
    expect(retryDelay(policy, 10, undefined, () => 0.9999999)).toBe(1000);
    expect(retryDelay(policy, 10, undefined, () => 0)).toBe(0);
    expect(retryDelay(policy, 0, 7000, () => 0.5)).toBe(7000);
    expect(retryPolicy(false).retries).toBe(0);
  });
});

describe('redaction', () => {
  it('replaces secrets in plain, URL-encoded and base64 form, and masks secret-named JSON members', () => {
    expect(redactText('k=a+b/c&x=a%2Bb%2Fc', ['a+b/c'])).toBe('k=[redacted]&x=[redacted]');
    expect(redactText(`Basic ${Buffer.from('s3cr3t').toString('base64')}`, ['s3cr3t'])).toBe('Basic [redacted]');
    expect(bodyExcerpt('{"user":{"password":"p","name":"n"},"refresh_token":"r"}', [])).toBe(
      '{"user":{"password":"[redacted]","name":"n"},"refresh_token":"[redacted]"}',
    );
    expect(bodyExcerpt('x'.repeat(600), [], 10)).toBe(`${'x'.repeat(10)}…`);
  });
});
