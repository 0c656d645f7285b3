/**
 * Token sets: expiry arithmetic, rotation, reading what the workspace stored, and the config
 * fields oauth2() adds.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildManifest, defineConnector, defineMethod, oauth2 } from '../../src/index.js';
import { isTokenFresh, readStoredTokenSet, tokenSetFromResponse } from '../../src/auth/oauth2-tokens.js';

const NOW = 1_700_000_000_000;

describe('token sets', () => {
  it('computes expires_at from expires_in and keeps the previous refresh token when none came', () => {
    const previous = tokenSetFromResponse({ access_token: 'a1', refresh_token: 'r1', expires_in: 3600 }, NOW)!;
    expect(previous).toEqual({ access_token: 'a1', refresh_token: 'r1', expires_in: 3600, expires_at: NOW + 3_600_000, obtained_at: NOW });
    expect(tokenSetFromResponse({ access_token: 'a2', expires_in: '60' }, NOW, previous)).toMatchObject({
      refresh_token: 'r1',
      expires_at: NOW + 60_000,
    });
    expect(tokenSetFromResponse({ access_token: 'a2', refresh_token: 'r2' }, NOW, previous)).toMatchObject({ refresh_token: 'r2' });
    expect(tokenSetFromResponse({ token: 'x' }, NOW)).toBeUndefined();
  });

  it('treats expires_in 0 or negative as expired on arrival, and missing as unknown', () => {
    for (const expiresIn of [0, -1, -3600]) {
      expect(isTokenFresh(tokenSetFromResponse({ access_token: 'a', expires_in: expiresIn }, NOW)!, NOW, 300_000)).toBe(false);
    }
    expect(isTokenFresh(tokenSetFromResponse({ access_token: 'a' }, NOW)!, NOW + 10 ** 9, 300_000)).toBe(true);
  });

  it('refreshes the skew ahead, but at most half the lifetime ahead for short-lived tokens', () => {
    const hour = tokenSetFromResponse({ access_token: 'a', expires_in: 3600 }, NOW)!;
    expect(isTokenFresh(hour, NOW + 3_600_000 - 300_001, 300_000)).toBe(true);
    expect(isTokenFresh(hour, NOW + 3_600_000 - 300_000, 300_000)).toBe(false);
    const minute = tokenSetFromResponse({ access_token: 'a', expires_in: 60 }, NOW)!;
    expect(isTokenFresh(minute, NOW + 29_999, 300_000)).toBe(true);
    expect(isTokenFresh(minute, NOW + 30_000, 300_000)).toBe(false);
  });

  it('reads a stored oauthResult as an object or JSON text, with expires_at as ms or a date string', () => {
    expect(readStoredTokenSet({ access_token: 'a', expires_at: NOW, obtained_at: NOW - 1 })).toMatchObject({ expires_at: NOW });
    expect(readStoredTokenSet(JSON.stringify({ access_token: 'a', expires_at: new Date(NOW).toISOString() }))).toMatchObject({
      expires_at: NOW,
      obtained_at: 0,
    });
    // A lifetime without a start cannot be trusted: treated as expired, so it is refreshed first.
    expect(readStoredTokenSet({ access_token: 'a', expires_in: 3600 })).toMatchObject({ expires_at: 0 });
    expect(readStoredTokenSet({ refresh_token: 'r' })).toBeUndefined();
    expect(readStoredTokenSet('not json')).toBeUndefined();
  });
});

describe('oauth2() config fields', () => {
  const connector = (auth: ReturnType<typeof oauth2>) =>
    defineConnector({ name: 'O', auth, methods: { a: defineMethod({ description: 'a', input: z.object({}), handler: () => ({}) }) } });

  it('marks the schema oauth and adds the managed oauthResult for the authorization code grant (§2)', () => {
    const schema = buildManifest(connector(oauth2({ authorizationUrl: 'https://p/a', tokenUrl: 'https://p/t' }))).configSchema;
    expect(schema.oauth).toBe(true);
    expect(schema.fields).toEqual({
      oauthResult: {
        name: 'OAuth connection',
        type: 'managed',
        optional: true,
        description: 'Tokens stored by the workspace after a person connects the account.',
      },
    });
  });

  it('adds client id (plain) and secret fields for a configurable client, and no oauth flag for client credentials', () => {
    const schema = buildManifest(connector(oauth2({ grant: 'client_credentials', tokenUrl: 'https://p/t' }))).configSchema;
    expect(schema.oauth).toBeUndefined();
    expect(Object.keys(schema.fields)).toEqual(['clientId', 'clientSecret']);
    expect(schema.fields.clientId!.plain).toBe(true);
    expect(schema.fields.clientSecret!.plain).toBeUndefined();
  });
});
