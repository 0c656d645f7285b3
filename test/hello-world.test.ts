/**
 * End to end: the real workspace and the real hello-world connector process over 127.0.0.1,
 * on every store backend.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Workspace } from '@connector-kit/workspace';
import {
  HELLO_DIR,
  admin,
  backends,
  onlineInstances,
  runWorkspaceCli,
  startConnector,
  startTestWorkspace,
  tempDir,
  type ConnectorProcess,
} from './helpers.js';

describe.each(backends())('hello-world end to end on $name', (backend) => {
  const dir = tempDir();
  const storeOptions = backend.options(dir.path);
  let ws: Workspace;
  let connector: ConnectorProcess;
  let token: string;
  let firstInstance: string;

  const call = (method: string, args: unknown) => admin(ws, 'POST', 'connectors/hello-world/call', { method, args, timeoutMs: 10_000 });

  beforeAll(async () => {
    ws = await startTestWorkspace(dir.path, storeOptions);
    const added = await admin(ws, 'POST', 'connectors', { name: 'hello-world', connectorId: 'hello-world' });
    expect(added.status).toBe(201);
    token = added.body.registrationToken;
    connector = startConnector(HELLO_DIR, ws, { REGISTRATION_TOKEN: token, HOSTNAME: 'hello-e2e' });
    await vi.waitFor(async () => expect(await onlineInstances(ws, 'hello-world')).toHaveLength(1), { timeout: 20_000, interval: 100 });
    firstInstance = (await onlineInstances(ws, 'hello-world'))[0].id;
  });

  afterAll(async () => {
    await connector?.stop();
    await ws?.close();
    dir.remove();
  });

  it('registers and lists the instance with its version and methods', async () => {
    const [instance] = await onlineInstances(ws, 'hello-world');
    expect(instance.name).toBe('hello-e2e');
    expect(instance.version).toBe('1.0.0');
    const { body } = await admin(ws, 'GET', 'connectors');
    expect(JSON.stringify(body)).toContain('tasks.remind');
  });

  it('shows exact TypeScript signatures from the manifest', async () => {
    const { status, body } = await admin(ws, 'GET', 'connectors/hello-world');
    expect(status).toBe(200);
    const text = JSON.stringify(body);
    expect(text).toContain('declare function hello(args: { name?: string; }): Promise<{ message: string; }>;');
    expect(text).toContain('declare namespace tasks');
  });

  it('answers a call with valid input, defaults applied', async () => {
    expect(await call('hello', { name: 'Ada' })).toEqual({ status: 200, body: { result: { message: 'Hello, Ada' } } });
    expect((await call('hello', {})).body.result).toEqual({ message: 'Hello, world' });
  });

  it('answers invalid input with INPUT_INVALID and the issues', async () => {
    const { status, body } = await call('hello', { name: 42 });
    expect(status).toBe(422);
    expect(body.error.code).toBe('INPUT_INVALID');
    expect(body.error.message).toContain('name');
    expect(body.error.details).toEqual([expect.objectContaining({ path: ['name'], code: 'invalid_type' })]);
  });

  it('answers unknown and prototype names with METHOD_NOT_FOUND', async () => {
    for (const name of ['nope', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'tasks.__proto__']) {
      const { status, body } = await call(name, {});
      expect(status, name).toBe(422);
      expect(body.error.code, name).toBe('METHOD_NOT_FOUND');
    }
    expect(Object.prototype).not.toHaveProperty('polluted');
    await call('hello', JSON.parse('{"__proto__": {"polluted": true}, "name": "x"}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('applies config set through the workspace', async () => {
    const set = await admin(ws, 'PUT', 'connectors/hello-world/config', { values: { greeting: 'Howdy' } });
    expect(set.status).toBe(200);
    await vi.waitFor(async () => expect((await call('hello', { name: 'Ada' })).body.result).toEqual({ message: 'Howdy, Ada' }), {
      timeout: 5_000,
    });
  });

  it('creates a task from a method', async () => {
    const { status, body } = await call('tasks.remind', { title: 'Water the plants', due: '2026-12-01' });
    expect(status).toBe(200);
    const taskId = body.result.taskId;
    expect(typeof taskId).toBe('string');
    const task = await admin(ws, 'GET', `tasks/${encodeURIComponent(taskId)}`);
    expect(task.status).toBe(200);
    expect(JSON.stringify(task.body)).toContain('Water the plants');
    const cli = await runWorkspaceCli(ws, ['task', 'show', taskId, '--json']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('Water the plants');
  });

  it('serves again after the workspace restarts on the same port', async () => {
    const port = ws.port;
    await ws.close();
    ws = await startTestWorkspace(dir.path, { ...storeOptions, port });
    await vi.waitFor(async () => expect(await onlineInstances(ws, 'hello-world')).toHaveLength(1), { timeout: 20_000, interval: 100 });
    // Config survived the restart (it lives in the store) and was sent again on connect.
    expect((await call('hello', { name: 'Ada' })).body.result).toEqual({ message: 'Howdy, Ada' });
  });

  it('calls through the workspace CLI, with a clear error when the connector is offline', async () => {
    const ok = await runWorkspaceCli(ws, ['call', 'hello-world', 'hello', '{"name":"Grace"}']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Howdy, Grace');

    const { code } = await connector.stop('SIGTERM');
    expect(code).toBe(0);
    await vi.waitFor(async () => expect(await onlineInstances(ws, 'hello-world')).toHaveLength(0), { timeout: 10_000 });
    const offline = await runWorkspaceCli(ws, ['call', 'hello-world', 'hello']);
    expect(offline.code).not.toBe(0);
    expect(offline.stderr + offline.stdout).toMatch(/offline|not connected|no .*instance/i);
  });

  it('restarts as the same instance with the key it kept, needing no registration token', async () => {
    connector = startConnector(HELLO_DIR, ws, { HOSTNAME: 'hello-e2e' });
    await vi.waitFor(async () => expect(await onlineInstances(ws, 'hello-world')).toHaveLength(1), { timeout: 20_000, interval: 100 });
    expect((await onlineInstances(ws, 'hello-world'))[0].id).toBe(firstInstance);
    expect((await call('hello', { name: 'Ada' })).body.result).toEqual({ message: 'Howdy, Ada' });
    expect(connector.output()).not.toContain('registered with the workspace');
  });
});

describe('a connector with a rejected registration token', () => {
  it('exits non-zero naming REGISTRATION_TOKEN and the URL, without retrying forever', async () => {
    const dir = tempDir();
    const ws = await startTestWorkspace(dir.path);
    try {
      const proc = startConnector(HELLO_DIR, ws, { REGISTRATION_TOKEN: 'not-a-token' });
      const { code } = await proc.exited;
      expect(code).toBe(1);
      expect(proc.output()).toContain('REGISTRATION_TOKEN');
      expect(proc.output()).toContain(`${ws.deviceEndpoint}register`);
      expect(proc.output()).not.toContain('not-a-token');
    } finally {
      await ws.close();
      dir.remove();
    }
  });
});
