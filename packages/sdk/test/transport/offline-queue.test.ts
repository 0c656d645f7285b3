/**
 * The link's offline queue (reliability.md item 6), seen through the link: what a connector
 * sends while it has no socket waits, bounded in count, characters and time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError, RemoteError } from '../../src/index.js';
import { closeLinks, makeLink, opened, workspace } from '../support/link-harness.js';

afterEach(closeLinks);

describe('OfflineQueue', () => {
  it('queues requests made while offline and sends them once open', async () => {
    const fake = await workspace();
    fake.autoAnswer.set('connector.task.new', () => ({ id: 'task-1' }));
    const { link, events } = makeLink(fake);
    const answer = link.request('connector.task.new', { name: 'early', a: {} });
    link.notify('connector.health.check', { ok: true, error: null });
    link.start();
    await opened(events);
    await expect(answer).resolves.toEqual({ id: 'task-1' });
    await fake.waitForPacket((p) => p.m === 'connector.health.check');
  });

  it('fails a request with a local, retryable OFFLINE_QUEUE_FULL when the offline queue is full', async () => {
    const fake = await workspace();
    const { link } = makeLink(fake, { offlineQueueLimit: 1 });
    const first = link.request('connector.task.new', { name: 'a', a: {} }).catch((e: unknown) => e);
    const error = await link.request('connector.task.new', { name: 'b', a: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).not.toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'OFFLINE_QUEUE_FULL', retryable: true });
    expect(link.pendingCount).toBe(1);
    await link.close();
    expect(await first).toMatchObject({ code: 'NOT_CONNECTED' });
    expect(link.pendingCount).toBe(0);
  });

  it('caps the offline queue by characters too, and fails a message whose time-to-live ends while offline (item 6)', async () => {
    const fake = await workspace();
    const { link } = makeLink(fake, { offlineQueueMaxChars: 4_000, offlineQueueTtlMs: 50 });
    const small = link.request('connector.task.new', { name: 'small', a: { text: 'x'.repeat(1_000) } }).catch((e: unknown) => e);
    const big = await link.request('connector.task.new', { name: 'big', a: { text: 'x'.repeat(5_000) } }).catch((e: unknown) => e);
    expect(big).toMatchObject({ code: 'OFFLINE_QUEUE_FULL', retryable: true, message: expect.stringContaining('the limit is 4000') });
    // Nothing else happens on the link: the time-to-live alone fails the waiting request.
    expect(await small).toMatchObject({ code: 'CONNECTION_LOST', retryable: true, message: expect.stringContaining('down for too long') });
    expect(link.pendingCount).toBe(0);
    // Its characters were freed: 3,000 more fit now (with the first still counted they would not).
    const again = await link.request('connector.task.new', { name: 'again', a: { text: 'x'.repeat(3_000) } }).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'CONNECTION_LOST' });
  });
});
