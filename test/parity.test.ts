/**
 * End to end (issue 14): what ALOMA connectors use, through the real workspace and a real
 * connector process over 127.0.0.1. Blobs (item 4) are created and read, and refused past the
 * limits with BLOB_TOO_LARGE naming the limit while the link stays up; autocomplete (item 3)
 * answers `__autocomplete` and shows in the manifest; the endpoint (item 2) takes a POST to
 * its URL and makes a task, refuses what webhooks refuse, and its token rotates.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Workspace } from '@connector-kit/workspace';
import { admin, backends, onlineInstances, runWorkspaceCli, startTestWorkspace, tempDir, type ConnectorProcess } from './helpers.js';
import { spawnParity, addParityConnector, workspaceEnv } from './parity-helpers.js';

const WORKSPACE_LIMIT = 64 * 1024;

describe.each(backends())('ALOMA parity end to end on $name', (backend) => {
  const dir = tempDir();
  let ws: Workspace;
  let connector: ConnectorProcess;
  let instanceId: string;

  const call = (method: string, args: unknown) => admin(ws, 'POST', 'connectors/parity/call', { method, args, timeoutMs: 20_000 });

  beforeAll(async () => {
    ws = await startTestWorkspace(dir.path, { ...backend.options(dir.path), maxBlobBytes: WORKSPACE_LIMIT });
    const token = await addParityConnector(ws, 'parity');
    connector = spawnParity(workspaceEnv(ws, token, 'parity-blobs'));
    await vi.waitFor(async () => expect(await onlineInstances(ws, 'parity')).toHaveLength(1), { timeout: 30_000, interval: 100 });
    instanceId = (await onlineInstances(ws, 'parity'))[0].id;
  }, 60_000);

  afterAll(async () => {
    await connector?.stop();
    await ws?.close();
    dir.remove();
  });

  it('creates a blob of a task and reads its metadata and content back', async () => {
    const task = await ws.store.createTask({ connector: 'parity', instance: null, name: 'invoice', data: {} });
    const text = 'Grüße, Blob ✓\n'.repeat(100);
    const saved = (await ws.hub.call('parity', 'files.save', { text, name: 'greeting.txt' }, { taskId: task.id })) as { id: string };
    expect(saved.id).toEqual(expect.any(String));
    // What the workspace stored: the content's own size, the metadata and the task.
    expect(await ws.store.getBlob('parity', saved.id)).toMatchObject({
      name: 'greeting.txt',
      size: Buffer.byteLength(text),
      mimetype: 'text/plain',
      meta: { by: 'files.save' },
      taskId: task.id,
    });
    const { status, body } = await call('files.read', { id: saved.id });
    expect(status).toBe(200);
    expect(body.result.text).toBe(text);
    expect(body.result.info).toMatchObject({ id: saved.id, size: Buffer.byteLength(text), name: 'greeting.txt', taskId: task.id });
  });

  it("answers a read of another connector's or a missing blob with NOT_FOUND", async () => {
    await addParityConnector(ws, 'someone-else');
    const foreign = await ws.store.createBlob({ connector: 'someone-else', content: Buffer.from('x').toString('base64') });
    for (const id of [foreign.id, 'missing']) {
      const { status, body } = await call('files.read', { id });
      expect(status, id).toBeGreaterThanOrEqual(400);
      expect(body.error.code, id).toBe('NOT_FOUND');
    }
  });

  it("refuses a blob over the workspace's limit with BLOB_TOO_LARGE naming the limit", async () => {
    const ok = await call('files.save', { bytes: WORKSPACE_LIMIT });
    expect(ok.status).toBe(200);
    const { status, body } = await call('files.save', { bytes: WORKSPACE_LIMIT + 1 });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(body.error.code).toBe('BLOB_TOO_LARGE');
    expect(body.error.message).toContain(`limit of ${WORKSPACE_LIMIT} bytes`);
  });

  it('refuses a blob over one frame in the connector, before sending, and the link stays up', async () => {
    const { status, body } = await call('files.save', { bytes: 7 * 1024 * 1024, name: 'huge.bin' });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(body.error.code).toBe('BLOB_TOO_LARGE');
    expect(body.error.message).toMatch(/is 7340032 bytes, more than the \d+ bytes one frame to the workspace can carry/);
    // Nothing over the frame limit went out: the socket (1009 would close it) still serves, same instance.
    expect((await call('files.save', { text: 'still here' })).status).toBe(200);
    expect((await onlineInstances(ws, 'parity')).map((i) => i.id)).toEqual([instanceId]);
  });

  it('answers __autocomplete through the workspace with the suggestions of the hook', async () => {
    expect(await call('__autocomplete', { entity: 'deal' })).toEqual({
      status: 200,
      body: { result: { __autocomplete: [{ value: 'amount', type: 'number' }, { value: 'stage', label: 'Stage' }, 'owner'] } },
    });
    expect((await call('__autocomplete', { entity: 'lead' })).body).toEqual({ result: { __autocomplete: [] } });
  });

  it('answers __autocomplete without an entity with INPUT_INVALID, and a failing hook with its message', async () => {
    const missing = await call('__autocomplete', {});
    expect(missing.status).toBe(422);
    expect(missing.body.error).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('"entity"') });
    const broken = await call('__autocomplete', { entity: 'broken' });
    expect(broken.body.error).toMatchObject({ code: 'HANDLER_FAILED', message: 'the attribute list of "broken" cannot be read' });
  });

  it('shows __autocomplete among the methods of `workspace connector show`', async () => {
    const shown = await runWorkspaceCli(ws, ['connector', 'show', 'parity']);
    expect(shown.code, shown.output).toBe(0);
    expect(shown.stdout).toContain('__autocomplete(args: { entity: string; })');
    expect(shown.stdout).toContain('Suggestions for the fields of an entity');
  });

  describe('the endpoint (§7)', () => {
    let url: string;
    const post = (target: string, body: string | Buffer, type = 'application/json', method = 'POST') =>
      fetch(target, { method, headers: { 'content-type': type }, body: method === 'GET' ? undefined : body }).then(async (r) => ({
        status: r.status,
        body: (await r.json().catch(() => null)) as any,
      }));

    beforeAll(async () => {
      const shown = await runWorkspaceCli(ws, ['connector', 'show', 'parity']);
      expect(shown.code, shown.output).toBe(0);
      const match = /Endpoint: POST (\S+)/.exec(shown.stdout);
      expect(match, shown.stdout).not.toBeNull();
      url = match![1]!;
      expect(url).toMatch(new RegExp(`^${ws.url}endpoint/parity/[A-Za-z0-9_-]{32}$`));
    });

    it('makes a task of a JSON or form POST to the URL, through the handler, and answers what it returned', async () => {
      const json = await post(url, JSON.stringify({ orderId: 'o-17', total: 12.5 }));
      expect(json.status).toBe(200);
      expect(await ws.store.getTask(json.body.task)).toMatchObject({
        connector: 'parity',
        name: 'Posted o-17',
        data: { orderId: 'o-17', total: 12.5 },
      });
      // The connector holds the same token: the workspace sent it in set-config.
      expect(url.endsWith(`/${json.body.token}`)).toBe(true);
      const form = await post(url, 'orderId=o-18&note=a+b', 'application/x-www-form-urlencoded');
      expect(form.status).toBe(200);
      expect((await ws.store.getTask(form.body.task))?.data).toEqual({ orderId: 'o-18', note: 'a b' });
    });

    it('answers a wrong token, an unknown connector and a GET without reaching the connector', async () => {
      const before = (await ws.store.listTasks({ connector: 'parity' })).length;
      const wrong = url.replace(/[^/]+$/, 'A'.repeat(32));
      expect(await post(wrong, '{}')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
      expect(await post(url.replace('/parity/', '/nobody/'), '{}')).toMatchObject({ status: 404 });
      expect(await post(`${ws.url}endpoint/parity`, '{}')).toMatchObject({ status: 404 });
      expect(await post(url, '', 'application/json', 'GET')).toMatchObject({ status: 405 });
      expect((await ws.store.listTasks({ connector: 'parity' })).length).toBe(before);
    });

    it('refuses bodies as webhooks do: too large, not JSON, not an object, another media type', async () => {
      const big = JSON.stringify({ blob: 'x'.repeat(1024 * 1024) });
      expect(await post(url, big)).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
      expect(await post(url, '{"orderId":')).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
      expect(await post(url, '[1,2]')).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('JSON object') } } });
      expect(await post(url, 'hello', 'text/plain')).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
    });

    it("answers the handler's failure with its code", async () => {
      const failed = await post(url, JSON.stringify({ fail: 'out of stock' }));
      expect(failed).toMatchObject({
        status: 502,
        body: { error: { code: 'ORDER_REFUSED', message: expect.stringContaining('out of stock') } },
      });
    });

    it('rotates the token: the old URL stops working at once, the new one works and reaches the connector', async () => {
      const rotated = await runWorkspaceCli(ws, ['connector', 'endpoint', 'parity', '--rotate']);
      expect(rotated.code, rotated.output).toBe(0);
      const fresh = /POST (\S+)/.exec(rotated.stdout)![1]!;
      expect(fresh).not.toBe(url);
      expect(await post(url, '{}')).toMatchObject({ status: 404 });
      const token = fresh.split('/').at(-1);
      // The new set-config reaches the connector shortly after.
      await vi.waitFor(async () => expect((await post(fresh, JSON.stringify({ orderId: 'o-19' }))).body.token).toBe(token), {
        timeout: 10_000,
      });
      const shown = await runWorkspaceCli(ws, ['connector', 'endpoint', 'parity', '--json']);
      expect(JSON.parse(shown.stdout)).toEqual({ endpoint: { url: fresh } });
      url = fresh;
    });
  });
});
