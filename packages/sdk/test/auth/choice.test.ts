/**
 * authChoice: several ways to authenticate, one chosen per account with `authMethod`.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { apiKey, authChoice, basic, buildManifest, defineConnector, oauth2, requireAuthScheme } from '../../src/index.js';
import { AuthController } from '../../src/runtime/auth-controller.js';

const flow = (host: string) => oauth2({ authorizationUrl: `https://${host}/authorize`, tokenUrl: `https://${host}/token` });

describe('authChoice', () => {
  it('refuses definitions it cannot run: no options, an unknown default, two OAuth flows, a field declared twice differently', () => {
    expect(() => authChoice({ options: {} })).toThrow(expect.objectContaining({ code: 'DEFINITION_INVALID' }));
    expect(() => authChoice({ options: { key: apiKey({ in: 'header' }) }, default: 'nope' as never })).toThrow(
      /default "nope" is not an option/,
    );
    expect(() => authChoice({ options: { a: flow('a.example'), b: flow('b.example') } })).toThrow(
      /"a" and "b" both use the OAuth authorization code flow/,
    );
    const clash = authChoice({ options: { a: apiKey({ in: 'header', label: 'A' }), b: apiKey({ in: 'query', label: 'B' }) } });
    expect(() => buildManifest(defineConnector({ name: 'x', auth: clash, methods: {} }))).toThrow(
      /options "a" and "b" both add the config field "apiKey", differently/,
    );
  });

  it('lets two options share a field they declare alike', () => {
    const auth = authChoice({ options: { one: basic(), two: basic() }, default: 'two' });
    const { fields } = buildManifest(defineConnector({ name: 'x', auth, methods: {} })).configSchema;
    expect(Object.keys(fields).sort()).toEqual(['authMethod', 'password', 'username']);
    expect(fields.authMethod).toMatchObject({ placeholder: 'two', description: expect.stringContaining('one of one, two (default two)') });
  });

  it('runs the OAuth flow of its OAuth option, whichever option the config chooses', async () => {
    const auth = authChoice({ options: { key: apiKey({ in: 'header' }), oauth: flow('idp.example') } });
    const connector = defineConnector({ name: 'x', auth, methods: {} });
    expect(buildManifest(connector).configSchema.oauth).toBe(true);
    const controller = new AuthController({
      connector,
      connectorId: 'c1',
      keys: [],
      env: { OAUTH_CLIENT_ID: 'client' },
      logger: pino({ level: 'silent' }),
      notify: () => undefined,
      onProblem: () => undefined,
    });
    controller.configure({ apiKey: 'k' });
    const started = await controller.handleOAuth('connector.start-oauth', { redirectUri: 'https://ws.example/cb' });
    expect(String(started.url)).toMatch(/^https:\/\/idp\.example\/authorize\?/);
    const keyOnly = defineConnector({ name: 'y', auth: authChoice({ options: { a: apiKey({ in: 'header' }), b: basic() } }), methods: {} });
    expect(buildManifest(keyOnly).configSchema.oauth).toBeUndefined();
  });
});

describe('requireAuthScheme', () => {
  const auth = authChoice({ options: { key: apiKey({ in: 'header' }), password: basic() } });
  it('passes the schemes an operation accepts and refuses the others, naming both', () => {
    expect(() => requireAuthScheme(auth, {}, ['key'], 'GET /a')).not.toThrow();
    expect(() => requireAuthScheme(auth, { authMethod: 'password' }, ['key', 'password'], 'GET /a')).not.toThrow();
    expect(() => requireAuthScheme(auth, { authMethod: 'password' }, ['key'], 'GET /a')).toThrow(
      expect.objectContaining({
        code: 'AUTH_SCHEME_NOT_CONFIGURED',
        message: expect.stringContaining('GET /a needs the auth scheme "key", but the config field "authMethod" chooses "password"'),
      }),
    );
  });
  it('does nothing for an auth that is not a choice', () => {
    expect(() => requireAuthScheme(basic(), {}, ['key'], 'GET /a')).not.toThrow();
  });
});
