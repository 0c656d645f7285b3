/**
 * API key, username/password and session auth end to end: secrets set through the workspace
 * CLI travel encrypted (§5), the connector decrypts them and its ctx.http sends them to a
 * small local API; planted markers never show up in logs, CLI output or errors (item 23).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { apiKey, basic, defineConnector, defineMethod, session, type AuthSpec } from '@connector-kit/sdk';
import type { Workspace } from '@connector-kit/workspace';
import { admin, runWorkspaceCli, startTestWorkspace, tempDir } from './helpers.js';
import { captureLogs, leaks, runInProcess } from './auth-helpers.js';

const KEY = 'MARKER-apikey-c3d9e1';
const PASSWORD = 'MARKER-password-77b4';
const WRONG = 'MARKER-wrong-secret-0f0f';

const dir = tempDir('ck-auth-creds-');
const wsLogs = captureLogs('workspace');
let ws: Workspace;
let apiServer: Server;
let apiUrl: string;
const sessions = new Set<string>();
let logins = 0;
const haystack: Array<() => string> = [];

beforeAll(async () => {
  ws = await startTestWorkspace(dir.path, { logger: wsLogs.logger });
  // The outside API: accepts the key, Basic credentials, or a session from POST /login.
  apiServer = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const send = (status: number, value: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.url === '/login') {
        const { username, password } = JSON.parse(body || '{}') as Record<string, string>;
        if (username !== 'ada' || password !== PASSWORD) return send(401, { error: 'bad login', tried: password });
        const token = `session-${++logins}-${Math.random().toString(36).slice(2)}`;
        sessions.add(token);
        return send(200, { token });
      }
      const auth = req.headers.authorization ?? '';
      const ok =
        req.headers['x-api-key'] === KEY ||
        auth === `Basic ${Buffer.from(`ada:${PASSWORD}`).toString('base64')}` ||
        (auth.startsWith('Bearer ') && sessions.has(auth.slice(7)));
      send(ok ? 200 : 401, ok ? { user: 'ada' } : { error: 'unauthorized', got: req.headers['x-api-key'] ?? auth });
    });
  });
  await new Promise<void>((resolve) => apiServer.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await ws?.close();
  await new Promise((resolve) => apiServer?.close(resolve));
  dir.remove();
});

async function cli(args: string[]) {
  const out = await runWorkspaceCli(ws, args);
  haystack.push(() => `${out.stdout}\n${out.stderr}`);
  return out;
}

async function call(name: string) {
  const res = await admin(ws, 'POST', `connectors/${name}/call`, { method: 'me', args: {}, timeoutMs: 20_000 });
  haystack.push(() => JSON.stringify(res.body));
  return res;
}

const kinds: Array<{ name: string; auth: AuthSpec; values: string[]; wrong: string[] }> = [
  { name: 'creds-key', auth: apiKey({ in: 'header', name: 'X-API-Key' }), values: [`apiKey=${KEY}`], wrong: [`apiKey=${WRONG}`] },
  { name: 'creds-basic', auth: basic(), values: ['username=ada', `password=${PASSWORD}`], wrong: [`password=${WRONG}`] },
  {
    name: 'creds-session',
    auth: session({ login: ({ username, password }, http) => http.post<{ token: string }>('/login', { username, password }) }),
    values: ['username=ada', `password=${PASSWORD}`],
    wrong: [`password=${WRONG}`],
  },
];

describe.each(kinds)('$name end to end', ({ name, auth, values, wrong }) => {
  it('sets the secrets with the CLI, masks them, and calls the API with them', async () => {
    const added = await admin(ws, 'POST', 'connectors', { name, connectorId: name });
    const connector = defineConnector({
      id: name,
      version: '1.0.0',
      name,
      auth,
      http: { baseUrl: apiUrl },
      methods: { me: defineMethod({ description: 'who am I', input: z.object({}), handler: (_i, ctx) => ctx.http.get('/me') }) },
    });
    const { running, logs } = await runInProcess(connector, ws, added.body.registrationToken);
    haystack.push(logs.text);
    try {
      const set = await cli(['config', 'set', name, ...values]);
      expect(set.code, set.stderr).toBe(0);
      const shown = await cli(['config', 'show', name]);
      expect(shown.stdout).toContain('••••••');
      // The store holds ciphertext only: one compact JWE per accepted key (issue 13 finding 1).
      for (const entry of await ws.store.getConfig(name)) {
        if (!entry.secret) continue;
        const jwes = Object.values((entry.value as { $jwe: Record<string, unknown> }).$jwe);
        expect(jwes.length).toBeGreaterThan(0);
        for (const jwe of jwes) expect(String(jwe).split('.')).toHaveLength(5);
      }
      await vi.waitFor(async () => expect((await call(name)).body).toEqual({ result: { user: 'ada' } }), { timeout: 10_000 });

      // A wrong secret: a typed AUTH_FAILED that names the field, never the value.
      await cli(['config', 'set', name, ...wrong]);
      await vi.waitFor(
        async () => {
          const res = await call(name);
          expect(res.body.error?.code).toBe('AUTH_FAILED');
        },
        { timeout: 10_000 },
      );
    } finally {
      await running.stop();
    }
  });
});

describe('secrets stay secret', () => {
  it('finds no planted marker in logs, CLI output or error answers (item 23)', () => {
    const texts = [...haystack.map((text) => text()), wsLogs.text()];
    expect(leaks(texts, [KEY, PASSWORD, WRONG, ...sessions])).toEqual([]);
    // The search looked at real traffic: the calls were logged at debug level.
    expect(texts.join('\n')).toContain('http request');
  });
});
