/**
 * The webhook subscription lifecycle end to end (issue 19 item 4, §8 `webhook-subscriptions`):
 * a fake provider with REST hooks (subscribe a URL and a secret, unsubscribe by id) that signs
 * its events the Standard Webhooks way; a built connector whose `webhooks.subscribe` and
 * `webhooks.unsubscribe` call it, run through `connector start`; the real workspace on every
 * store. Adding a webhook attached to the connector subscribes the provider (the secret reaches
 * the connector encrypted to its key), the provider's signed events become tasks, a forged one
 * does not, and removing the webhook ends the subscription with the state the workspace kept.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Workspace } from '@connector-kit/workspace';
import {
  CONNECTOR_CLI,
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
import { runNode } from './support/spawn.js';

const API_KEY = 'crm-key-MARKER-51d2';

const CONNECTOR_SOURCE = `
import { apiKey, defineConnector, defineMethod, field, z } from '@connector-kit/sdk';

export default defineConnector({
  name: 'Hooked CRM',
  config: { apiUrl: field.line({ label: 'API URL', plain: true }) },
  auth: apiKey({ in: 'bearer' }),
  http: { baseUrl: ({ config }) => config.apiUrl },
  webhooks: {
    async subscribe(ctx, { url, secret }) {
      const hook = await ctx.http.post('/hooks', { url, secret, events: ['contact.created'] });
      return { hookId: hook.id };
    },
    async unsubscribe(ctx, state) {
      await ctx.http.delete('/hooks/' + state.hookId);
    },
  },
  methods: {
    'contacts.create': defineMethod({
      description: 'A new contact (the CRM sends contact.created to its hooks)',
      input: z.object({ name: z.string() }),
      output: z.object({ id: z.string() }),
      handler: (input, ctx) => ctx.http.post('/contacts', input),
    }),
  },
});
`;

interface Hook {
  id: string;
  url: string;
  secret: string;
}

/** A CRM with REST hooks: it signs each event with the hook's secret (Standard Webhooks). */
async function startProvider(): Promise<{
  url: string;
  hooks: Map<string, Hook>;
  deliveries: number[];
  server: Server;
  send: (hook: Hook, body: string, sign?: string) => Promise<number>;
}> {
  const hooks = new Map<string, Hook>();
  const deliveries: number[] = [];
  const send = async (hook: Hook, body: string, signWith = hook.secret): Promise<number> => {
    const id = `msg_${randomUUID()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const key = Buffer.from(signWith.replace(/^whsec_/, ''), 'base64');
    const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
    const res = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': `v1,${signature}`,
      },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  };
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c));
    req.on('end', () => {
      const reply = (status: number, body?: unknown): void => {
        res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
        res.end(body === undefined ? '' : JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${API_KEY}`) return reply(401, { error: 'bad key' });
      if (req.method === 'POST' && req.url === '/hooks') {
        const { url, secret } = JSON.parse(text) as { url: string; secret: string };
        const hook = { id: `hook_${hooks.size + 1}`, url, secret };
        hooks.set(hook.id, hook);
        return reply(201, { id: hook.id });
      }
      const match = /^\/hooks\/([^/]+)$/.exec(req.url ?? '');
      if (req.method === 'DELETE' && match) return reply(hooks.delete(match[1]!) ? 204 : 404);
      if (req.method === 'POST' && req.url === '/contacts') {
        const contact = { id: `c_${randomUUID().slice(0, 8)}`, ...(JSON.parse(text) as object) };
        const event = JSON.stringify({ type: 'contact.created', contact });
        void Promise.all([...hooks.values()].map((hook) => send(hook, event).then((status) => deliveries.push(status))));
        return reply(201, contact);
      }
      reply(404, { error: 'no such route' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hooks, deliveries, server, send };
}

describe.each(backends())('webhook subscriptions end to end on $name', (backend) => {
  const dir = tempDir('ck-webhooks-');
  const project = join(dir.path, 'project');
  const name = 'hooked-crm';
  let provider: Awaited<ReturnType<typeof startProvider>>;
  let ws: Workspace;
  let connector: ConnectorProcess;
  let webhook: { id: string; name: string; url: string; connector?: string };
  let secret: string;

  beforeAll(async () => {
    provider = await startProvider();
    mkdirSync(join(project, 'dist'), { recursive: true });
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name, version: '1.0.0', type: 'module', connectorId: 'hooked', main: './dist/index.js' }),
    );
    writeFileSync(join(project, 'dist/index.js'), CONNECTOR_SOURCE);
    mkdirSync(join(project, 'node_modules/@connector-kit'), { recursive: true });
    symlinkSync(join(ROOT, 'packages/sdk'), join(project, 'node_modules/@connector-kit/sdk'), 'dir');
    // Its key pair: the workspace encrypts the API key and the webhook's secret to it.
    const keys = await runNode(CONNECTOR_CLI, ['keys'], { cwd: project });
    expect(keys.code, keys.output).toBe(0);

    ws = await startTestWorkspace(join(dir.path, 'workspace'), backend.options(dir.path));
    const added = await admin(ws, 'POST', 'connectors', { name, connectorId: 'hooked' });
    expect(added.status).toBe(201);
    connector = startConnector(project, ws, { REGISTRATION_TOKEN: added.body.registrationToken, HOSTNAME: 'hooked-e2e' });
    await vi.waitFor(async () => expect(await onlineInstances(ws, name)).toHaveLength(1), { timeout: 30_000, interval: 100 });
    const set = await admin(ws, 'PUT', `connectors/${name}/config`, { values: { apiUrl: provider.url, apiKey: API_KEY } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    // The config is applied once a call can reach the provider.
    await vi.waitFor(
      async () =>
        expect((await admin(ws, 'POST', `connectors/${name}/call`, { method: 'contacts.create', args: { name: 'warm-up' } })).status).toBe(
          200,
        ),
      { timeout: 10_000, interval: 200 },
    );
  });

  afterAll(async () => {
    await connector?.stop();
    await ws?.close();
    await new Promise((resolve) => provider?.server.close(resolve));
    dir.remove();
  });

  it('negotiates webhook-subscriptions with a connector that defines webhooks', async () => {
    const online = await onlineInstances(ws, name);
    expect(
      online.map((i: { features?: string[] }) => i.features),
      JSON.stringify(online),
    ).toEqual([expect.arrayContaining(['webhook-subscriptions'])]);
  });

  it('subscribes the provider when a webhook is added for the connector, with its URL and secret', async () => {
    const { status, body } = await admin(ws, 'POST', 'webhooks', { name: 'crm-events', connector: name });
    expect(status, JSON.stringify(body)).toBe(201);
    webhook = body.webhook;
    secret = body.secret;
    expect(webhook.connector).toBe(name);
    expect([...provider.hooks.values()]).toEqual([{ id: 'hook_1', url: webhook.url, secret }]);
    // The secret travelled encrypted: never in the connector's log.
    expect(connector.output()).not.toContain(secret);
    expect(connector.output()).not.toContain(API_KEY);
  });

  it("turns the provider's signed events into tasks, and refuses a forged one", async () => {
    const before = provider.deliveries.length;
    const created = await admin(ws, 'POST', `connectors/${name}/call`, { method: 'contacts.create', args: { name: 'Ada' } });
    expect(created.status).toBe(200);
    await vi.waitFor(() => expect(provider.deliveries.length).toBe(before + 1), { timeout: 10_000 });
    expect(provider.deliveries.at(-1)).toBe(200);
    const { body } = await admin(ws, 'GET', 'tasks');
    const task = (body.tasks as Array<{ data: Record<string, any> }>).find((t) => t.data?.contact?.id === created.body.result.id);
    expect(task?.data).toMatchObject({
      type: 'contact.created',
      contact: { name: 'Ada' },
      $via: { type: 'webhook', id: webhook.id, name: 'crm-events' },
    });

    const forged = await provider.send(
      { id: 'x', url: webhook.url, secret },
      JSON.stringify({ type: 'contact.created', contact: { id: 'forged' } }),
      `whsec_${Buffer.from('another secret of 32 bytes.......').toString('base64')}`,
    );
    expect(forged).toBe(401);
    const after = await admin(ws, 'GET', 'tasks');
    expect(JSON.stringify(after.body)).not.toContain('forged');
  });

  it('refuses a webhook for a connector that is offline, and keeps none', async () => {
    await admin(ws, 'POST', 'connectors', { name: 'never-started', connectorId: 'hooked' });
    const { status, body } = await admin(ws, 'POST', 'webhooks', { name: 'orphan', connector: 'never-started' });
    expect(status).toBe(503);
    expect(body.error.code).toBe('CONNECTOR_OFFLINE');
    expect((await admin(ws, 'GET', 'webhooks/orphan')).status).toBe(404);
  });

  it('unsubscribes at the provider with the kept state when the webhook is removed', async () => {
    const { status, body } = await admin(ws, 'DELETE', 'webhooks/crm-events');
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ name: 'crm-events', unsubscribed: true });
    expect(provider.hooks.size).toBe(0);
    expect((await admin(ws, 'GET', 'webhooks/crm-events')).status).toBe(404);
  });

  it('keeps a webhook whose subscription could not be ended, unless forced', async () => {
    const added = await admin(ws, 'POST', 'webhooks', { name: 'crm-events-2', connector: name });
    expect(added.status).toBe(201);
    provider.hooks.clear(); // the provider lost it: the unsubscribe answers 404
    const refused = await admin(ws, 'DELETE', 'webhooks/crm-events-2');
    expect(refused.status).toBe(502);
    expect(refused.body.error.message).toContain('force');
    expect((await admin(ws, 'GET', 'webhooks/crm-events-2')).status).toBe(200);
    const forced = await admin(ws, 'DELETE', 'webhooks/crm-events-2?force=true');
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({ unsubscribed: false });
  });

  it('attaches and removes through the workspace CLI', async () => {
    const added = await runWorkspaceCli(ws, ['webhook', 'add', 'crm-cli', '--connector', name]);
    expect(added.code, added.output).toBe(0);
    expect(added.stdout).toContain(`connector "${name}" subscribed its provider to it`);
    expect(provider.hooks.size).toBe(1);
    const removed = await runWorkspaceCli(ws, ['webhook', 'rm', 'crm-cli']);
    expect(removed.code, removed.output).toBe(0);
    expect(removed.stdout).toContain('Its connector ended the subscription at the provider.');
    expect(provider.hooks.size).toBe(0);
  });
});
