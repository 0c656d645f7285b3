/**
 * An aborted call signal on the embedded database (drivers/embedded.ts): what has not reached
 * PGlite never does. (A statement PGlite is running cannot be stopped; on PostgreSQL and MariaDB
 * it is cancelled in the server: test/sql/cancel.suite.ts.) And the helpers of drivers/cancel.ts.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openEmbedded } from '../src/drivers/embedded.js';
import { unlessAborted, watchCancel } from '../src/drivers/cancel.js';
import { parseSettings, type Settings } from '../src/settings.js';

const settings = parseSettings({ type: 'embedded' }) as Extract<Settings, { type: 'embedded' }>;
const driver = openEmbedded(settings);
afterAll(() => driver.close());

const insert = (email: string) => driver.query('INSERT INTO customers (name, email) VALUES ($1, $2)', ['Late', email]);
const count = async (email: string) =>
  Number((await driver.query('SELECT COUNT(*) AS n FROM customers WHERE email = $1', [email])).rows[0]!.n);

describe('embedded database, aborted calls', () => {
  it('a call aborted while it waits for the one connection never runs', { timeout: 120_000 }, async () => {
    const first = driver.query('SELECT pg_sleep(0.2)');
    const controller = new AbortController();
    const second = driver.query('INSERT INTO customers (name, email) VALUES ($1, $2)', ['Late', 'queued@example.com'], controller.signal);
    controller.abort(new Error('the caller gave up'));
    await expect(second).rejects.toThrow('the caller gave up');
    await first;
    expect(await count('queued@example.com')).toBe(0);
    // The connection serves the next call.
    expect((await insert('after@example.com')).affectedRows).toBe(1);
  });

  it('a transaction aborted between statements sends no further statement and is rolled back', { timeout: 120_000 }, async () => {
    const controller = new AbortController();
    const sent: string[] = [];
    const done = driver.transaction(async (session) => {
      await session.query('INSERT INTO customers (name, email) VALUES ($1, $2)', ['Tx', 'tx1@example.com']);
      sent.push('first');
      controller.abort(new Error('deadline'));
      await session.query('INSERT INTO customers (name, email) VALUES ($1, $2)', ['Tx', 'tx2@example.com']);
      sent.push('second');
    }, controller.signal);
    await expect(done).rejects.toThrow('deadline');
    expect(sent).toEqual(['first']);
    expect(await count('tx1@example.com')).toBe(0);
    expect(await count('tx2@example.com')).toBe(0);
  });
});

describe('cancel helpers', () => {
  const logger = { warn: vi.fn(), info: vi.fn(), error: vi.fn(), debug: vi.fn() } as never;

  it('unlessAborted: a connection that comes after the abort is given back, not used', async () => {
    let arrive!: (value: string) => void;
    const pending = new Promise<string>((resolve) => (arrive = resolve));
    const giveBack = vi.fn();
    const controller = new AbortController();
    const waited = unlessAborted(pending, controller.signal, giveBack);
    controller.abort(new Error('timeout'));
    await expect(waited).rejects.toThrow('timeout');
    arrive('connection');
    await vi.waitFor(() => expect(giveBack).toHaveBeenCalledWith('connection'));
  });

  it('watchCancel: cancels once on abort, end() waits for the cancel; no cancel after end()', async () => {
    const controller = new AbortController();
    let finish!: () => void;
    const cancel = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const watch = watchCancel(controller.signal, cancel, logger, 'a statement');
    controller.abort();
    expect(cancel).toHaveBeenCalledTimes(1);
    let ended = false;
    const end = watch.end().then(() => (ended = true));
    await Promise.resolve();
    expect(ended).toBe(false);
    finish();
    await end;

    const later = new AbortController();
    const idle = vi.fn(() => Promise.resolve());
    await watchCancel(later.signal, idle, logger, 'a statement').end();
    later.abort();
    expect(idle).not.toHaveBeenCalled();
  });
});
