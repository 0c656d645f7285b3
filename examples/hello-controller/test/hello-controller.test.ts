import { describe, expect, it } from 'vitest';
import { createTestHarness } from '@connector-kit/sdk/testing';
import connector from '../src/index.js';

describe('hello-controller', () => {
  it('greets with the configured word', async () => {
    expect(await createTestHarness(connector).call('hello', {})).toEqual({ message: 'Hello, world' });
    expect(await createTestHarness(connector, { config: { greeting: 'Howdy' } }).call('hello', { name: 'Ada' })).toEqual({
      message: 'Howdy, Ada',
    });
  });

  it('files a reminder task, and refuses one without a title', async () => {
    const harness = createTestHarness(connector);
    const { taskId } = (await harness.call('remind', { title: 'Water the plants' })) as { taskId: string };
    expect(harness.tasks).toEqual([{ id: taskId, name: 'reminder', data: { title: 'Water the plants' } }]);
    await expect(harness.call('remind', {})).rejects.toMatchObject({ code: 'HANDLER_FAILED', message: 'remind needs a title' });
  });

  it('stores a note and reads it back', async () => {
    const harness = createTestHarness(connector);
    const saved = (await harness.call('saveNote', { text: 'héllo' })) as { blobId: string; size: number };
    expect(saved.size).toBe(6);
    expect(await harness.call('readNote', { blobId: saved.blobId })).toEqual({ text: 'héllo' });
  });

  it('suggests reminder fields and makes a task of posted data', async () => {
    const harness = createTestHarness(connector);
    expect(await harness.autocomplete('reminder')).toEqual(['title', 'due']);
    expect(await harness.endpoint({ title: 'From the shop' })).toEqual({ taskId: 'task-1' });
    expect(harness.tasks[0]?.data).toEqual({ title: 'From the shop' });
  });
});
