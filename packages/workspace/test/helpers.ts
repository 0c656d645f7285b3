/**
 * Test helpers: a workspace on a free port with a throwaway data folder, admin API requests,
 * and a raw-`ws` fake connector (a unit test of the server talks the wire protocol itself).
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { WebSocket } from 'ws';
import { startWorkspace, type Workspace, type WorkspaceOptions } from '../src/index.js';
import { MIGRATIONS } from '../src/store/migrations.js';
import { openStore } from '../src/store/open.js';

/** A workspace plus the folder it lives in, removed on close. */
export interface TestWorkspace extends Workspace {
  dataDir: string;
  /** Admin API request; answers status and parsed JSON. */
  api(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: any }>;
  /** POST to a device endpoint with `Authorization: Connector <secret>`. */
  device(path: 'register' | 'connect' | 'disconnect', secret: string | undefined, body?: unknown): Promise<{ status: number; body: any }>;
}

export const silentLogger = pino({ level: 'silent' });

/** A pino logger at `level` that keeps what it writes: `text()` is the log so far. */
export function capturingLogger(level = 'trace'): { logger: Logger; text: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { logger: pino({ level }, sink), text: () => text };
}

export async function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'ck-workspace-'));
}

/**
 * A migrated PGlite folder made once per schema version and copied into each test's data
 * folder: creating a PGlite database takes seconds of CPU, copying one takes milliseconds.
 * Tests of the store itself create theirs from scratch.
 */
async function pgliteTemplate(): Promise<string> {
  const version = createHash('sha256').update(JSON.stringify(MIGRATIONS)).digest('hex').slice(0, 12);
  const template = join(tmpdir(), `ck-workspace-pglite-template-${version}`);
  const ready = async (): Promise<boolean> =>
    stat(join(template, 'ready')).then(
      () => true,
      () => false,
    );
  if (await ready()) return join(template, 'pglite');
  const building = await mkdtemp(`${template}.building-`);
  const store = await openStore({ dataDir: building });
  await store.close();
  await writeFile(join(building, 'ready'), '');
  // Another test file may have finished first: then keep theirs.
  await rename(building, template).catch(() => rm(building, { recursive: true, force: true }));
  if (!(await ready())) throw new Error(`could not prepare ${template}`);
  return join(template, 'pglite');
}

/** Puts a copy of the migrated template database into `<dataDir>/pglite`. */
export async function copyPgliteTemplate(dataDir: string): Promise<void> {
  await cp(await pgliteTemplate(), join(dataDir, 'pglite'), { recursive: true });
}

export async function startTestWorkspace(options: Partial<WorkspaceOptions> = {}): Promise<TestWorkspace> {
  const dataDir = options.dataDir ?? (await makeDataDir());
  if (options.dataDir === undefined && options.databaseUrl === undefined) await copyPgliteTemplate(dataDir);
  const workspace = await startWorkspace({ port: 0, logger: silentLogger, ...options, dataDir });
  const close = workspace.close;
  return {
    ...workspace,
    dataDir,
    async close() {
      await close();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
    async api(method, path, body, token) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token !== null) headers.authorization = `Bearer ${token ?? workspace.adminToken}`;
      const res = await fetch(new URL(`api/v1/${path}`, workspace.url), {
        method,
        headers,
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    async device(path, secret, body) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (secret !== undefined) headers.authorization = `Connector ${secret}`;
      const res = await fetch(new URL(path, workspace.deviceEndpoint), {
        method: 'POST',
        headers,
        body: body === undefined ? '{}' : typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
  };
}

/** A register body (§2) for connector id `id`. */
export function registerBody(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    deployment: '',
    name: 'test-instance',
    version: '1.0.0',
    id,
    publicKey: null,
    schema: {
      configSchema: {
        fields: {
          apiKey: { name: 'API key', type: 'line' },
          region: { name: 'Region', type: 'line', plain: true },
          pageSize: { name: 'Page size', type: 'number', plain: true, optional: true },
          verbose: { name: 'Verbose', type: 'boolean', plain: true, optional: true },
          oauthResult: { name: 'OAuth', type: 'managed' },
        },
      },
      introspect: '/** Says hello. */\ndeclare function hello(args: { name: string }): Promise<{ greeting: string }>;\n',
    },
    ...overrides,
  };
}

/** Adds a connector through the admin API and registers one instance; answers its key. */
export async function addAndRegister(
  ws: TestWorkspace,
  name: string,
  connectorId: string,
  overrides: Record<string, unknown> = {},
): Promise<{ key: string; token: string; register: any }> {
  const added = await ws.api('POST', 'connectors', { name, connectorId });
  if (added.status !== 201) throw new Error(`add failed: ${JSON.stringify(added.body)}`);
  const token = added.body.registrationToken as string;
  const registered = await ws.device('register', token, registerBody(connectorId, overrides));
  if (registered.status !== 200) throw new Error(`register failed: ${JSON.stringify(registered.body)}`);
  return { key: registered.body.key, token, register: registered.body };
}

type Packet = { id?: string; c?: string; m?: string; a?: any; e?: string };

/** A connector speaking the wire protocol with raw `ws`. */
export class FakeConnector {
  readonly received: Packet[] = [];
  readonly frames: string[] = [];
  /** Answers `connector.query` by query name; unset names get no answer. */
  readonly handlers = new Map<string, (variables: any, packet: Packet) => unknown>();
  private counter = 0;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const text = data.toString();
      this.frames.push(text);
      for (const packet of (JSON.parse(text) as { p: Packet[] }).p) {
        this.received.push(packet);
        for (const waiter of this.waiters) waiter();
        if (packet.m === 'connector.query' && packet.c !== undefined) {
          const handler = this.handlers.get(String(packet.a?.query));
          if (handler) void Promise.resolve(handler(packet.a?.variables, packet)).then((a) => this.send({ c: packet.c!, a }));
        }
      }
    });
  }

  static connect(
    workspace: Workspace,
    key: string,
    protocols: string[] = ['connector'],
    headers: Record<string, string> = {},
  ): Promise<FakeConnector> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(workspace.websocketEndpoint, protocols, { headers: { ...headers, authorization: `Connector ${key}` } });
      const connector = new FakeConnector(socket);
      socket.once('open', () => resolve(connector));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  /** Sends packets in one frame; ids are added when missing. */
  send(...packets: Packet[]): void {
    this.socket.send(JSON.stringify({ p: packets.map((p) => ({ id: `fc-${++this.counter}`, ...p })) }));
  }

  /** Sends a request with a `_req-` callback id and waits for its answer's `a`. */
  async request(m: string, a: unknown): Promise<any> {
    const c = `_req-${++this.counter}`;
    this.send({ c, m, a });
    return waitForPacket(this, (p) => p.c === c && p.m === undefined).then((p) => p.a);
  }

  /** Waits until a packet matching `predicate` has been received. */
  waitFor(predicate: (p: Packet) => boolean, timeoutMs = 5000): Promise<Packet> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.received.find(predicate);
        if (!hit) return false;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(hit);
        return true;
      };
      const waiter = (): void => void check();
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error('no matching packet within ' + timeoutMs + ' ms'));
      }, timeoutMs);
      if (!check()) this.waiters.add(waiter);
    });
  }

  /** Packets received with method `m`. */
  packets(m: string): Packet[] {
    return this.received.filter((p) => p.m === m);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

/** Waits until the fake connector received a packet matching `predicate`. */
export function waitForPacket(connector: FakeConnector, predicate: (p: Packet) => boolean, timeoutMs = 5000): Promise<Packet> {
  return connector.waitFor(predicate, timeoutMs);
}
