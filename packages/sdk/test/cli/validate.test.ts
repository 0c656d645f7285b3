import { afterEach, describe, expect, it } from 'vitest';
import { looksSecret, words } from '../../src/cli/validate.js';
import { GREETER, connector, fixture, type Fixture } from './fixture.js';

describe('looksSecret', () => {
  it('flags names and labels whose last word marks a secret', () => {
    for (const name of [
      'apiKey',
      'API_KEY',
      'password',
      'clientSecret',
      'accessToken',
      'refresh_token',
      'Private key',
      'credentials',
      'passwd',
    ]) {
      expect(looksSecret(name), name).toBe(true);
    }
  });

  it('does not flag names about a secret that are not one', () => {
    for (const name of ['tokenUrl', 'keyId', 'username', 'baseUrl', 'monkey', 'keyspace', 'secretName', 'Token URL']) {
      expect(looksSecret(name), name).toBe(false);
    }
  });

  it('splits camelCase, snake_case and labels into words', () => {
    expect(words('clientSecretV2')).toEqual(['client', 'secret', 'v2']);
    expect(words('CLIENT_SECRET')).toEqual(['client', 'secret']);
  });
});

describe('connector validate (built CLI)', { timeout: 30_000 }, () => {
  let project: Fixture | undefined;
  afterEach(() => project?.remove());

  it('passes a connector with descriptions everywhere and secrets encrypted', async () => {
    project = fixture({ 'src/index.ts': GREETER });
    const result = await connector(['validate'], project.dir);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('no problems found\n');
    expect(result.code).toBe(0);
  });

  it('fails on a plain secret, missing descriptions and a wrong example, saying what to do', async () => {
    project = fixture({
      'src/index.ts': `import { defineConnector, field, z } from '@connector-kit/sdk';
export default defineConnector({
  name: 'Leaky',
  config: {
    apiToken: field.line({ label: 'API token', description: 'The token', plain: true }),
    tokenUrl: field.line({ description: 'Where tokens come from', plain: true }),
    region: field.line({ plain: true }),
  },
  methods: {
    'contacts.list': { description: '', input: z.object({ limit: z.number() }), examples: [{ input: { limit: 'ten' } }], handler: () => [] },
  },
});
`,
    });
    const result = await connector(['validate'], project.dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatchInlineSnapshot(`
      "  warning connector                    has no summary: add \`summary\`, one line the workspace shows in lists
        warning connector                    has no description: add \`description\`, a paragraph for its page in the workspace
        error   config.apiToken              looks like a secret ("API token") but is marked plain, so the workspace would send it in clear text: remove \`plain: true\` so it travels encrypted (protocol.md §5)
        error   config.region                has no description: add \`description\`, one sentence on what to enter and where to find it
        error   method contacts.list         has no description: add \`description\`, what the method does (the workspace shows it)
        warning method contacts.list: limit  argument has no description: add .describe('…') to its schema
        error   method contacts.list         example 1 does not match the input schema: limit: Invalid input: expected number, received string
      4 error(s), 3 warning(s)
      "
    `);
  });

  it('lints the config fields the auth kind adds, as the manifest sends them', async () => {
    project = fixture({
      'src/index.ts': GREETER.replace(
        "name: 'Greeter',",
        "name: 'Greeter',\n  auth: apiKey({ in: 'header', field: 'apiToken', description: ' ' }),",
      ).replace('import {', 'import { apiKey,'),
    });
    const result = await connector(['validate'], project.dir);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(
      'error   config.apiToken  has no description: set `description` in the options of `auth`, one sentence on what to enter',
    );
  });

  it('passes the fields of OAuth with a configurable client, managed oauthResult included', async () => {
    const auth =
      "auth: oauth2({ authorizationUrl: 'https://id.example/authorize', tokenUrl: 'https://id.example/token', configurableClient: true }),";
    project = fixture({
      'src/index.ts': GREETER.replace("name: 'Greeter',", `name: 'Greeter',\n  ${auth}`).replace('import {', 'import { oauth2,'),
    });
    const result = await connector(['validate'], project.dir);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('no problems found\n');
  });

  it('reports a method name that defineConnector rejects as an error', async () => {
    project = fixture({ 'src/index.ts': GREETER.replace('hello: method(', "'bad-name': method(") });
    const result = await connector(['validate'], project.dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error   src/index.ts  Greeter: method name "bad-name" has an invalid segment "bad-name"');
  });

  it('fails on warnings with --strict only', async () => {
    project = fixture({ 'src/index.ts': GREETER.replace(".describe('Who to greet')", '') });
    const relaxed = await connector(['validate'], project.dir);
    expect(relaxed.code).toBe(0);
    expect(relaxed.stdout).toContain('warning method hello: name  argument has no description');
    const strict = await connector(['validate', '--strict'], project.dir);
    expect(strict.code).toBe(1);
  });
});
