import { describe, expect, it } from 'vitest';
import { ConnectorError, RemoteError } from '../../src/index.js';
import { createTaskApi, type RequestSender } from '../../src/runtime/tasks.js';

/** A scripted sender: each request takes the next scripted outcome. */
function sender(features: string[], outcomes: unknown[]) {
  const sent: Array<{ m: string; a: Record<string, unknown> }> = [];
  const link: RequestSender = {
    features: new Set(features),
    request: (m, a) => {
      sent.push({ m, a });
      const next = outcomes.shift();
      if (next === undefined) return Promise.reject(new Error('unscripted request'));
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
  };
  return { link, sent };
}

const lost = () => new ConnectorError('CONNECTION_LOST', 'the workspace link dropped', { retryable: true });

describe('createTaskApi', () => {
  it('sends the task again with the same idempotency key after CONNECTION_LOST when the workspace supports keys', async () => {
    const { link, sent } = sender(['idempotency-keys'], [lost(), { id: 'task-1' }]);
    await expect(createTaskApi(link).create('todo', { t: 1 })).resolves.toBe('task-1');
    expect(sent).toHaveLength(2);
    expect(sent[0]).toEqual(sent[1]);
    expect(sent[0]?.a.idempotencyKey).toEqual(expect.any(String));
  });

  it('uses the caller’s idempotency key', async () => {
    const { link, sent } = sender(['idempotency-keys'], [{ id: 'task-1' }]);
    await createTaskApi(link).create('todo', {}, { idempotencyKey: 'order-42' });
    expect(sent[0]?.a).toEqual({ name: 'todo', a: {}, idempotencyKey: 'order-42' });
  });

  it('never sends a task twice to a workspace without idempotency keys', async () => {
    const { link, sent } = sender([], [lost(), { id: 'task-1' }]);
    await expect(createTaskApi(link).create('todo', {})).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
    expect(sent).toEqual([{ m: 'connector.task.new', a: { name: 'todo', a: {} } }]);
  });

  it('does not repeat a request the workspace answered with an error', async () => {
    const { link, sent } = sender(['idempotency-keys'], [new RemoteError('INPUT_INVALID', 'bad')]);
    await expect(createTaskApi(link).create('todo', {})).rejects.toBeInstanceOf(RemoteError);
    expect(sent).toHaveLength(1);
  });

  it('takes a bare id string as the answer, as v1 workspaces send it (§3/§4)', async () => {
    const { link, sent } = sender([], ['6f1c2a']);
    await expect(createTaskApi(link).create('todo', {})).resolves.toBe('6f1c2a');
    expect(sent).toEqual([{ m: 'connector.task.new', a: { name: 'todo', a: {} } }]);
  });

  it('fails with BAD_ANSWER for an answer that is no id: empty string, number, null, array', async () => {
    for (const answer of ['', 7, null, ['t1'], { id: '' }, { id: 3 }]) {
      const { link } = sender([], [answer]);
      await expect(createTaskApi(link).create('todo', {})).rejects.toMatchObject({ code: 'BAD_ANSWER' });
    }
  });

  it('fails with BAD_ANSWER when the answer has no task id', async () => {
    const { link } = sender([], [{}]);
    await expect(createTaskApi(link).create('todo', {})).rejects.toMatchObject({
      code: 'BAD_ANSWER',
      message: 'the workspace answered connector.task.new without a task id',
    });
  });

  it('updates a task with connector.task.update', async () => {
    const { link, sent } = sender([], [{}]);
    await createTaskApi(link).update('task-1', { done: true });
    expect(sent).toEqual([{ m: 'connector.task.update', a: { id: 'task-1', a: { done: true } } }]);
  });
});
