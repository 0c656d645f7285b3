/**
 * The driver holder: config changes never drop calls in flight, and retired pools close
 * only after their last call. Fake drivers, so every step is observable.
 */
import { describe, expect, it, vi } from 'vitest';
import { ConnectorError } from '@connector-kit/sdk';
import { DriverHolder } from '../src/holder.js';
import type { Driver } from '../src/driver.js';
import { postgresDialect } from '../src/dialect.js';

function fakeDriver(name: string) {
  const log: string[] = [];
  const driver: Driver & { closed: boolean } = {
    dialect: postgresDialect,
    site: { kind: 'postgres', address: name },
    closed: false,
    async query(sql) {
      if (driver.closed) throw new Error(`${name} used after close`);
      log.push(sql);
      return { rows: [{ from: name }], columns: ['from'], affectedRows: 0 };
    },
    ping: async () => undefined,
    transaction: (work) => work(driver),
    async close() {
      driver.closed = true;
    },
  };
  return { driver, log };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('DriverHolder', () => {
  it('lets a call in flight finish on the old driver, then closes it', async () => {
    const holder = new DriverHolder();
    const a = fakeDriver('a');
    const b = fakeDriver('b');
    holder.install(a.driver);
    const gate = deferred();
    const slow = holder.use(async (driver) => {
      await gate.promise;
      return driver.query('late');
    });
    await holder.retire();
    holder.install(b.driver);
    expect(a.driver.closed).toBe(false);
    expect(holder.draining).toBe(1);
    expect((await holder.use((d) => d.query('new'))).rows).toEqual([{ from: 'b' }]);

    gate.resolve();
    expect((await slow).rows).toEqual([{ from: 'a' }]);
    await vi.waitFor(() => expect(a.driver.closed).toBe(true));
    expect(holder.draining).toBe(0);
    expect(b.driver.closed).toBe(false);
  });

  it('closes an idle driver at once when retired', async () => {
    const holder = new DriverHolder();
    const a = fakeDriver('a');
    holder.install(a.driver);
    await holder.retire();
    expect(a.driver.closed).toBe(true);
  });

  it('makes calls between stop and start wait for the next driver', async () => {
    const holder = new DriverHolder();
    holder.install(fakeDriver('a').driver);
    await holder.retire();
    const waiting = holder.use((d) => d.query('x'));
    holder.install(fakeDriver('b').driver);
    expect((await waiting).rows).toEqual([{ from: 'b' }]);
  });

  it('fails waiting calls with the start error of an unusable config', async () => {
    const holder = new DriverHolder();
    const waiting = holder.use((d) => d.query('x'));
    holder.fail(new ConnectorError('CONFIG_INVALID', 'bad'));
    await expect(waiting).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('answers NOT_CONFIGURED, retryable, when no config starts in time', async () => {
    const holder = new DriverHolder({ waitMs: 20 });
    await expect(holder.use((d) => d.query('x'))).rejects.toMatchObject({ code: 'NOT_CONFIGURED', retryable: true });
  });

  it('maps driver errors to ConnectorErrors', async () => {
    const holder = new DriverHolder();
    holder.install(fakeDriver('a').driver);
    const error = Object.assign(new Error('relation "x" does not exist'), { code: '42P01' });
    await expect(holder.use(() => Promise.reject(error))).rejects.toMatchObject({ code: 'SQL_INVALID', details: { sqlstate: '42P01' } });
  });
});
