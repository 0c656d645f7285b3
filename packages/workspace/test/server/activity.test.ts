/**
 * The activity feed of `workspace logs`: a follower of GET /api/v1/connectors/<name>/activity
 * sees calls, instances and health as they happen, and never a call's variables or result.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTIVITY_KEPT } from '../../src/server/activity.js';
import { FakeConnector, addAndRegister, startTestWorkspace, type TestWorkspace } from '../helpers.js';

let ws: TestWorkspace;
beforeAll(async () => {
  ws = await startTestWorkspace({ callTimeoutMs: 30_000 });
}, 60_000);
afterAll(() => ws?.close());

/** Follows a connector's activity; `events` fills as lines arrive. */
async function follow(
  name: string,
  tail = 20,
): Promise<{ events: Array<Record<string, unknown>>; stop: () => void; contentType: string | null }> {
  const abort = new AbortController();
  const res = await fetch(new URL(`api/v1/connectors/${name}/activity?tail=${tail}`, ws.url), {
    headers: { authorization: `Bearer ${ws.adminToken}` },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  const events: Array<Record<string, unknown>> = [];
  void (async () => {
    let buffered = '';
    try {
      for await (const chunk of res.body!) {
        buffered += Buffer.from(chunk).toString('utf8');
        for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
          const line = buffered.slice(0, end);
          buffered = buffered.slice(end + 1);
          if (line !== '') events.push(JSON.parse(line));
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, stop: () => abort.abort(), contentType: res.headers.get('content-type') };
}

describe('the activity of a connector', () => {
  it('streams calls with their outcome, instances coming and going, and health changes, as NDJSON', async () => {
    const { key } = await addAndRegister(ws, 'watched', '71');
    const follower = await follow('watched');
    expect(follower.contentType).toBe('application/x-ndjson; charset=utf-8');
    const connector = await FakeConnector.connect(ws, key);
    await vi.waitFor(() => expect(ws.hub.online('watched')).toHaveLength(1));
    connector.handlers.set('hello', () => ({ greeting: 'hi SECRET-RESULT' }));
    connector.handlers.set('crm.broken', () => ({ error: 'the CRM said no', code: 'UPSTREAM_REFUSED' }));
    await ws.hub.call('watched', 'hello', { password: 'SECRET-VARIABLE' });
    await ws.hub.call('watched', 'crm.broken', {}).catch(() => undefined);
    connector.send({ m: 'connector.health.check', a: { ok: false, error: 'the CRM is unreachable' } });
    connector.send({ m: 'connector.health.check', a: { ok: false, error: 'the CRM is unreachable' } }); // no change: no event
    connector.send({ m: 'connector.health.check', a: { ok: true, error: null } });
    await vi.waitFor(() => expect(follower.events.filter((e) => e.type === 'health')).toHaveLength(2));
    await connector.close();
    await vi.waitFor(() => expect(follower.events.at(-1)).toMatchObject({ type: 'instance', online: false }));

    const instance = ws.hub.activity.recent('watched', 1)[0] as { instance: string };
    const shapes = follower.events.map((e) => {
      const { at, ms, ...rest } = e;
      delete rest.instance;
      return { ...rest, at: typeof at, ms: typeof ms };
    });
    expect(shapes).toEqual([
      { type: 'instance', connector: 'watched', name: 'test-instance', online: true, at: 'string', ms: 'undefined' },
      { type: 'call', connector: 'watched', method: 'hello', ok: true, at: 'string', ms: 'number' },
      {
        type: 'call',
        connector: 'watched',
        method: 'crm.broken',
        ok: false,
        code: 'UPSTREAM_REFUSED',
        message: 'the CRM said no',
        at: 'string',
        ms: 'number',
      },
      {
        type: 'health',
        connector: 'watched',
        name: 'test-instance',
        ok: false,
        error: 'the CRM is unreachable',
        at: 'string',
        ms: 'undefined',
      },
      { type: 'health', connector: 'watched', name: 'test-instance', ok: true, error: null, at: 'string', ms: 'undefined' },
      { type: 'instance', connector: 'watched', name: 'test-instance', online: false, at: 'string', ms: 'undefined' },
    ]);
    expect(follower.events.every((e) => e.type === 'call' || e.instance === instance.instance)).toBe(true);
    // What a call carried stays with its caller.
    expect(JSON.stringify(follower.events)).not.toMatch(/SECRET-(VARIABLE|RESULT)/);
    follower.stop();
    await vi.waitFor(() => expect(ws.hub.activity.followers('watched')).toBe(0));
  });

  it('starts with the recent events (tail), lists them without following, and refuses a tail it does not keep', async () => {
    const { key } = await addAndRegister(ws, 'recent', '72');
    const connector = await FakeConnector.connect(ws, key);
    await vi.waitFor(() => expect(ws.hub.online('recent')).toHaveLength(1));
    connector.handlers.set('hello', () => ({}));
    for (let i = 0; i < 3; i++) await ws.hub.call('recent', 'hello', {});
    const follower = await follow('recent', 2);
    await vi.waitFor(() => expect(follower.events).toHaveLength(2));
    expect(follower.events.map((e) => e.type)).toEqual(['call', 'call']);
    follower.stop();

    const listed = await ws.api('GET', 'connectors/recent/activity?tail=100&follow=false');
    expect(listed.status).toBe(200);
    expect(listed.body.events.map((e: { type: string }) => e.type)).toEqual(['instance', 'call', 'call', 'call']);
    const refused = await ws.api('GET', `connectors/recent/activity?tail=${ACTIVITY_KEPT + 1}`);
    expect(refused).toEqual({
      status: 400,
      body: { error: { code: 'BAD_REQUEST', message: `"tail" must be a whole number from 0 to ${ACTIVITY_KEPT}, got "101"` } },
    });
    expect((await ws.api('GET', 'connectors/missing/activity?follow=false')).status).toBe(404);
    await connector.close();
  });
});
