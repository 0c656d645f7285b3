import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Feature } from '@connector-kit/sdk/protocol';
import { FakeConnector, addAndRegister, startTestWorkspace, type TestWorkspace } from '../helpers.js';

let ws: TestWorkspace;
beforeAll(async () => {
  ws = await startTestWorkspace();
}, 60_000);
afterAll(() => ws?.close());

async function online(name: string, connectorId: string, features: string[] = []): Promise<FakeConnector> {
  const { key } = await addAndRegister(ws, name, connectorId, { protocol: { version: 1, features } });
  return FakeConnector.connect(ws, key);
}

describe('connector.task.new and connector.task.update', () => {
  it('creates a task, then shallow-merges updates into its data', async () => {
    const connector = await online('tasks-basic', '1');
    const created = await connector.request('connector.task.new', { name: 'New deal', a: { amount: 5, owner: { id: 1 } } });
    expect(created.id).toMatch(/^[a-z2-7]{15}$/);
    expect(await connector.request('connector.task.update', { id: created.id, a: { owner: { id: 2 }, stage: 'won' } })).toEqual({
      ok: true,
    });
    const task = await ws.store.getTask(created.id);
    expect(task).toMatchObject({
      name: 'New deal',
      connector: 'tasks-basic',
      status: 'open',
      data: { amount: 5, owner: { id: 2 }, stage: 'won' },
    });
    await connector.close();
  });

  it('answers an update of an unknown task with an error', async () => {
    const connector = await online('tasks-unknown', '2');
    const answer = await connector.request('connector.task.update', { id: 'nope', a: {} });
    expect(answer).toMatchObject({ code: 'NOT_FOUND', error: expect.stringContaining('"nope"') });
    await connector.close();
  });

  it('never updates the task of another connector', async () => {
    const owner = await online('tasks-owner', '3');
    const other = await online('tasks-other', '4');
    const { id } = await owner.request('connector.task.new', { name: 'mine', a: { v: 1 } });
    expect(await other.request('connector.task.update', { id, a: { v: 2 } })).toMatchObject({ code: 'NOT_FOUND' });
    expect((await ws.store.getTask(id))?.data).toEqual({ v: 1 });
    await Promise.all([owner.close(), other.close()]);
  });

  it('answers a malformed task.new with BAD_REQUEST', async () => {
    const connector = await online('tasks-bad', '5');
    expect(await connector.request('connector.task.new', { a: {} })).toMatchObject({
      code: 'BAD_REQUEST',
      error: expect.stringContaining('"name"'),
    });
    expect(await connector.request('connector.task.new', { name: 'x', a: [1] })).toMatchObject({ code: 'BAD_REQUEST' });
    await connector.close();
  });

  it('creates one task for 50 parallel requests with the same idempotency key', async () => {
    const connector = await online('tasks-idempotent', '6', [Feature.idempotencyKeys]);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => connector.request('connector.task.new', { name: 'once', a: {}, idempotencyKey: 'k-1' })),
    );
    const ids = new Set(answers.map((a: { id: string }) => a.id));
    expect(ids.size).toBe(1);
    expect(await ws.store.listTasks({ connector: 'tasks-idempotent' })).toHaveLength(1);
    await connector.close();
  });

  it('ignores idempotency keys when the feature was not negotiated', async () => {
    const connector = await online('tasks-v1', '7');
    const first = await connector.request('connector.task.new', { name: 'a', a: {}, idempotencyKey: 'same' });
    const second = await connector.request('connector.task.new', { name: 'b', a: {}, idempotencyKey: 'same' });
    expect(first.id).not.toBe(second.id);
    await connector.close();
  });

  it('leaves Object.prototype alone when task data carries __proto__', async () => {
    const connector = await online('tasks-proto', '8');
    connector.socket.send('{"p":[{"id":"1","c":"_req-p","m":"connector.task.new","a":{"name":"p","a":{"__proto__":{"polluted":true}}}}]}');
    await vi.waitFor(() => expect(connector.received.some((p) => p.c === '_req-p')).toBe(true));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const id = connector.received.find((p) => p.c === '_req-p')!.a.id as string;
    const update = '{"p":[{"id":"2","c":"_req-q","m":"connector.task.update","a":{"id":"' + id + '","a":{"__proto__":{"polluted":2}}}}]}';
    connector.socket.send(update);
    await vi.waitFor(() => expect(connector.received.some((p) => p.c === '_req-q')).toBe(true));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await connector.close();
  });
});

describe('blobs', () => {
  it('creates a blob and answers its metadata and content', async () => {
    const connector = await online('blobs', '9');
    const content = Buffer.from('hello blob').toString('base64');
    const { id } = await connector.request('connector.blob.create', { content, name: 'a.txt', mimetype: 'text/plain', meta: { x: 1 } });
    expect(await connector.request('connector.blob.get', { id })).toMatchObject({
      id,
      name: 'a.txt',
      size: 10,
      mimetype: 'text/plain',
      meta: { x: 1 },
      taskId: null,
    });
    expect(await connector.request('connector.blob.get-content', { id })).toEqual({ content });
    expect(await connector.request('connector.blob.get', { id: 'missing' })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await connector.request('connector.blob.create', { content: 'not base64!' })).toMatchObject({ code: 'BAD_REQUEST' });
    await connector.close();
  });
});

describe('notices', () => {
  it('records connector.health.check and shows it in the connector list', async () => {
    const connector = await online('health', '10');
    connector.send({ m: 'connector.health.check', a: { ok: false, error: 'token expired' } });
    await vi.waitFor(() => expect(ws.hub.online('health')[0]?.health).toMatchObject({ ok: false, error: 'token expired' }));
    const list = await ws.api('GET', 'connectors');
    const entry = list.body.connectors.find((c: { name: string }) => c.name === 'health');
    expect(entry.instances[0].health).toMatchObject({ ok: false, error: 'token expired' });
    await connector.close();
  });

  it('stores connector.config-update as the managed secret oauthResult', async () => {
    const connector = await online('config-update', '11');
    connector.send({ m: 'connector.config-update', a: { value: 'eyJhbGciOi.fake.jwe.value.x' } });
    await vi.waitFor(async () => {
      const config = await ws.store.getConfig('config-update');
      expect(config).toMatchObject([{ field: 'oauthResult', value: 'eyJhbGciOi.fake.jwe.value.x', secret: true }]);
    });
    const shown = await ws.api('GET', 'connectors/config-update/config');
    expect(shown.body.values.oauthResult).toBe('••••••');
    await connector.close();
  });
});
