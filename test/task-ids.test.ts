/**
 * Task ids as a v1 peer sends them (issue 14 item 1; protocol.md §3, §4): an ALOMA-style
 * connector, written with raw `ws` and following what protocol.md says of ALOMA's SDK, creates
 * a task on our workspace and updates it with the answer's `a` passed on as the id, as ALOMA's
 * `newTask` + `updateTask` do. It negotiates nothing (ALOMA's SDK sends no `protocol`), so it
 * must see exactly v1 behaviour.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Workspace } from '@connector-kit/workspace';
import { admin, startTestWorkspace, tempDir } from './helpers.js';

type Packet = { id?: unknown; c?: unknown; m?: unknown; a?: unknown };

/** The parts of ALOMA's SDK behaviour this test relies on (protocol.md §2–§4). */
class AlomaStyleConnector {
  readonly received: Packet[] = [];
  #next = 0;
  #waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      for (const packet of (JSON.parse(data.toString()) as { p: Packet[] }).p) this.received.push(packet);
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** §2: register with the v1 body (no `protocol` member), connect with `{}`, then open the socket (§3). */
  static async start(ws: Workspace, registrationToken: string): Promise<AlomaStyleConnector> {
    const post = async (path: string, auth: string, body: unknown) => {
      const response = await fetch(`${ws.deviceEndpoint}${path}`, {
        method: 'POST',
        headers: { authorization: `Connector ${auth}`, 'content-type': 'application/json', 'user-agent': '4242/1.0.0' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> | null };
    };
    const registered = await post('register', registrationToken, {
      deployment: '',
      name: 'aloma-style-1',
      version: '1.0.0',
      id: '4242',
      publicKey: null,
      schema: { configSchema: { fields: {} }, introspect: '/** Hi. */\ndeclare function hi(args: {}): Promise<{}>;\n' },
    });
    expect(registered.status).toBe(200);
    const key = registered.body!.key as string;
    expect((await post('connect', key, {})).status).toBe(200);
    const socket = new WebSocket(ws.websocketEndpoint, 'connector', { headers: { authorization: `Connector ${key}` } });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new AlomaStyleConnector(socket);
  }

  send(...packets: Packet[]): void {
    this.socket.send(JSON.stringify({ p: packets }));
  }

  /** Sends a request with a `_req-` callback id and resolves to the answer's `a` as it arrives. */
  async request(m: string, a: unknown): Promise<unknown> {
    const c = `_req-${++this.#next}`;
    this.send({ id: `p-${this.#next}`, c, m, a });
    const answer = await this.waitFor((p) => p.c === c && p.m === undefined);
    return answer.a;
  }

  /** ALOMA's `newTask(name, data)`: resolves with the answer's `a` as it arrives. */
  newTask(name: string, data: Record<string, unknown>): Promise<unknown> {
    return this.request('connector.task.new', { name, a: data });
  }

  /** ALOMA's `updateTask(id, data)`: passes `id` on as it got it. */
  updateTask(id: unknown, data: Record<string, unknown>): Promise<unknown> {
    return this.request('connector.task.update', { id, a: data });
  }

  async waitFor(predicate: (p: Packet) => boolean, timeoutMs = 10_000): Promise<Packet> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.find(predicate);
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error('no matching packet arrived');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.close(1000);
  }
}

let dir: ReturnType<typeof tempDir>;
let ws: Workspace;
beforeAll(async () => {
  dir = tempDir();
  ws = await startTestWorkspace(dir.path);
});
afterAll(async () => {
  await ws?.close();
  dir?.remove();
});

async function added(name: string): Promise<string> {
  const answer = await admin(ws, 'POST', 'connectors', { name, connectorId: '4242' });
  expect(answer.status).toBe(201);
  return answer.body.registrationToken as string;
}

describe('task ids with an ALOMA-style connector (v1, nothing negotiated)', () => {
  it('creates a task, gets the bare id string, and updates the task with it', async () => {
    const connector = await AlomaStyleConnector.start(ws, await added('aloma-tasks'));
    try {
      const id = await connector.newTask('New deal', { amount: 5, stage: 'open' });
      expect(typeof id, `task.new answered ${JSON.stringify(id)}`).toBe('string');
      const updated = await connector.updateTask(id, { stage: 'won' });
      expect(updated).not.toHaveProperty('error');
      const task = await admin(ws, 'GET', `tasks/${encodeURIComponent(id as string)}`);
      expect(task.status).toBe(200);
      expect(task.body.task).toMatchObject({ id, name: 'New deal', connector: 'aloma-tasks', data: { amount: 5, stage: 'won' } });
      // An error answer to a v1 connector has its `error` text.
      const missing = await connector.updateTask('no-such-task', {});
      expect(missing).toMatchObject({ error: expect.stringContaining('"no-such-task"') });
    } finally {
      connector.close();
    }
  });

  it('never answers an answer, however malformed (§3), and keeps serving', async () => {
    const connector = await AlomaStyleConnector.start(ws, await added('aloma-answers'));
    try {
      connector.send(
        { id: 5, c: 'ws-bad-id', a: { ok: true } },
        { id: 'x2', c: 'ws-unknown', a: 'a string' },
        { id: 'x3', c: 'ws-array', a: [1, 2] },
      );
      // A request sent after them is answered: by then the workspace has read the answers.
      expect(typeof (await connector.newTask('after', {}))).toBe('string');
      const replies = connector.received.filter((p) => ['ws-bad-id', 'ws-unknown', 'ws-array'].includes(p.c as string));
      expect(replies).toEqual([]);
    } finally {
      connector.close();
    }
  });
});
