import { describe, expect, it } from 'vitest';
import {
  checkCancelArgs,
  checkFinishOAuthAnswer,
  checkFinishOAuthArgs,
  checkSetConfigArgs,
  checkStartOAuthAnswer,
  checkWebhookSubscribeArgs,
  checkWebhookUnsubscribeArgs,
  readQueryOptions,
  readWebhookSubscribeAnswer,
  type Checked,
} from '../../src/protocol/index.js';

function problemOf(result: Checked<unknown>): { member: string; message: string } {
  if (result.ok) throw new Error(`expected a problem, got ${JSON.stringify(result.value)}`);
  return result.problem;
}

describe('checkSetConfigArgs', () => {
  it('answers the secrets, {} when there are none', () => {
    expect(checkSetConfigArgs({ secrets: { a: 'x' } })).toEqual({ ok: true, value: { secrets: { a: 'x' } } });
    expect(checkSetConfigArgs({})).toEqual({ ok: true, value: { secrets: {} } });
    expect(checkSetConfigArgs(undefined)).toEqual({ ok: true, value: { secrets: {} } });
  });

  it('refuses secrets that are not an object', () => {
    expect(problemOf(checkSetConfigArgs({ secrets: ['a'] }))).toEqual({
      member: 'secrets',
      message: '"secrets" must be an object {field: value}, got ["a"]',
    });
  });
});

describe('readQueryOptions', () => {
  it('keeps the members of the right type and drops the others', () => {
    expect(readQueryOptions({ query: 'x', taskId: 't', timeoutMs: 500, traceparent: 'tp', tracestate: 'ts' })).toEqual({
      taskId: 't',
      timeoutMs: 500,
      traceparent: 'tp',
      tracestate: 'ts',
    });
    expect(readQueryOptions({ taskId: 1, timeoutMs: -5, tracestate: 'ts' })).toEqual({});
    expect(readQueryOptions({ timeoutMs: Number.POSITIVE_INFINITY })).toEqual({});
  });
});

describe('OAuth (§6)', () => {
  it('checkStartOAuthAnswer wants a url; useCodeChallenge only when true', () => {
    expect(checkStartOAuthAnswer({ url: 'https://p/auth', useCodeChallenge: true })).toEqual({
      ok: true,
      value: { url: 'https://p/auth', useCodeChallenge: true },
    });
    expect(checkStartOAuthAnswer({ url: 'u', useCodeChallenge: 'yes' })).toEqual({
      ok: true,
      value: { url: 'u', useCodeChallenge: false },
    });
    expect(problemOf(checkStartOAuthAnswer({ useCodeChallenge: true }))).toEqual({
      member: 'url',
      message: '"url" must be the authorization URL (a string), got undefined',
    });
    expect(problemOf(checkStartOAuthAnswer('u')).member).toBe('');
  });

  it('checkFinishOAuthArgs names the missing member', () => {
    expect(checkFinishOAuthArgs({ code: 'c', redirectURI: 'r', codeVerifier: null })).toEqual({
      ok: true,
      value: { code: 'c', redirectURI: 'r' },
    });
    expect(checkFinishOAuthArgs({ code: 'c', redirectURI: 'r', codeVerifier: 'v' })).toEqual({
      ok: true,
      value: { code: 'c', redirectURI: 'r', codeVerifier: 'v' },
    });
    expect(problemOf(checkFinishOAuthArgs({ redirectURI: 'r' })).message).toBe(
      '"code" must be a non-empty string (the authorization code from the callback), got undefined',
    );
    expect(problemOf(checkFinishOAuthArgs({ code: 'c' })).member).toBe('redirectURI');
    expect(problemOf(checkFinishOAuthArgs({ code: 'c', redirectURI: 'r', codeVerifier: 1 })).member).toBe('codeVerifier');
  });

  it('checkFinishOAuthAnswer wants the JWE value and never shows a wrong one', () => {
    expect(checkFinishOAuthAnswer({ value: 'jwe' })).toEqual({ ok: true, value: { value: 'jwe' } });
    expect(problemOf(checkFinishOAuthAnswer({ value: ['token-secret'] })).message).toBe(
      '"value" must be a non-empty string (a JWE), got object',
    );
  });
});

describe('checkCancelArgs (§8 cancellation)', () => {
  it('wants the callback id; the reason is caller unless it says timeout', () => {
    expect(checkCancelArgs({ c: 'c1', reason: 'timeout' })).toEqual({ ok: true, value: { c: 'c1', reason: 'timeout' } });
    expect(checkCancelArgs({ c: 'c1', reason: 'bored' })).toEqual({ ok: true, value: { c: 'c1', reason: 'caller' } });
    expect(problemOf(checkCancelArgs({ reason: 'caller' })).member).toBe('c');
  });
});

describe('webhook requests (§8 webhook-subscriptions)', () => {
  const webhook = { id: 'w1', name: 'orders', url: 'http://127.0.0.1:4700/event/w1' };

  it('checkWebhookSubscribeArgs wants id, name and a URL, and a secret string or null', () => {
    expect(checkWebhookSubscribeArgs({ webhook: { ...webhook, secret: 'jwe' } })).toEqual({
      ok: true,
      value: { webhook: { ...webhook, secret: 'jwe' } },
    });
    expect(checkWebhookSubscribeArgs({ webhook })).toEqual({ ok: true, value: { webhook: { ...webhook, secret: null } } });
    expect(problemOf(checkWebhookSubscribeArgs({ webhook: { ...webhook, url: 'no url' } }))).toEqual({
      member: 'webhook.url',
      message: '"webhook.url" is not a URL',
    });
    expect(problemOf(checkWebhookSubscribeArgs({ webhook: { ...webhook, secret: 5 } })).member).toBe('webhook.secret');
    expect(problemOf(checkWebhookSubscribeArgs({ webhook: { id: 'w1' } })).member).toBe('webhook');
  });

  it('checkWebhookUnsubscribeArgs drops the secret and defaults the state to null', () => {
    expect(checkWebhookUnsubscribeArgs({ webhook: { ...webhook, secret: 'x' } })).toEqual({ ok: true, value: { webhook, state: null } });
    expect(checkWebhookUnsubscribeArgs({ webhook, state: { hook: 9 } })).toEqual({ ok: true, value: { webhook, state: { hook: 9 } } });
  });

  it('readWebhookSubscribeAnswer reads the state, null for none', () => {
    expect(readWebhookSubscribeAnswer({ state: { hook: 9 } })).toEqual({ state: { hook: 9 } });
    expect(readWebhookSubscribeAnswer('x')).toEqual({ state: null });
  });
});
