import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  apiKey,
  basic,
  ConnectorError,
  defineConnector,
  defineMethod,
  field,
  isConnector,
  oauth2,
  session,
  type StoredTokens,
} from '../../src/index.js';
import { createTestHarness } from '../../src/testing/index.js';

function definitionError(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    return { code: (error as ConnectorError).code, message: (error as Error).message };
  }
  throw new Error('expected a throw');
}

const method = defineMethod({ description: 'd', input: z.object({}), handler: () => ({}) });

describe('defineConnector', () => {
  it('keeps methods by dotted name, in declaration order', () => {
    const connector = defineConnector({ name: 'CRM', methods: { 'crm.contacts.list': method, hello: method } });
    expect(connector.kind).toBe('connector');
    expect([...connector.methods.keys()]).toEqual(['crm.contacts.list', 'hello']);
    expect(isConnector(connector)).toBe(true);
    expect(isConnector({ methods: {} })).toBe(false);
  });

  it.each([
    'get-contacts',
    '1abc',
    'a..b',
    '',
    'a b',
    '__proto__',
    'constructor',
    'crm.prototype',
    'x.toString',
    'hasOwnProperty',
    'valueOf',
  ])('throws DEFINITION_INVALID for the method name %j', (name) => {
    const error = definitionError(() => defineConnector({ name: 'CRM', methods: { [name]: method } }));
    expect(error.code).toBe('DEFINITION_INVALID');
    expect(error.message).toContain(`"${name}"`);
  });

  it('says which name is wrong and why', () => {
    expect(definitionError(() => defineConnector({ name: 'CRM', methods: { 'crm.constructor': method } }))).toMatchInlineSnapshot(`
      {
        "code": "DEFINITION_INVALID",
        "message": "CRM: method name "crm.constructor" uses the reserved segment "constructor"",
      }
    `);
  });

  it('throws DEFINITION_INVALID for a method without a handler or without an input schema', () => {
    expect(definitionError(() => defineConnector({ name: 'CRM', methods: { a: { description: 'd', input: z.object({}) } as never } })))
      .toMatchInlineSnapshot(`
      {
        "code": "DEFINITION_INVALID",
        "message": "CRM: method "a" has no handler function",
      }
    `);
    expect(definitionError(() => defineConnector({ name: 'CRM', methods: { a: { description: 'd', handler: () => 1 } as never } })))
      .toMatchInlineSnapshot(`
      {
        "code": "DEFINITION_INVALID",
        "message": "CRM: method "a" needs an \`input\` zod schema (use z.object({}) for none)",
      }
    `);
  });

  it('types ctx.config from the fields when methods is a function', async () => {
    const connector = defineConnector({
      name: 'Typed',
      config: {
        apiKey: field.line(),
        greeting: field.line({ optional: true, plain: true }),
        retries: field.number({ plain: true }),
        verbose: field.boolean({ optional: true, plain: true }),
      },
      methods: (m) => ({
        echo: m({
          description: 'returns the config it sees',
          input: z.object({ n: z.number().default(1) }),
          handler: (input, ctx) => {
            expectTypeOf(input).toEqualTypeOf<{ n: number }>();
            expectTypeOf(ctx.config.apiKey).toEqualTypeOf<string>();
            expectTypeOf(ctx.config.greeting).toEqualTypeOf<string | undefined>();
            expectTypeOf(ctx.config.retries).toEqualTypeOf<number>();
            expectTypeOf(ctx.config.verbose).toEqualTypeOf<boolean | undefined>();
            // @ts-expect-error: not a declared field
            void ctx.config.nope;
            return { apiKey: ctx.config.apiKey, retries: ctx.config.retries, n: input.n };
          },
        }),
      }),
    });
    const harness = createTestHarness(connector, { config: { apiKey: 'k', retries: 3 } });
    await expect(harness.call('echo', {})).resolves.toEqual({ apiKey: 'k', retries: 3, n: 1 });
  });

  it('gives a method defined on its own a loosely typed config', async () => {
    const standalone = defineMethod({
      description: 'd',
      input: z.object({}),
      handler: (_input, ctx) => {
        expectTypeOf(ctx.config).toEqualTypeOf<Readonly<Record<string, string | number | boolean | undefined>>>();
        return { region: ctx.config.region };
      },
    });
    const harness = createTestHarness(defineConnector({ name: 'Loose', methods: { a: standalone } }), { config: { region: 'eu' } });
    await expect(harness.call('a')).resolves.toEqual({ region: 'eu' });
  });
});

describe('ctx.config with auth', () => {
  const urls = { authorizationUrl: 'https://crm.test/authorize', tokenUrl: 'https://crm.test/token' };
  const probe = { description: 'd', input: z.object({}) };

  it('holds the fields that apiKey, basic and session add, typed', () => {
    defineConnector({
      name: 'Key',
      config: { region: field.line({ plain: true }) },
      auth: apiKey({ in: 'header' }),
      methods: (m) => ({
        a: m({
          ...probe,
          handler: (_i, ctx) => {
            expectTypeOf(ctx.config.apiKey).toEqualTypeOf<string>();
            expectTypeOf(ctx.config.region).toEqualTypeOf<string>();
            // @ts-expect-error: apiKey() adds no username
            void ctx.config.username;
          },
        }),
      }),
    });
    defineConnector({
      name: 'Token field',
      auth: apiKey({ in: 'bearer', field: 'token' }),
      methods: (m) => ({
        a: m({
          ...probe,
          handler: (_i, ctx) => {
            expectTypeOf(ctx.config.token).toEqualTypeOf<string>();
            // @ts-expect-error: the field is called token here
            void ctx.config.apiKey;
          },
        }),
      }),
      start: (ctx) => {
        expectTypeOf(ctx.config.token).toEqualTypeOf<string>();
      },
    });
    for (const auth of [basic(), session({ login: () => ({ token: 't' }) })]) {
      defineConnector({
        name: 'Credentials',
        auth,
        methods: (m) => ({
          a: m({
            ...probe,
            handler: (_i, ctx) => {
              expectTypeOf(ctx.config.username).toEqualTypeOf<string>();
              expectTypeOf(ctx.config.password).toEqualTypeOf<string>();
            },
          }),
        }),
      });
    }
  });

  it('holds the OAuth client fields only when the client is configurable, and oauthResult for the code flow', () => {
    defineConnector({
      name: 'Code',
      auth: oauth2(urls),
      methods: (m) => ({
        a: m({
          ...probe,
          handler: (_i, ctx) => {
            expectTypeOf(ctx.config.oauthResult).toEqualTypeOf<StoredTokens | undefined>();
            // @ts-expect-error: not a configurable client
            void ctx.config.clientId;
          },
        }),
      }),
    });
    defineConnector({
      name: 'Own app',
      auth: oauth2({ ...urls, configurableClient: true }),
      methods: (m) => ({ a: m({ ...probe, handler: (_i, ctx) => expectTypeOf(ctx.config.clientSecret).toEqualTypeOf<string>() }) }),
    });
    defineConnector({
      name: 'Machine',
      auth: oauth2({ tokenUrl: urls.tokenUrl, grant: 'client_credentials' }),
      methods: (m) => ({
        a: m({
          ...probe,
          handler: (_i, ctx) => {
            expectTypeOf(ctx.config.clientId).toEqualTypeOf<string>();
            // @ts-expect-error: client credentials store no tokens in the workspace
            void ctx.config.oauthResult;
          },
        }),
      }),
    });
  });

  it('types the base URL function from the same config', () => {
    const connector = defineConnector({
      name: 'Tenant',
      config: { subdomain: field.line({ plain: true }) },
      auth: apiKey({ in: 'bearer' }),
      http: {
        baseUrl: ({ config }) => {
          expectTypeOf(config.subdomain).toEqualTypeOf<string>();
          expectTypeOf(config.apiKey).toEqualTypeOf<string>();
          return `https://${config.subdomain}.crm.test/api`;
        },
      },
      methods: {},
    });
    expect(isConnector(connector)).toBe(true);
  });
});
