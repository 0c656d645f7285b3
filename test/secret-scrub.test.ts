/**
 * Issue 13 finding 6: an error message that held a secret value appeared verbatim in the
 * connector log, the admin API answer and the CLI. Read as someone who sees those: a real
 * workspace, a connector process whose handlers and health check fail with its decrypted API key
 * in the message, and a search of everything that came out for the key, in every form.
 */
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { generateKeyPair } from '@connector-kit/sdk/secrets';
import type { Workspace } from '@connector-kit/workspace';
import { ROOT, admin, runWorkspaceCli, startTestWorkspace, tempDir, type ConnectorProcess } from './helpers.js';
import { startNode } from './support/spawn.js';

const FIXTURE = join(ROOT, 'test/fixtures/leaky-connector.mjs');
/** The planted secret: with characters JSON and URLs escape, so each written form is searched. */
const KEY = 'sk-live-7Qd9"x/42+Zr&w%Lp';
const FORMS = [KEY, JSON.stringify(KEY).slice(1, -1), encodeURIComponent(KEY), Buffer.from(KEY).toString('base64'), '7Qd9'];

describe('a secret in an error message', () => {
  const dir = tempDir('ck-scrub-');
  let ws: Workspace | undefined;
  let connector: ConnectorProcess | undefined;
  let workspaceLog = '';
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        workspaceLog += chunk.toString();
        done();
      },
    }),
  );

  afterAll(async () => {
    await connector?.stop('SIGKILL');
    await ws?.close();
    dir.remove();
  });

  it('reaches no log, admin API answer or CLI output: each shows [redacted:apiKey] instead', { timeout: 120_000 }, async () => {
    ws = await startTestWorkspace(join(dir.path, 'workspace'), { logger });
    const workspace = ws;
    const added = await admin(workspace, 'POST', 'connectors', { name: 'leaky', connectorId: 'leaky' });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const keys = await generateKeyPair(2048);
    connector = startNode(FIXTURE, [], {
      env: {
        PATH: process.env.PATH ?? '',
        LOG_LEVEL: 'debug',
        DEVICE_ENDPOINT: workspace.deviceEndpoint,
        WEBSOCKET_ENDPOINT: workspace.websocketEndpoint,
        REGISTRATION_TOKEN: added.body.registrationToken as string,
        PRIVATE_KEY: keys.privateKey,
        PUBLIC_KEY: keys.publicKey,
        HOSTNAME: 'leaky-1',
        CONNECTOR_STATE_DIR: '',
      },
    });
    const running = connector;
    await vi.waitFor(() => expect(workspace.hub.online('leaky'), running.output()).toHaveLength(1), { timeout: 30_000, interval: 50 });

    const seen: string[] = [];
    const cli = async (args: string[]) => {
      const out = await runWorkspaceCli(workspace, args);
      seen.push(out.output);
      return out;
    };
    const call = async (method: string) => {
      const res = await admin(workspace, 'POST', 'connectors/leaky/call', { method, args: {}, timeoutMs: 20_000 });
      seen.push(JSON.stringify(res.body));
      return res;
    };

    expect((await cli(['config', 'set', 'leaky', `apiKey=${KEY}`])).code).toBe(0);
    // The admin API: the error answers name the field, never the value.
    await vi.waitFor(
      async () => expect((await call('leak')).body.error).toMatchObject({ message: 'the CRM refused key [redacted:apiKey]' }),
      { timeout: 15_000, interval: 100 },
    );
    const typed = await call('leakTyped');
    expect(typed.body.error).toMatchObject({
      code: 'AUTH_FAILED',
      message: 'GET /contacts?key=[redacted:apiKey] answered 401',
      details: { sent: '[redacted:apiKey]' },
    });
    expect((await call('logs')).status).toBe(200);

    // The CLI's answer to the same calls.
    const viaCli = await cli(['call', 'leaky', 'leak', '{}']);
    expect(viaCli.code).not.toBe(0);
    expect(viaCli.output).toContain('[redacted:apiKey]');

    // A failing health check, as the admin API and the CLI list it.
    expect((await cli(['config', 'set', 'leaky', 'region=down'])).code).toBe(0);
    await vi.waitFor(
      async () => {
        const { body } = await admin(workspace, 'GET', 'connectors');
        seen.push(JSON.stringify(body));
        expect(JSON.stringify(body)).toContain('login with key [redacted:apiKey] failed');
      },
      { timeout: 15_000, interval: 100 },
    );
    await cli(['connector', 'list']);
    await cli(['connector', 'show', 'leaky']);
    await cli(['logs', 'leaky', '--no-follow', '--tail', '100']);

    await running.stop();
    const connectorOutput = `${running.stdout()}\n${running.stderr()}`;
    // The search looked at real output: the connector logged the failures and the handler's line.
    expect(connectorOutput).toContain('leak threw');
    expect(connectorOutput).toContain('calling the CRM with key [redacted:apiKey]');
    expect(workspaceLog).not.toBe('');
    const places = { connector: connectorOutput, 'admin API and CLI': seen.join('\n'), workspace: workspaceLog };
    for (const [place, text] of Object.entries(places)) {
      for (const form of FORMS) expect(text.split(form).length - 1, `${place} holds ${form}`).toBe(0);
    }
  });
});
