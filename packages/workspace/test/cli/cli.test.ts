import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateKeyPair } from '@connector-kit/sdk/secrets';
import { startNode } from '../../../../test/support/spawn.js';
import { FakeConnector, copyPgliteTemplate, makeDataDir, registerBody, startTestWorkspace, type TestWorkspace } from '../helpers.js';
import { CLI, workspace } from './run.js';

let ws: TestWorkspace;
/** Global options pointing the CLI at the test workspace (token read from its data folder). */
let target: string[];

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npx tsup' in packages/workspace first`);
  ws = await startTestWorkspace();
  target = ['--url', ws.url, '--data', ws.dataDir];
}, 60_000);
afterAll(() => ws?.close());

describe('workspace connector', () => {
  it('adds a connector and prints its token with the env lines to set', async () => {
    const res = await workspace(['connector', 'add', 'crm', '--connector-id', '1234', ...target]);
    expect(res.code).toBe(0);
    const token = /REGISTRATION_TOKEN=(\S+)/.exec(res.stdout)?.[1];
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(res.stdout).toContain(`DEVICE_ENDPOINT=${ws.deviceEndpoint}`);
    expect(res.stdout).toContain(`WEBSOCKET_ENDPOINT=${ws.websocketEndpoint}`);
    expect((await ws.device('register', token, registerBody('1234'))).status).toBe(200);

    const again = await workspace(['connector', 'add', 'crm', '--connector-id', '1', ...target]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
  });

  it('lists connectors, as a table and as JSON', async () => {
    await workspace(['connector', 'add', 'listed', '--connector-id', '55', ...target]);
    const table = await workspace(['connector', 'list', ...target]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/NAME\s+CONNECTOR ID\s+ONLINE/);
    expect(table.stdout).toMatch(/listed\s+55\s+0/);
    const json = await workspace(['connector', 'list', '--json', ...target]);
    expect(JSON.parse(json.stdout).connectors).toContainEqual(
      expect.objectContaining({ name: 'listed', connectorId: '55', instances: [] }),
    );
  });

  it('shows config fields and method signatures', async () => {
    const added = await ws.api('POST', 'connectors', { name: 'shown', connectorId: '66' });
    await ws.device('register', added.body.registrationToken, registerBody('66'));
    const res = await workspace(['connector', 'show', 'shown', ...target]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('hello(args: { name: string }): Promise<{ greeting: string }>');
    expect(res.stdout).toContain('Says hello.');
    expect(res.stdout).toMatch(/apiKey\s+line\s+secret/);
  });
});

describe('workspace connector (names, instances, pipes)', () => {
  it('shows the signature of dotted methods, as the SDK declares them in namespaces', async () => {
    const introspect = [
      'declare namespace tickets {',
      '  /** Create a ticket */',
      '  function create(args: { title: string; }): Promise<{ id: string; }>;',
      '}',
      '',
    ].join('\n');
    await addAndRegisterWith('dotted', '67', { schema: { ...registerBody('67').schema!, introspect } });
    const res = await workspace(['connector', 'show', 'dotted', ...target]);
    expect(res.stdout).toContain('  tickets.create(args: { title: string; }): Promise<{ id: string; }>\n      Create a ticket');
  });

  it('lists offline instances with when they were last seen', async () => {
    const { key } = await addAndRegisterWith('gone', '68');
    const connector = await FakeConnector.connect(ws, key);
    await vi.waitFor(() => expect(ws.hub.online('gone')).toHaveLength(1));
    await connector.close();
    await vi.waitFor(() => expect(ws.hub.online('gone')).toHaveLength(0));
    await addAndRegisterWith('gone', '68', { name: 'never-connected' }, false);

    const show = await workspace(['connector', 'show', 'gone', ...target]);
    expect(show.stdout).toContain("Offline instances: 2 (see 'workspace connector instances gone --offline')");
    const list = await workspace(['connector', 'instances', 'gone', '--offline', ...target]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/ID\s+NAME\s+VERSION\s+STATE\s+REGISTERED\s+LAST SEEN/);
    expect(list.stdout).toMatch(/test-instance\s+1\.0\.0\s+offline\s+\d+s ago\s+\d+s ago/);
    expect(list.stdout).toMatch(/never-connected\s+1\.0\.0\s+offline\s+\d+s ago\s+never connected/);
    const json = JSON.parse((await workspace(['connector', 'instances', 'gone', '--json', ...target])).stdout);
    expect(json.instances.map((i: { online: boolean }) => i.online)).toEqual([false, false]);
  });

  it('ends quietly with status 0 when the reader of its output goes away (| head)', async () => {
    await addAndRegisterWith('piped', '69');
    for (const args of [['connector', 'show', 'piped'], ['connector', 'list'], ['--help']]) {
      // The reading end is closed before the CLI writes: its first write fails with EPIPE.
      const cli = startNode(CLI, [...args, ...target], { env: process.env });
      cli.child.stdout!.destroy();
      const { code, stderr } = await cli.closed;
      expect({ args, code, stderr }).toEqual({ args, code: 0, stderr: '' });
    }
  });
});

describe('workspace connector tokens, instance list|revoke, connector rm (issue 13 finding 1)', () => {
  it('makes a limited token, lists and revokes tokens, lists and revokes instances, and removes a connector', async () => {
    const made = await workspace(['connector', 'add', 'guarded', '--connector-id', '71', '--ttl', '30m', '--uses', '1', ...target]);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/\(tok_[a-z2-7]{15}: expires \S+, 1 registration;/);
    const token = /REGISTRATION_TOKEN=(\S+)/.exec(made.stdout)![1]!;
    const registered = await ws.device('register', token, registerBody('71'));
    expect((await ws.device('register', token, registerBody('71'))).status).toBe(401);
    const connector = await FakeConnector.connect(ws, registered.body.key);
    await vi.waitFor(() => expect(ws.hub.online('guarded')).toHaveLength(1));

    const never = await workspace(['connector', 'token', 'guarded', '--ttl', 'never', '--json', ...target]);
    const neverToken = JSON.parse(never.stdout).token;
    expect(neverToken.expires).toBeNull();
    const tokens = await workspace(['connector', 'tokens', 'guarded', ...target]);
    expect(tokens.stdout).toMatch(/ID\s+STATE\s+CREATED\s+EXPIRES\s+USES\s+LAST USED/);
    expect(tokens.stdout).toMatch(/used up\s+\d+s ago\s+\S+\s+1\/1/);
    expect(tokens.stdout).toMatch(new RegExp(`${neverToken.id}\\s+valid\\s+\\d+s ago\\s+never\\s+0`));
    expect(tokens.stdout).not.toContain(token);
    const revoked = await workspace(['connector', 'revoke-token', 'guarded', neverToken.id, ...target]);
    expect(revoked.stdout).toContain(`Revoked registration token ${neverToken.id} of "guarded".`);
    expect((await workspace(['connector', 'revoke-token', 'guarded', ...target])).code).toBe(2);

    const list = await workspace(['instance', 'list', ...target]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/CONNECTOR\s+ID\s+NAME\s+VERSION\s+STATE/);
    const id = JSON.parse((await workspace(['instance', 'list', 'guarded', '--json', ...target])).stdout).instances[0].id as string;
    expect(list.stdout).toMatch(new RegExp(`guarded\\s+${id}\\s+test-instance\\s+1\\.0\\.0\\s+online`));
    const closing = new Promise<number>((resolve) => connector.socket.once('close', resolve));
    const revoke = await workspace(['instance', 'revoke', 'guarded', id, ...target]);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toContain(`Revoked instance ${id} of "guarded" and closed its socket`);
    expect(await closing).toBe(1008);
    expect((await workspace(['instance', 'list', 'guarded', ...target])).stdout).toMatch(
      new RegExp(`${id}\\s+test-instance\\s+1\\.0\\.0\\s+revoked`),
    );

    const refused = await workspace(['connector', 'rm', 'guarded', ...target]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('add --yes');
    const removed = await workspace(['connector', 'rm', 'guarded', '--yes', ...target]);
    expect(removed.stdout).toContain('Removed connector "guarded" with its 1 instance (0 disconnected)');
    expect((await ws.api('GET', 'connectors/guarded')).status).toBe(404);
    const badTtl = await workspace(['connector', 'token', 'crm', '--ttl', 'soon', ...target]);
    expect(badTtl.code).toBe(2);
    expect(badTtl.stderr).toContain('--ttl "soon" is not a lifetime');
  });
});

/** Adds `name` (unless it exists) and registers an instance; answers its connector key. */
async function addAndRegisterWith(name: string, id: string, overrides: Record<string, unknown> = {}, add = true): Promise<{ key: string }> {
  const added = add ? await ws.api('POST', 'connectors', { name, connectorId: id }) : await ws.api('POST', `connectors/${name}/tokens`);
  const { body } = await ws.device('register', added.body.registrationToken, registerBody(id, overrides));
  return { key: body.key };
}

describe('workspace config', () => {
  it('sets values and shows secrets masked, never in clear', async () => {
    const { publicKey } = await generateKeyPair(2048);
    const added = await ws.api('POST', 'connectors', { name: 'configured', connectorId: '77' });
    await ws.device('register', added.body.registrationToken, registerBody('77', { publicKey }));
    const set = await workspace(['config', 'set', 'configured', 'apiKey=sk-MARKER-123', 'region=eu=west', 'pageSize=42', ...target]);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('Updated apiKey, region, pageSize');
    expect(set.stdout).not.toContain('MARKER');

    for (const args of [
      ['config', 'show', 'configured'],
      ['config', 'show', 'configured', '--json'],
      ['connector', 'show', 'configured'],
    ]) {
      const shown = await workspace([...args, ...target]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain('••••••');
      expect(shown.stdout).toContain('eu=west');
      expect(shown.stdout).not.toContain('MARKER');
    }

    // Only the secret field is said to be encrypted; plain ones are stored as they are.
    expect(set.stdout).toContain('Updated apiKey, region, pageSize of "configured". apiKey is a secret: stored and sent encrypted.');
    const plain = await workspace(['config', 'set', 'configured', 'region=us', ...target]);
    expect(plain.stdout).toContain('Updated region of "configured".\n');
    expect(plain.stdout).not.toContain('encrypted');

    const unset = await workspace(['config', 'unset', 'configured', 'region', 'apiKey', ...target]);
    expect(unset.stderr).toBe('');
    expect(unset.stdout).toContain('Removed region, apiKey from the config of "configured".');
    const after = await workspace(['config', 'show', 'configured', '--json', ...target]);
    expect(JSON.parse(after.stdout).values).toEqual({ pageSize: 42 });
    const unknownUnset = await workspace(['config', 'unset', 'configured', 'nope', ...target]);
    expect(unknownUnset.code).toBe(1);
    expect(unknownUnset.stderr).toContain('unknown config field "nope"');

    const unknown = await workspace(['config', 'set', 'configured', 'nope=1', ...target]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('apiKey, region, pageSize, verbose');
    expect((await workspace(['config', 'set', 'configured', 'novalue', ...target])).code).toBe(2);
  });
});

describe('workspace call', () => {
  it('says to start the connector when it is offline', async () => {
    await ws.api('POST', 'connectors', { name: 'offline', connectorId: '88' });
    const res = await workspace(['call', 'offline', 'hello', '{}', ...target]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/offline: start it/);
    expect(res.stderr).toContain(`DEVICE_ENDPOINT=${ws.deviceEndpoint}`);
  });

  it('prints the result as JSON, lists methods for an unknown one, and shows input issues', async () => {
    const added = await ws.api('POST', 'connectors', { name: 'live', connectorId: '99' });
    const { body } = await ws.device('register', added.body.registrationToken, registerBody('99'));
    const connector = await FakeConnector.connect(ws, body.key);
    connector.handlers.set('hello', (v: { name: string }) => ({ greeting: `hi ${v.name}` }));
    connector.handlers.set('nope', () => ({ error: 'no method "nope"', code: 'METHOD_NOT_FOUND' }));
    connector.handlers.set('refused', () => ({
      error: 'the CRM refused the contact',
      code: 'VALIDATION_FAILED',
      details: {
        fields: [
          { field: 'email', message: 'is not an email address', code: 'format' },
          { field: 'address.city', message: 'is required' },
        ],
      },
    }));
    connector.handlers.set('strict', () => ({
      error: 'invalid input',
      code: 'INPUT_INVALID',
      details: [{ path: ['name'], message: 'Required' }],
    }));
    await vi.waitFor(() => expect(ws.hub.online('live')).toHaveLength(1));

    const ok = await workspace(['call', 'live', 'hello', '{"name": "Ada"}', ...target]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ greeting: 'hi Ada' });
    expect(ok.stdout).toContain('\n  "greeting"');

    const missing = await workspace(['call', 'live', 'nope', ...target]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Its methods: hello');
    // The list once, not once from the manifest and again from the connector's message.
    expect(missing.stderr).toBe('error: connector "live" has no method "nope". Its methods: hello\n');

    const invalid = await workspace(['call', 'live', 'strict', '{}', ...target]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('- name: Required');
    // Each issue once: the connector's one-line message says the same and is left out.
    expect(invalid.stderr).toBe('error: invalid input for strict of "live":\n  - name: Required\n');

    // The field-error convention (VALIDATION_FAILED with details.fields): each field on its line.
    const refused = await workspace(['call', 'live', 'refused', '{}', ...target]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'error: the call failed (VALIDATION_FAILED): the CRM refused the contact:\n' +
        '  - email: is not an email address (format)\n' +
        '  - address.city: is required\n',
    );
    const refusedJson = await workspace(['call', 'live', 'refused', '{}', '--json', ...target]);
    expect(JSON.parse(refusedJson.stdout).error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: [{ field: 'email' }, { field: 'address.city' }] },
    });
    await connector.close();
  });

  it('exits 2 on arguments that are not JSON', async () => {
    const res = await workspace(['call', 'live', 'hello', '{name: Ada}', ...target]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/not JSON/);
  });
});

describe('workspace task', () => {
  it("follows a connector's calls, instances and health with 'logs', and lists the recent ones with --no-follow", async () => {
    const added = await ws.api('POST', 'connectors', { name: 'logged', connectorId: '112' });
    const { body } = await ws.device('register', added.body.registrationToken, registerBody('112'));
    const connector = await FakeConnector.connect(ws, body.key);
    await vi.waitFor(() => expect(ws.hub.online('logged')).toHaveLength(1));
    connector.handlers.set('hello', () => ({ greeting: 'hi' }));
    connector.handlers.set('missing', () => ({ error: 'no method "missing"', code: 'METHOD_NOT_FOUND' }));
    const follower = startNode(CLI, ['logs', 'logged', ...target], { env: { ...process.env, LOG_LEVEL: 'silent' } });
    try {
      await vi.waitFor(() => expect(follower.stdout()).toMatch(/online {3}test-instance/), { timeout: 10_000 });
      await ws.hub.call('logged', 'hello', {});
      await ws.hub.call('logged', 'missing', {}).catch(() => undefined);
      await vi.waitFor(() => expect(follower.stdout()).toMatch(/call {5}missing {2}FAILED in \d+ ms: /), { timeout: 10_000 });
      expect(follower.stdout()).toMatch(
        /^Following "logged" \(Ctrl-C ends\):\n\d\d:\d\d:\d\d\.\d{3} {2}online {3}test-instance\n.* {2}call {5}hello {2}ok in \d+ ms\n/,
      );
    } finally {
      await follower.stop();
    }
    const listed = await workspace(['logs', 'logged', '--no-follow', '--tail', '2', ...target]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((l) => l.replace(/^\S+ {2}/, '').replace(/\d+ ms/, 'N ms')),
    ).toEqual(['call     hello  ok in N ms', expect.stringMatching(/^call {5}missing {2}FAILED in N ms: METHOD_NOT_FOUND: /)]);
    const json = await workspace(['logs', 'logged', '--no-follow', '--json', ...target]);
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).type),
    ).toEqual(['instance', 'call', 'call']);
    expect((await workspace(['logs', 'logged', '--tail', '500', ...target])).code).toBe(2);
    expect((await workspace(['logs', 'nobody', '--no-follow', ...target])).code).toBe(1);
    await connector.close();
  });

  it('lists and shows tasks', async () => {
    const added = await ws.api('POST', 'connectors', { name: 'tasker', connectorId: '111' });
    const { body } = await ws.device('register', added.body.registrationToken, registerBody('111'));
    const connector = await FakeConnector.connect(ws, body.key);
    // A v1 connector (no idempotency keys negotiated) gets the bare id string (§4).
    const id: string = await connector.request('connector.task.new', { name: 'Call back Ada', a: { phone: '123' } });
    expect(id).toMatch(/^[a-z2-7]{15}$/);
    const list = await workspace(['task', 'list', '--connector', 'tasker', ...target]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain('Call back Ada');
    const show = await workspace(['task', 'show', id, ...target]);
    // Ids used to be base64url: one in 64 started with "-", which yargs read as an option, and
    // this test failed with an empty stdout (shortId now uses lowercase base32).
    expect({ code: show.code, stderr: show.stderr }).toEqual({ code: 0, stderr: '' });
    expect(show.stdout).toContain('"phone": "123"');
    expect((await workspace(['task', 'show', 'missing', ...target])).code).toBe(1);

    // At the limit it says there are more, and how to see them.
    await connector.request('connector.task.new', { name: 'Second', a: {} });
    const limited = await workspace(['task', 'list', '--connector', 'tasker', '--limit', '1', ...target]);
    expect(limited.stdout).toContain('Second');
    expect(limited.stdout).not.toContain('Call back Ada');
    expect(limited.stdout).toContain('(the newest 1; there are more: add --limit 2)');
    const all = await workspace(['task', 'list', '--connector', 'tasker', '--limit', '2', ...target]);
    expect(all.stdout).not.toContain('there are more');
    expect(JSON.parse((await workspace(['task', 'list', '--limit', '1', '--json', ...target])).stdout).more).toBe(true);
    expect((await workspace(['task', 'list', '--limit', '0', ...target])).code).toBe(2);
    await connector.close();
  });
});

describe('workspace webhook', () => {
  it('adds a webhook, prints its URL and secret once, lists it, shows its tasks and removes it', async () => {
    const added = await workspace(['webhook', 'add', 'shop-orders', ...target]);
    expect(added.code, added.stderr).toBe(0);
    const url = /(http:\S+\/event\/wh_\w+)/.exec(added.stdout)?.[1];
    const secret = /(whsec_\S+)/.exec(added.stdout)?.[1];
    expect(url && secret, added.stdout).toBeTruthy();

    const list = await workspace(['webhook', 'list', ...target]);
    expect(list.stdout).toContain('shop-orders');
    expect(list.stdout).toContain(url);
    expect(list.stdout).not.toContain(secret);

    const { signWebhook } = await import('../../src/index.js');
    const body = JSON.stringify({ order: 7 });
    const timestamp = Math.floor(Date.now() / 1000);
    const posted = await fetch(url!, {
      method: 'POST',
      headers: {
        'webhook-id': 'msg_cli',
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(secret!, 'msg_cli', timestamp, body),
      },
      body,
    });
    const { task } = (await posted.json()) as { task: string };
    const tasks = await workspace(['task', 'list', ...target]);
    expect(tasks.stdout).toMatch(new RegExp(`${task}\\s+\\(webhook\\)`));
    expect((await workspace(['task', 'show', task, ...target])).stdout).toContain('From a webhook');

    expect((await workspace(['webhook', 'add', 'open', '--unsigned', ...target])).stdout).toContain('Unsigned');
    const conflicting = await workspace(['webhook', 'add', 'x', '--unsigned', '--secret', 'whsec_x', ...target]);
    expect(conflicting.code).not.toBe(0);
    // A secret of one's own, without --unsigned: yargs used to count --unsigned's default as given.
    const own = (await import('../../src/server/webhooks.js')).newWebhookSecret();
    const withSecret = await workspace(['webhook', 'add', 'own-secret', '--secret', own, ...target]);
    expect(withSecret.stderr).toBe('');
    expect(withSecret.code).toBe(0);
    expect(withSecret.stdout).toContain('Added webhook "own-secret"');
    expect(withSecret.stdout).not.toContain(own);
    const removed = await workspace(['webhook', 'rm', 'shop-orders', ...target]);
    expect(removed.stdout).toContain('Removed webhook "shop-orders"');
    expect((await workspace(['webhook', 'rm', 'shop-orders', ...target])).code).toBe(1);
  });
});

describe('workspace (errors)', () => {
  it('says when the workspace cannot be reached', async () => {
    const res = await workspace(['connector', 'list', '--url', 'http://127.0.0.1:9', '--data', ws.dataDir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('cannot reach the workspace at http://127.0.0.1:9/: is `workspace serve` running?');
  });

  it('says when the admin token is wrong or missing', async () => {
    const wrong = await workspace(['connector', 'list', '--url', ws.url, '--token', 'wrong']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/rejected the admin token/);
    // Never AUTH_FAILED, the code of a connector's own credentials.
    const wrongJson = await workspace(['connector', 'list', '--json', '--url', ws.url, '--token', 'wrong']);
    expect(JSON.parse(wrongJson.stdout).error.code).toBe('ADMIN_TOKEN_INVALID');
    const dir = await makeDataDir();
    const missing = await workspace(['connector', 'list', '--url', ws.url, '--data', dir]);
    expect(missing.stderr).toMatch(/no admin token/);
    await rm(dir, { recursive: true });
  });

  it('exits 2 on every usage error, with what is wrong', async () => {
    for (const args of [
      [],
      ['nope'],
      ['connector'],
      ['connector', 'show'],
      ['call', 'x', 'y', '{}', '--timeout', '-1'],
      ['config', 'set', 'x', 'novalue'],
    ]) {
      const res = await workspace([...args, ...target]);
      expect({ args, code: res.code }).toEqual({ args, code: 2 });
      expect(res.stderr).toMatch(/error: |Not enough|Unknown|pick a/);
    }
  });

  it('takes the token from WORKSPACE_TOKEN and the URL from WORKSPACE_URL', async () => {
    const res = await workspace(['connector', 'list', '--json'], { WORKSPACE_URL: ws.url, WORKSPACE_TOKEN: ws.adminToken });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toHaveProperty('connectors');
  });
});

describe('workspace serve', () => {
  it('prints its endpoints, serves, and exits 0 on SIGTERM', async () => {
    const dataDir = await makeDataDir();
    await copyPgliteTemplate(dataDir);
    const serve = startNode(CLI, ['serve', '--port', '0', '--json', '--data', dataDir], {
      env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '' },
    });
    await vi.waitFor(() => expect(serve.stdout()).toContain('}'), { timeout: 20_000 });
    const info = JSON.parse(serve.stdout());
    expect(info.websocketEndpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/transport\/$/);
    const list = await workspace(['connector', 'list', '--json', '--url', info.url, '--data', dataDir]);
    expect(JSON.parse(list.stdout)).toEqual({ connectors: [] });
    expect((await serve.stop('SIGTERM')).code).toBe(0);
    await rm(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('exits 1 with a clear message when the port is in use', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const dataDir = await makeDataDir();
    try {
      const res = await workspace(['serve', '--port', String(port), '--data', dataDir]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
