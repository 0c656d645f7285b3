import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  checkBlobContentAnswer,
  checkBlobCreateAnswer,
  checkBlobCreateArgs,
  checkBlobIdArgs,
  checkBlobMetadata,
  checkConfigUpdateArgs,
  checkTaskNewAnswer,
  checkTaskNewArgs,
  checkTaskUpdateArgs,
  readHealthCheckArgs,
  type Checked,
  type TaskNewArgs,
} from '../../src/protocol/index.js';

/** The problem of a failed check (the test fails when the check passed). */
function problemOf(result: Checked<unknown>): { member: string; message: string } {
  if (result.ok) throw new Error(`expected a problem, got ${JSON.stringify(result.value)}`);
  return result.problem;
}

describe('checkTaskNewArgs', () => {
  it('answers the name and data, {} for data left out', () => {
    const result = checkTaskNewArgs({ name: 'todo', a: { x: 1 } }, { idempotencyKeys: false });
    expect(result).toEqual({ ok: true, value: { name: 'todo', a: { x: 1 } } });
    expectTypeOf(result).toEqualTypeOf<Checked<TaskNewArgs>>();
    expect(checkTaskNewArgs({ name: 'todo', a: null }, { idempotencyKeys: false })).toEqual({ ok: true, value: { name: 'todo', a: {} } });
  });

  it('names the member that is wrong', () => {
    expect(problemOf(checkTaskNewArgs({ name: 42 }, { idempotencyKeys: false }))).toMatchInlineSnapshot(`
      {
        "member": "name",
        "message": ""name" must be a non-empty string, got 42",
      }
    `);
    expect(problemOf(checkTaskNewArgs({ name: 't', a: [1] }, { idempotencyKeys: false }))).toEqual({
      member: 'a',
      message: '"a" must be an object, got [1]',
    });
    expect(problemOf(checkTaskNewArgs('todo', { idempotencyKeys: false }))).toEqual({
      member: '',
      message: 'the value must be an object, got "todo"',
    });
  });

  it('reads idempotencyKey only where negotiated, and checks its length', () => {
    expect(checkTaskNewArgs({ name: 't', idempotencyKey: 7 }, { idempotencyKeys: false })).toEqual({
      ok: true,
      value: { name: 't', a: {} },
    });
    expect(checkTaskNewArgs({ name: 't', idempotencyKey: 'k' }, { idempotencyKeys: true })).toEqual({
      ok: true,
      value: { name: 't', a: {}, idempotencyKey: 'k' },
    });
    expect(problemOf(checkTaskNewArgs({ name: 't', idempotencyKey: 7 }, { idempotencyKeys: true })).member).toBe('idempotencyKey');
    expect(problemOf(checkTaskNewArgs({ name: 't', idempotencyKey: '' }, { idempotencyKeys: true })).message).toBe(
      '"idempotencyKey" must be 1 to 200 characters',
    );
    expect(problemOf(checkTaskNewArgs({ name: 't', idempotencyKey: 'k'.repeat(201) }, { idempotencyKeys: true })).member).toBe(
      'idempotencyKey',
    );
  });
});

describe('checkTaskNewAnswer', () => {
  it('reads the bare id (v1), {id, created} (§8) and {task}', () => {
    expect(checkTaskNewAnswer('t1')).toEqual({ ok: true, value: { id: 't1' } });
    expect(checkTaskNewAnswer({ id: 't1', created: false })).toEqual({ ok: true, value: { id: 't1', created: false } });
    expect(checkTaskNewAnswer({ task: 't2' })).toEqual({ ok: true, value: { id: 't2' } });
  });

  it.each([[''], [42], [null], [[]], [{}], [{ id: '' }]])('refuses %j', (answer) => {
    expect(problemOf(checkTaskNewAnswer(answer)).message).toContain('the answer must be the task id');
  });
});

describe('checkTaskUpdateArgs', () => {
  it('takes the id as a string or as the {id} object task.new answered', () => {
    expect(checkTaskUpdateArgs({ id: 't1', a: { done: true } })).toEqual({ ok: true, value: { id: 't1', a: { done: true } } });
    expect(checkTaskUpdateArgs({ id: { id: 't1', created: true } })).toEqual({ ok: true, value: { id: 't1', a: {} } });
  });

  it('names "id" and "a" when they are wrong', () => {
    expect(problemOf(checkTaskUpdateArgs({ id: 5 }))).toEqual({
      member: 'id',
      message: '"id" must be the task id that connector.task.new answered (a non-empty string, or {"id": string}), got 5',
    });
    expect(problemOf(checkTaskUpdateArgs({ id: 't', a: 'x' })).member).toBe('a');
  });
});

describe('checkBlobCreateArgs', () => {
  const content = Buffer.from('hello world!').toString('base64');

  it('decodes the content and keeps the metadata', () => {
    const result = checkBlobCreateArgs({ content, size: 12, name: 'a.txt', mimetype: 'text/plain', meta: { k: 1 }, taskId: 't' });
    if (!result.ok) throw new Error(result.problem.message);
    expect(result.value.bytes.toString()).toBe('hello world!');
    expect(result.value).toMatchObject({ content, size: 12, name: 'a.txt', mimetype: 'text/plain', meta: { k: 1 }, taskId: 't' });
  });

  it('refuses content that is not base64, a bad size, a size that does not match, and a name that is no string', () => {
    expect(problemOf(checkBlobCreateArgs({ content: 'not base64!' }))).toEqual({
      member: 'content',
      message: '"content" must be a base64 string',
    });
    expect(problemOf(checkBlobCreateArgs({}))).toEqual({ member: 'content', message: '"content" must be a base64 string' });
    expect(problemOf(checkBlobCreateArgs({ content, size: -1 })).message).toBe('"size" must be a non-negative integer, got -1');
    expect(problemOf(checkBlobCreateArgs({ content, size: 100 })).message).toBe(
      '"size" says 100 bytes but "content" holds 12: send the whole file',
    );
    expect(problemOf(checkBlobCreateArgs({ content, name: 3 }))).toEqual({ member: 'name', message: '"name" must be a string, got 3' });
  });
});

describe('blob answers and ids', () => {
  it('checkBlobIdArgs wants a non-empty id', () => {
    expect(checkBlobIdArgs({ id: 'b1' })).toEqual({ ok: true, value: { id: 'b1' } });
    expect(problemOf(checkBlobIdArgs({ id: '' })).member).toBe('id');
    expect(problemOf(checkBlobIdArgs(null)).member).toBe('');
  });

  it('checkBlobCreateAnswer takes {id} or a bare id', () => {
    expect(checkBlobCreateAnswer({ id: 'b1' })).toEqual({ ok: true, value: { id: 'b1' } });
    expect(checkBlobCreateAnswer('b2')).toEqual({ ok: true, value: { id: 'b2' } });
    expect(problemOf(checkBlobCreateAnswer({})).member).toBe('id');
  });

  it('checkBlobMetadata wants the size and reads the rest leniently', () => {
    expect(checkBlobMetadata({ size: 3, name: 'a', mimetype: 7, created: '2026-01-01T00:00:00.000Z' }, 'b1')).toEqual({
      ok: true,
      value: { id: 'b1', name: 'a', size: 3, mimetype: null, meta: null, taskId: null, created: '2026-01-01T00:00:00.000Z' },
    });
    expect(problemOf(checkBlobMetadata({ size: '3' }, 'b1'))).toEqual({
      member: 'size',
      message: `the answer must carry the blob's "size" (a number), got "3"`,
    });
    expect(problemOf(checkBlobMetadata('x', 'b1')).member).toBe('');
  });

  it('checkBlobContentAnswer decodes base64 content', () => {
    const result = checkBlobContentAnswer({ content: '+/8=' });
    expect(result.ok && [...result.value.bytes]).toEqual([251, 255]);
    expect(problemOf(checkBlobContentAnswer({ content: '***' })).member).toBe('content');
    expect(problemOf(checkBlobContentAnswer(null)).member).toBe('content');
  });
});

describe('notices', () => {
  it('checkConfigUpdateArgs names the type of a bad value, never the value', () => {
    expect(checkConfigUpdateArgs({ value: 'eyJ.a.b.c.d' })).toEqual({ ok: true, value: { value: 'eyJ.a.b.c.d' } });
    expect(problemOf(checkConfigUpdateArgs({ value: { secret: 'hunter2' } }))).toEqual({
      member: 'value',
      message: '"value" must be a non-empty string (a JWE), got object',
    });
  });

  it('readHealthCheckArgs reads as v1 does: healthy only for ok: true', () => {
    expect(readHealthCheckArgs({ ok: true, error: null })).toEqual({ ok: true, error: null });
    expect(readHealthCheckArgs({ ok: 'yes', error: 'down' })).toEqual({ ok: false, error: 'down' });
    expect(readHealthCheckArgs({ ok: false, error: '' })).toEqual({ ok: false, error: null });
    expect(readHealthCheckArgs(undefined)).toEqual({ ok: false, error: null });
  });
});
