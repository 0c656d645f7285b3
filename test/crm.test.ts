/**
 * The CRM example end to end (issue 19's proof): the built connector (examples/crm/dist) run by
 * `connector start` against the real workspace, a person connecting the account through
 * `workspace oauth connect` and the workspace's callback (oidc-provider's consent pages, driven
 * with plain HTTP), the fake CRM on 127.0.0.1 (examples/crm/test/fake-crm.ts). Every call of
 * examples/crm/test/cases.ts must answer the workspace's caller with the result, error code and
 * details the example's harness tests get, and the harness, run here against the same CRM, agrees
 * call by call. Then: a rejected token is refreshed and the rotated set stored, the field errors
 * reach `workspace call`, and a webhook attached to the connector subscribes the CRM, whose
 * signed events become tasks, until it is removed.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConnectorError, type StoredTokens } from '@connector-kit/sdk';
import { decryptSecret, generateKeyPair, importPrivateKey, importPublicKey, keyId, type EncodedKeyPair } from '@connector-kit/sdk/secrets';
import { createTestClock, createTestHarness } from '@connector-kit/sdk/testing';
import type { Workspace } from '@connector-kit/workspace';
import connector from '../examples/crm/src/index.js';
import { CASES, type Expected } from '../examples/crm/test/cases.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  CRM_SITE,
  TENANT,
  authorize,
  consent,
  startFakeCrm,
  type FakeCrm,
} from '../examples/crm/test/fake-crm.js';
import {
  ROOT,
  admin,
  backends,
  onlineInstances,
  runWorkspaceCli,
  startConnector,
  startTestWorkspace,
  tempDir,
  type ConnectorProcess,
} from './helpers.js';

const CRM_DIR = join(ROOT, 'examples/crm');
const NAME = 'crm';

/** One key pair for the file: the workspace encrypts the client secret and the tokens to it. */
let keys: EncodedKeyPair;
const savedEnv = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };

beforeAll(async () => {
  keys = await generateKeyPair(2048);
}, 60_000);

afterAll(() => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe.each(backends())('the CRM example end to end on $name', (backend) => {
  const dir = tempDir('ck-crm-e2e-');
  let ws: Workspace;
  let crm: FakeCrm;
  let proc: ConnectorProcess;
  let callback: string;
  /** The instance's health once configured, before anyone connected the account. */
  let healthBeforeConnect: unknown;
  const health = async () => (await onlineInstances(ws, NAME))[0]?.health as { ok: boolean; error: string | null } | undefined;

  const call = (method: string, args: unknown) => admin(ws, 'POST', `connectors/${NAME}/call`, { method, args, timeoutMs: 30_000 });

  /** An answer of the admin API as the harness tests state it: the result, or the error's code and details. */
  const answerOf = (res: { status: number; body: any }): Expected =>
    res.status === 200 ? { result: res.body.result } : { code: res.body.error?.code, details: res.body.error?.details };

  /** The token set the workspace keeps, decrypted as only the connector could (§5). */
  async function storedTokens(): Promise<Record<string, any>> {
    const entry = (await ws.store.getConfig(NAME)).find((e) => e.field === 'oauthResult');
    const key = importPrivateKey(keys.privateKey);
    return (await decryptSecret(String(entry!.value), [{ key, kid: keyId(importPublicKey(keys.publicKey)) }], NAME)) as Record<string, any>;
  }

  beforeAll(async () => {
    ws = await startTestWorkspace(join(dir.path, 'workspace'), backend.options(dir.path));
    callback = `${ws.url}oauth/callback`;
    crm = await startFakeCrm({ redirectUris: [callback] });
    // For the harness runs in this process (the connector process gets its own env below).
    process.env.HTTP_PROXY = crm.proxyUrl;
    process.env.NO_PROXY = '127.0.0.1';

    const added = await admin(ws, 'POST', 'connectors', { name: NAME, connectorId: 'crm' });
    expect(added.status).toBe(201);
    proc = startConnector(CRM_DIR, ws, {
      REGISTRATION_TOKEN: added.body.registrationToken,
      HOSTNAME: 'crm-e2e',
      PRIVATE_KEY: keys.privateKey,
      PUBLIC_KEY: keys.publicKey,
      // The tenants' hosts resolve nowhere: the fake CRM takes the API requests as a proxy would.
      HTTP_PROXY: crm.proxyUrl,
      NO_PROXY: '127.0.0.1',
      OAUTH_AUTHORIZATION_URL: crm.authorizationUrl,
      OAUTH_TOKEN_URL: crm.tokenUrl,
    });
    await vi.waitFor(async () => expect(await onlineInstances(ws, NAME)).toHaveLength(1), { timeout: 30_000, interval: 100 });
    const set = await admin(ws, 'PUT', `connectors/${NAME}/config`, {
      values: { subdomain: TENANT, site: CRM_SITE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    await vi.waitFor(async () => expect((await health())?.error).toContain('not connected yet'), { timeout: 20_000, interval: 100 });
    healthBeforeConnect = await health();

    // A person connects the account: the workspace's URL, the CRM's consent, the workspace's callback.
    await vi.waitFor(
      async () => {
        const out = await runWorkspaceCli(ws, ['oauth', 'connect', NAME]);
        expect(out.code, out.output).toBe(0);
        const url = out.stdout
          .split('\n')
          .map((l) => l.trim())
          .find((l) => l.startsWith('http'));
        expect(url, out.output).toContain(crm.authorizationUrl);
        const page = await fetch(await consent(url!, callback));
        expect(page.status, await page.text()).toBe(200);
      },
      { timeout: 20_000, interval: 250 },
    );
    await vi.waitFor(async () => expect((await call('contacts.get', { id: 'c_1' })).status).toBe(200), { timeout: 20_000, interval: 200 });
  }, 120_000);

  afterAll(async () => {
    await proc?.stop();
    await ws?.close();
    await crm?.close();
    dir.remove();
  });

  it.each(CASES)('$name: the caller gets what the harness gets', async (c) => {
    c.before?.(crm);
    const production = answerOf(await call(c.method, c.input));
    expect(production, proc.output().slice(-2000)).toEqual(c.expected);

    const harness = createTestHarness(connector, {
      clock: createTestClock(),
      config: {
        subdomain: TENANT,
        site: CRM_SITE,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        oauthResult: (await authorize(crm, callback)) as StoredTokens,
      },
      env: { OAUTH_AUTHORIZATION_URL: crm.authorizationUrl, OAUTH_TOKEN_URL: crm.tokenUrl },
    });
    c.before?.(crm);
    const offline = await harness.call(c.method as never, c.input as never).then(
      (result): Expected => ({ result }),
      (error: unknown): Expected => {
        if (!(error instanceof ConnectorError)) throw error;
        return { code: error.code, details: error.details };
      },
    );
    expect(offline).toEqual(production);
  });

  it('reports its health: not connected (naming the command for this connector), then ok', async () => {
    expect(healthBeforeConnect).toMatchObject({
      ok: false,
      error: "not connected yet: connect the account with 'workspace oauth connect crm'",
    });
    // The health check lists contacts: ok once the account is connected.
    await vi.waitFor(async () => expect(await health()).toMatchObject({ ok: true }), { timeout: 45_000, interval: 200 });
  });

  it('lists the refused fields one per line in workspace call', async () => {
    const out = await runWorkspaceCli(ws, ['call', NAME, 'contacts.create', JSON.stringify({ name: '', email: 'nope' })]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('VALIDATION_FAILED');
    expect(out.stderr).toContain('  - name: is required (blank)');
    expect(out.stderr).toContain('  - email: is not an email address (invalid_format)');
  });

  it('refreshes a token the CRM rejects, and the workspace stores the rotated set', async () => {
    const before = await storedTokens();
    expect(before).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String), expires_in: 60 });
    await (await crm.provider.AccessToken.find(before.access_token))!.destroy();
    const tokenRequests = crm.tokenRequests();
    expect((await call('contacts.get', { id: 'c_1' })).status).toBe(200);
    expect(crm.tokenRequests()).toBe(tokenRequests + 1);
    await vi.waitFor(async () => expect((await storedTokens()).refresh_token).not.toBe(before.refresh_token), { timeout: 10_000 });
    const after = await storedTokens();
    expect(crm.requests.at(-1)!.token).toBe(after.access_token);
    const spent = await crm.provider.RefreshToken.find(before.refresh_token);
    expect(spent === undefined || Boolean(spent.consumed)).toBe(true);
    // Secrets stay out of the connector's log.
    for (const secret of [CLIENT_SECRET, before.access_token, before.refresh_token, after.access_token, after.refresh_token]) {
      expect(proc.output()).not.toContain(secret);
    }
  });

  it('subscribes the CRM when a webhook is attached, turns its signed events into tasks, and unsubscribes on removal', async () => {
    const { status, body } = await admin(ws, 'POST', 'webhooks', { name: 'crm-events', connector: NAME });
    expect(status, JSON.stringify(body)).toBe(201);
    const { webhook, secret } = body as { webhook: { id: string; url: string }; secret: string };
    expect([...crm.hooks.values()]).toEqual([
      { id: expect.any(String), tenant: TENANT, url: webhook.url, secret, events: ['contact.created'] },
    ]);
    expect(proc.output()).not.toContain(secret);

    const created = await call('contacts.create', { name: 'Margaret', email: 'margaret@acme.example' });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    await crm.settled();
    expect(crm.deliveries.at(-1)).toMatchObject({ status: 200 });
    const tasks = (await admin(ws, 'GET', 'tasks')).body.tasks as Array<{ data: Record<string, any> }>;
    expect(tasks.find((t) => t.data?.contact?.id === created.body.result.id)?.data).toMatchObject({
      type: 'contact.created',
      contact: { name: 'Margaret', email: 'margaret@acme.example' },
      $via: { type: 'webhook', id: webhook.id, name: 'crm-events' },
    });
    // A forged event (another secret) is refused and makes no task.
    const forged = await crm.send(
      { id: 'forged', url: webhook.url, secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}` },
      JSON.stringify({ type: 'contact.created', contact: { id: 'c_forged' } }),
    );
    expect(forged).toBe(401);

    const removed = await admin(ws, 'DELETE', 'webhooks/crm-events');
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(removed.body).toMatchObject({ unsubscribed: true });
    expect(crm.hooks.size).toBe(0);
    expect(JSON.stringify((await admin(ws, 'GET', 'tasks')).body)).not.toContain('c_forged');
  });
});
