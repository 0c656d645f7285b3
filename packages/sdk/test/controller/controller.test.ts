import { describe, expect, it } from 'vitest';
import { Controller, controllerMethods, defineController } from '../../src/controller/index.js';
import { buildManifest, field } from '../../src/index.js';
import { createTestHarness } from '../../src/testing/index.js';

class Base extends Controller<{ greeting?: string }> {
  started = 0;
  stopped: boolean[] = [];

  protected override start(): void {
    this.started += 1;
  }

  protected override stop(isShutdown?: boolean): void {
    this.stopped.push(isShutdown === true);
  }

  async hello({ name = 'world' }: { name?: string }) {
    return { message: `${this.config.greeting ?? 'Hello'}, ${name}`, starts: this.started };
  }
}

/** An ALOMA-style controller: tasks, blobs, autocomplete, fallback, endpoint. */
class Crm extends Base {
  async remind({ title }: { title: string }) {
    const id = await this.newTask('reminder', { title });
    await this.updateTask(id, { seen: 'method' in this.context ? this.context.method : null });
    return { id };
  }

  async saveNote({ text }: { text: string }) {
    const id = await this.createBlob({ content: Buffer.from(text).toString('base64'), name: 'note.txt', size: Buffer.byteLength(text) });
    return { id, info: await this.getBlob(id), base64: await this.getBlobContent(id) };
  }

  _internal() {
    return 'never a method';
  }

  protected autocomplete(arg: { entity: string }) {
    return [`${arg.entity}.amount`];
  }

  protected fallback(arg: { __method: string }) {
    return { fellBack: arg.__method };
  }

  protected endpoint(data: Record<string, unknown>) {
    return this.newTask('posted', data);
  }
}

const connector = defineController(Crm, {
  name: 'CRM',
  config: { greeting: field.line({ label: 'Greeting', optional: true, plain: true }) },
  descriptions: { hello: 'Say hello' },
});

describe('defineController', () => {
  it('takes the public methods of the class and its parents, never hooks, helpers or _names', () => {
    expect(controllerMethods(Crm)).toEqual(['remind', 'saveNote', 'hello']);
    const manifest = buildManifest(connector);
    expect(manifest.introspect).toContain('declare function hello(');
    expect(manifest.introspect).toContain('Say hello');
    expect(manifest.introspect).toContain('declare function __autocomplete(');
    expect(manifest.configSchema.fields).toHaveProperty('_endpointToken');
  });

  it('runs methods on one instance per config, with this.config, tasks and blobs', async () => {
    const harness = createTestHarness(connector, { config: { greeting: 'Hi' } });
    await harness.start();
    expect(await harness.call('hello', { name: 'Ada' })).toEqual({ message: 'Hi, Ada', starts: 1 });
    expect(await harness.call('remind', { title: 'Call back' })).toEqual({ id: 'task-1' });
    expect(harness.tasks[0]).toMatchObject({ name: 'reminder', data: { title: 'Call back', seen: 'remind' } });
    const saved = (await harness.call('saveNote', { text: 'hi there' })) as { base64: string; info: { size: number } };
    expect(saved.info.size).toBe(8);
    expect(Buffer.from(saved.base64, 'base64').toString()).toBe('hi there');
    expect(harness.blobs[0]).toMatchObject({ name: 'note.txt' });
    // `_internal` is no method: the query reaches the fallback instead.
    expect(await harness.call('_internal' as never)).toEqual({ fellBack: '_internal' });
  });

  it('maps autocomplete, fallback and endpoint to their hooks', async () => {
    const harness = createTestHarness(connector);
    expect(await harness.autocomplete('deal')).toEqual(['deal.amount']);
    expect(await harness.query('crm.nothing', {})).toMatchObject({ ok: true, value: { fellBack: 'crm.nothing' } });
    expect(await harness.endpoint({ order: 1 })).toBe('task-1');
  });

  it('starts a fresh instance for each config and stops the old one', async () => {
    const harness = createTestHarness(connector);
    await harness.start();
    await harness.stop();
    await harness.start();
    expect(await harness.call('hello', {})).toMatchObject({ starts: 1 });
  });

  it('refuses base64 content that is not base64, and a size that does not match', async () => {
    class Bad extends Controller {
      async notBase64() {
        return this.createBlob({ content: 'not base64!' });
      }
      async wrongSize() {
        return this.createBlob({ content: 'aGk=', size: 5 });
      }
    }
    const harness = createTestHarness(defineController(Bad, { name: 'Bad' }));
    await expect(harness.call('notBase64')).rejects.toMatchObject({ code: 'BLOB_INVALID' });
    await expect(harness.call('wrongSize')).rejects.toMatchObject({ code: 'BLOB_INVALID', message: expect.stringContaining('holds 2') });
  });
});
