/**
 * End to end (issue 14 item 5): the class-style example (examples/hello-controller) as a real
 * process under `connector start`, through the real workspace over 127.0.0.1: it registers, is
 * introspected with the descriptions and schemas `connector build` read from the class's JSDoc and
 * types, checks and answers calls, files a task, stores a blob, autocompletes and takes endpoint data.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Workspace } from '@connector-kit/workspace';
import {
  ROOT,
  admin,
  onlineInstances,
  runWorkspaceCli,
  startConnector,
  startTestWorkspace,
  tempDir,
  type ConnectorProcess,
} from './helpers.js';

const DIR = join(ROOT, 'examples/hello-controller');

describe('the class-style example end to end', () => {
  const dir = tempDir();
  let ws: Workspace;
  let connector: ConnectorProcess;
  const call = (method: string, args: unknown) =>
    admin(ws, 'POST', 'connectors/hello-controller/call', { method, args, timeoutMs: 20_000 });

  beforeAll(async () => {
    ws = await startTestWorkspace(dir.path);
    const added = await admin(ws, 'POST', 'connectors', { name: 'hello-controller', connectorId: 'hello-controller' });
    expect(added.status).toBe(201);
    connector = startConnector(DIR, ws, { REGISTRATION_TOKEN: added.body.registrationToken, HOSTNAME: 'controller-e2e' });
    await vi.waitFor(async () => expect(await onlineInstances(ws, 'hello-controller')).toHaveLength(1), { timeout: 30_000, interval: 100 });
  }, 60_000);

  afterAll(async () => {
    await connector?.stop();
    await ws?.close();
    dir.remove();
  });

  it('registers with the methods of the class and answers introspection', async () => {
    const shown = await runWorkspaceCli(ws, ['connector', 'show', 'hello-controller']);
    expect(shown.code, shown.output).toBe(0);
    for (const name of ['hello(', 'remind(', 'saveNote(', 'readNote(', '__autocomplete(']) expect(shown.stdout).toContain(name);
    expect(shown.stdout).not.toMatch(/\bstart\(|newTask\(|endpoint\(/);
    expect(shown.stdout).toMatch(/Endpoint: POST \S+\/endpoint\/hello-controller\//);
    const introspected = (await ws.hub.request('hello-controller', 'connector.introspect', {})) as { introspect: string };
    expect(introspected.introspect).toContain('declare function hello(');
  });

  it('is introspected with the JSDoc and types of the class (issue 14 item 5)', async () => {
    const introspected = (await ws.hub.request('hello-controller', 'connector.introspect', {})) as { introspect: string };
    const text = introspected.introspect;
    expect(text).toContain(
      [
        '/**',
        ' * Say hello to someone, with the configured greeting.',
        ' * @param args',
        ' * @param [args.name] - Who to greet (default: "world")',
        ' */',
        'declare function hello(args: { name?: string; }): Promise<{ message: string; }>;',
      ].join('\n'),
    );
    // An interface of the project, its members' JSDoc as the arguments' descriptions.
    expect(text).toContain('@param args.title - What to be reminded of.');
    expect(text).toContain('declare function remind(args: { title: string; due?: string; }): Promise<{ taskId: string; }>;');
    expect(text).toContain('declare function saveNote(args: { text: string; }): Promise<{ blobId: string; size: number; }>;');
    const { body } = await admin(ws, 'GET', 'connectors/hello-controller');
    expect(JSON.stringify(body)).toContain('File a reminder task in the workspace and answer its id.');
  });

  it('checks arguments against the types of the class, with the defaults applied', async () => {
    expect((await call('hello', {})).body).toEqual({ result: { message: 'Hello, world' } });
    const { status, body } = await call('remind', { title: 42 });
    expect(status).toBe(422);
    expect(body.error.code).toBe('INPUT_INVALID');
    expect(body.error.details).toEqual([expect.objectContaining({ path: ['title'], code: 'invalid_type' })]);
    expect((await call('readNote', {})).body.error).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('blobId') });
  });

  it('answers calls with this.config, files a task and stores a blob', async () => {
    expect((await call('hello', { name: 'Ada' })).body).toEqual({ result: { message: 'Hello, Ada' } });
    const { body } = await call('remind', { title: 'Water the plants' });
    expect(await ws.store.getTask(body.result.taskId)).toMatchObject({ name: 'reminder', data: { title: 'Water the plants' } });
    const saved = await call('saveNote', { text: 'Grüße' });
    expect(saved.body.result.size).toBe(Buffer.byteLength('Grüße'));
    expect((await call('readNote', { blobId: saved.body.result.blobId })).body).toEqual({ result: { text: 'Grüße' } });
  });

  it('autocompletes and makes a task of data posted to its endpoint', async () => {
    expect((await call('__autocomplete', { entity: 'reminder' })).body).toEqual({ result: { __autocomplete: ['title', 'due'] } });
    const { body } = await admin(ws, 'GET', 'connectors/hello-controller/endpoint');
    const posted = await fetch(body.endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"From the shop"}',
    });
    expect(posted.status).toBe(200);
    const { taskId } = (await posted.json()) as { taskId: string };
    expect((await ws.store.getTask(taskId))?.data).toEqual({ title: 'From the shop' });
  });
});
