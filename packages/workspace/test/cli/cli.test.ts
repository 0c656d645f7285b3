import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateKeyPair } from '@connector-kit/sdk/secrets';
import { FakeConnector, copyPgliteTemplate, makeDataDir, registerBody, startTestWorkspace, type TestWorkspace } from '../helpers.js';

const CLI = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `workspace` command. */
function workspace(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, WORKSPACE_URL: '', WORKSPACE_TOKEN: '', WORKSPACE_DATA: '', DATABASE_URL: '', LOG_LEVEL: 'silent', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

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

    const invalid = await workspace(['call', 'live', 'strict', '{}', ...target]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('- name: Required');
    await connector.close();
  });

  it('exits 2 on arguments that are not JSON', async () => {
    const res = await workspace(['call', 'live', 'hello', '{name: Ada}', ...target]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/not JSON/);
  });
});

describe('workspace task', () => {
  it('lists and shows tasks', async () => {
    const added = await ws.api('POST', 'connectors', { name: 'tasker', connectorId: '111' });
    const { body } = await ws.device('register', added.body.registrationToken, registerBody('111'));
    const connector = await FakeConnector.connect(ws, body.key);
    const { id } = await connector.request('connector.task.new', { name: 'Call back Ada', a: { phone: '123' } });
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
    const dir = await makeDataDir();
    const missing = await workspace(['connector', 'list', '--url', ws.url, '--data', dir]);
    expect(missing.stderr).toMatch(/no admin token/);
    await rm(dir, { recursive: true });
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
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--json', '--data', dataDir], {
      env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '' },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await vi.waitFor(() => expect(stdout).toContain('}'), { timeout: 20_000 });
    const info = JSON.parse(stdout);
    expect(info.websocketEndpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/transport\/$/);
    const list = await workspace(['connector', 'list', '--json', '--url', info.url, '--data', dataDir]);
    expect(JSON.parse(list.stdout)).toEqual({ connectors: [] });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
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
