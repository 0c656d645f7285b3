import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Feature } from '@connector-kit/sdk/protocol';
import { FakeConnector, addAndRegister, startTestWorkspace, type TestWorkspace } from '../helpers.js';

let ws: TestWorkspace;
beforeAll(async () => {
  ws = await startTestWorkspace({ maxBlobBytes: 1000 });
}, 60_000);
afterAll(() => ws?.close());

/**
 * A connector online with structured errors negotiated (§8), so error answers carry `code`;
 * `features` adds more, `v1` negotiates nothing at all.
 */
async function online(name: string, connectorId: string, more: string[] = [], v1 = false): Promise<FakeConnector> {
  const features = v1 ? [] : [Feature.structuredErrors, ...more];
  const { key } = await addAndRegister(ws, name, connectorId, { protocol: { version: 1, features } });
  return FakeConnector.connect(ws, key);
}

describe('connector.task.new and connector.task.update', () => {
  it('creates a task, then shallow-merges updates into its data', async () => {
    const connector = await online('tasks-basic', '1', [], true);
    // §4: a connector that negotiated nothing gets the bare id string, as from a v1 workspace.
    const id = await connector.request('connector.task.new', { name: 'New deal', a: { amount: 5, owner: { id: 1 } } });
    expect(id).toMatch(/^[a-z2-7]{15}$/);
    expect(await connector.request('connector.task.update', { id, a: { owner: { id: 2 }, stage: 'won' } })).toEqual({
      ok: true,
    });
    const task = await ws.store.getTask(id);
    expect(task).toMatchObject({
      name: 'New deal',
      connector: 'tasks-basic',
      status: 'open',
      data: { amount: 5, owner: { id: 2 }, stage: 'won' },
    });
    await connector.close();
  });

  it('takes the id of task.update as a string or as the {id} object the richer answer gave (§4)', async () => {
    const connector = await online('tasks-id-forms', '21', [Feature.idempotencyKeys]);
    const created = await connector.request('connector.task.new', { name: 'forms', a: { n: 0 } });
    expect(created).toEqual({ id: expect.stringMatching(/^[a-z2-7]{15}$/), created: true });
    expect(await connector.request('connector.task.update', { id: created, a: { n: 1 } })).toEqual({ ok: true });
    expect(await connector.request('connector.task.update', { id: created.id, a: { m: 2 } })).toEqual({ ok: true });
    expect((await ws.store.getTask(created.id))?.data).toEqual({ n: 1, m: 2 });
    for (const id of [{}, { id: 5 }, 7, '', null, ['x']]) {
      expect(await connector.request('connector.task.update', { id, a: {} })).toMatchObject({
        code: 'BAD_REQUEST',
        error: expect.stringContaining('"id" must be the task id'),
      });
    }
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
    const id: string = await owner.request('connector.task.new', { name: 'mine', a: { v: 1 } });
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
    // Negotiated (§8): the object form says which request made the task and which found it.
    expect(answers.filter((a: { created: boolean }) => a.created === true)).toHaveLength(1);
    expect(answers.filter((a: { created: boolean }) => a.created === false)).toHaveLength(49);
    expect(await ws.store.listTasks({ connector: 'tasks-idempotent' })).toHaveLength(1);
    await connector.close();
  });

  it('ignores idempotency keys when the feature was not negotiated', async () => {
    const connector = await online('tasks-v1', '7', [], true);
    const first = await connector.request('connector.task.new', { name: 'a', a: {}, idempotencyKey: 'same' });
    const second = await connector.request('connector.task.new', { name: 'b', a: {}, idempotencyKey: 'same' });
    expect(first).toMatch(/^[a-z2-7]{15}$/);
    expect(second).toMatch(/^[a-z2-7]{15}$/);
    expect(first).not.toBe(second);
    await connector.close();
  });

  it('leaves Object.prototype alone when task data carries __proto__', async () => {
    const connector = await online('tasks-proto', '8');
    connector.socket.send('{"p":[{"id":"1","c":"_req-p","m":"connector.task.new","a":{"name":"p","a":{"__proto__":{"polluted":true}}}}]}');
    await vi.waitFor(() => expect(connector.received.some((p) => p.c === '_req-p')).toBe(true));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const id = connector.received.find((p) => p.c === '_req-p')!.a as string;
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

  it("checks the sender's size against the content, and stores the content's own size when none is given", async () => {
    const connector = await online('blobs-size', 'b11');
    const content = Buffer.from('twelve bytes').toString('base64');
    const wrong = await connector.request('connector.blob.create', { content, size: 100, name: 'cut.txt' });
    expect(wrong).toMatchObject({ code: 'BAD_REQUEST', error: expect.stringContaining('"size" says 100 bytes but "content" holds 12') });
    expect(await connector.request('connector.blob.create', { content, size: -1 })).toMatchObject({ code: 'BAD_REQUEST' });
    const { id } = await connector.request('connector.blob.create', { content, size: 12 });
    expect(await connector.request('connector.blob.get', { id })).toMatchObject({ size: 12 });
    // URL-safe, unpadded base64 (as some senders write it) is stored in the standard form.
    const { id: urlSafe } = await connector.request('connector.blob.create', { content: Buffer.from([0xfb, 0xff]).toString('base64url') });
    expect(await connector.request('connector.blob.get', { id: urlSafe })).toMatchObject({ size: 2 });
    expect(await connector.request('connector.blob.get-content', { id: urlSafe })).toEqual({ content: '+/8=' });
    await connector.close();
  });

  it('refuses a blob over maxBlobBytes with BLOB_TOO_LARGE naming the limit', async () => {
    const connector = await online('blobs-limit', 'b12');
    const answer = await connector.request('connector.blob.create', { content: Buffer.alloc(1001).toString('base64'), name: 'big' });
    expect(answer).toMatchObject({ code: 'BLOB_TOO_LARGE', details: { size: 1001, limit: 1000 } });
    expect(answer.error).toContain("more than this workspace's limit of 1000 bytes");
    expect(await connector.request('connector.blob.create', { content: Buffer.alloc(1000).toString('base64') })).toMatchObject({
      id: expect.any(String),
    });
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

describe('error answers (§3, §8)', () => {
  it('sends a v1 connector only {"error": text}: no code, details or retryable it did not negotiate', async () => {
    const connector = await online('errors-v1', 'e1', [], true);
    const unknownTask = await connector.request('connector.task.update', { id: 'nope', a: {} });
    expect(unknownTask).toEqual({ error: expect.stringContaining('has no task "nope"') });
    expect(await connector.request('connector.task.new', { a: {} })).toEqual({ error: expect.stringContaining('"name"') });
    const big = await connector.request('connector.blob.create', { content: Buffer.alloc(1001).toString('base64') });
    expect(big).toEqual({ error: expect.stringContaining("more than this workspace's limit of 1000 bytes") });
    expect(await connector.request('connector.teleport', {})).toEqual({
      error: expect.stringContaining('unknown method "connector.teleport"'),
    });
    connector.socket.send(JSON.stringify({ p: [{ id: 7, c: '_req-bad', m: 'connector.task.new' }] }));
    expect((await connector.waitFor((p) => p.c === '_req-bad')).a).toEqual({ error: '"id" must be a string' });
    await connector.close();
  });

  it('sends code, details and retryable to a connector that negotiated structured errors', async () => {
    const connector = await online('errors-structured', 'e2');
    expect(await connector.request('connector.task.update', { id: 'nope', a: {} })).toEqual({
      error: expect.stringContaining('has no task "nope"'),
      code: 'NOT_FOUND',
      retryable: false,
    });
    expect(await connector.request('connector.blob.create', { content: Buffer.alloc(1001).toString('base64') })).toEqual({
      error: expect.stringContaining('limit of 1000 bytes'),
      code: 'BLOB_TOO_LARGE',
      details: { size: 1001, limit: 1000 },
      retryable: false,
    });
    expect(await connector.request('connector.teleport', {})).toMatchObject({ code: 'METHOD_NOT_FOUND', retryable: false });
    connector.socket.send(JSON.stringify({ p: [{ id: 7, c: '_req-bad', m: 'connector.task.new' }] }));
    expect((await connector.waitFor((p) => p.c === '_req-bad')).a).toEqual({
      error: '"id" must be a string',
      code: 'BAD_REQUEST',
      retryable: false,
    });
    await connector.close();
  });
});
