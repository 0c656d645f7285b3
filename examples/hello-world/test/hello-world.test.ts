import { describe, expect, expectTypeOf, it } from 'vitest';
import { createTestHarness } from '@connector-kit/sdk/testing';
import connector from '../src/index.js';

describe('hello-world', () => {
  it('greets with the default word and name', async () => {
    const harness = createTestHarness(connector);
    await expect(harness.call('hello', {})).resolves.toEqual({ message: 'Hello, world' });
  });

  it('uses the configured greeting', async () => {
    const harness = createTestHarness(connector, { config: { greeting: 'Howdy' } });
    const result = await harness.call('hello', { name: 'Ada' });
    expectTypeOf(result).toEqualTypeOf<{ message: string }>();
    expect(result).toEqual({ message: 'Howdy, Ada' });
  });

  it('rejects an empty name with INPUT_INVALID', async () => {
    const harness = createTestHarness(connector);
    await expect(harness.call('hello', { name: '' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });

  it('files a reminder task and returns its id', async () => {
    const harness = createTestHarness(connector);
    const { taskId } = await harness.call('tasks.remind', { title: 'Water the plants', due: '2026-12-01' });
    expect(harness.tasks).toEqual([{ id: taskId, name: 'reminder', data: { title: 'Water the plants', due: '2026-12-01' } }]);
  });

  it('rejects a due date that is not YYYY-MM-DD', async () => {
    const harness = createTestHarness(connector);
    await expect(harness.call('tasks.remind', { title: 'x', due: 'tomorrow' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(harness.tasks).toEqual([]);
  });
});
