import { describe, expect, it } from 'vitest';
import { ConnectorError, RemoteError } from '../../src/index.js';
import { PendingRequests } from '../../src/transport/pending.js';
import { manualTimers } from '../support/timers.js';

async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  const e = error as ConnectorError;
  return { class: e.constructor.name, code: e.code, message: e.message, retryable: e.retryable, details: e.details };
}

describe('PendingRequests', () => {
  it('resolves a request with its answer and forgets it', async () => {
    const timers = manualTimers();
    const pending = new PendingRequests(timers);
    const answer = pending.add('_req-1', 'connector.task.new', 1_000);
    expect(pending.size).toBe(1);
    expect(pending.settle('_req-1', { id: 'task-1' })).toBe(true);
    await expect(answer).resolves.toEqual({ id: 'task-1' });
    expect(pending.size).toBe(0);
    expect(timers.scheduled).toBe(0);
  });

  it('returns false for an unknown or late callback id', () => {
    const pending = new PendingRequests(manualTimers());
    expect(pending.settle('_req-404', {})).toBe(false);
  });

  it('rejects an error answer as a RemoteError with its code', async () => {
    const pending = new PendingRequests(manualTimers());
    const answer = pending.add('_req-1', 'connector.task.new', 1_000);
    pending.settle('_req-1', { error: 'name is required', code: 'INPUT_INVALID', details: [{ path: ['name'] }], retryable: false });
    expect(await rejection(answer)).toMatchInlineSnapshot(`
      {
        "class": "RemoteError",
        "code": "INPUT_INVALID",
        "details": [
          {
            "path": [
              "name",
            ],
          },
        ],
        "message": "connector.task.new failed: name is required",
        "retryable": false,
      }
    `);
  });

  it('gives a v1 error answer without a code the code WORKSPACE_ERROR', async () => {
    const pending = new PendingRequests(manualTimers());
    const answer = pending.add('_req-1', 'connector.blob.get', 1_000);
    pending.settle('_req-1', { error: 'not found' });
    await expect(answer).rejects.toBeInstanceOf(RemoteError);
    expect((await rejection(answer)).code).toBe('WORKSPACE_ERROR');
  });

  it("rejects an answer that carries its error only in the packet's e (errorFromAnswer, §3)", async () => {
    const pending = new PendingRequests(manualTimers());
    const answer = pending.add('_req-1', 'connector.blob.get', 1_000);
    pending.settle('_req-1', undefined, 'no such blob');
    expect(await rejection(answer)).toMatchObject({
      class: 'RemoteError',
      code: 'WORKSPACE_ERROR',
      message: 'connector.blob.get failed: no such blob',
    });
  });

  it('resolves an answer without `a` to an empty object', async () => {
    const pending = new PendingRequests(manualTimers());
    const answer = pending.add('_req-1', 'connector.task.update', 1_000);
    pending.settle('_req-1', undefined);
    await expect(answer).resolves.toEqual({});
  });

  it('times a request out with TIMEOUT and leaves the table empty', async () => {
    const timers = manualTimers();
    const pending = new PendingRequests(timers);
    const answer = pending.add('_req-1', 'connector.task.new', 300_000);
    timers.advance(299_999);
    expect(pending.size).toBe(1);
    timers.advance(1);
    expect(pending.size).toBe(0);
    expect(await rejection(answer)).toMatchInlineSnapshot(`
      {
        "class": "ConnectorError",
        "code": "TIMEOUT",
        "details": undefined,
        "message": "no answer to connector.task.new within 300000 ms",
        "retryable": true,
      }
    `);
    // A late answer finds nothing.
    expect(pending.settle('_req-1', { id: 'late' })).toBe(false);
  });

  it('fails every request on failAll and clears their timers', async () => {
    const timers = manualTimers();
    const pending = new PendingRequests(timers);
    const answers = [pending.add('_req-1', 'a', 1_000), pending.add('_req-2', 'b', 1_000)];
    pending.failAll((m) => new ConnectorError('CONNECTION_LOST', `lost ${m}`, { retryable: true }));
    expect(pending.size).toBe(0);
    expect(timers.scheduled).toBe(0);
    expect(await Promise.all(answers.map(rejection))).toEqual([
      { class: 'ConnectorError', code: 'CONNECTION_LOST', message: 'lost a', retryable: true, details: undefined },
      { class: 'ConnectorError', code: 'CONNECTION_LOST', message: 'lost b', retryable: true, details: undefined },
    ]);
  });
});
