/**
 * The operator's endpoints of a real connector process: Prometheus metrics scraped after calls
 * (bound to 127.0.0.1 only), and the health endpoint, whose /ready flips to 503 when the
 * workspace goes away while calls are in flight.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { Workspace } from '@connector-kit/workspace';
import { admin, onlineInstances, startTestWorkspace, tempDir, type ConnectorProcess } from './helpers.js';
import { addOpsConnector, spawnOps, workspaceEnv } from './ops-helpers.js';
import { startFakeApi, type FakeApi } from './scaffold-helpers.js';

const dir = tempDir('ck-observe-');
const running: ConnectorProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});
afterAll(() => dir.remove());

/** The endpoints' URLs from the connector's start-up log line (ports are picked by the OS: port 0). */
async function endpoints(connector: ConnectorProcess): Promise<{ metrics?: string; health?: string }> {
  let found: { metrics?: string; health?: string } | undefined;
  await vi.waitFor(
    () => {
      const line = connector
        .output()
        .split('\n')
        .find((l) => l.includes('"msg":"observability:'));
      expect(line, connector.output()).toBeDefined();
      found = JSON.parse(line!);
    },
    { timeout: 20_000 },
  );
  return found!;
}

const call = (ws: Workspace, name: string, method: string, args: unknown) =>
  admin(ws, 'POST', `connectors/${name}/call`, { method, args, timeoutMs: 20_000 });

describe('the metrics endpoint', () => {
  it('counts calls by method and outcome, ctx.http requests by host and status, and the link', async () => {
    const [ws, api] = await Promise.all([startTestWorkspace(join(dir.path, 'ws-metrics')), startFakeApi()]);
    try {
      const token = await addOpsConnector(ws, 'metered');
      const connector = spawnOps({ ...workspaceEnv(ws, token, 'metered'), API_BASE_URL: `${api.url}m/`, METRICS_PORT: '0' });
      running.push(connector);
      const { metrics } = await endpoints(connector);
      expect(metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      await vi.waitFor(async () => expect(await onlineInstances(ws, 'metered')).toHaveLength(1), { timeout: 20_000 });

      for (const id of ['1', '2', '3']) expect((await call(ws, 'metered', 'item', { id })).status).toBe(200);
      expect((await call(ws, 'metered', 'fail', {})).body.error.code).toBe('NOPE');
      expect((await call(ws, 'metered', 'nope', {})).body.error.code).toBe('METHOD_NOT_FOUND');

      const scrape = await fetch(`${metrics}metrics`);
      expect(scrape.status).toBe(200);
      expect(scrape.headers.get('content-type')).toContain('text/plain');
      const text = await scrape.text();
      const host = new URL(api.url).host;
      expect(text).toContain('connector_calls_total{method="item",outcome="ok",code=""} 3');
      expect(text).toContain('connector_calls_total{method="fail",outcome="error",code="NOPE"} 1');
      // Unknown names share one label: a caller cannot grow the label set.
      expect(text).toContain('connector_calls_total{method="(unknown)",outcome="error",code="METHOD_NOT_FOUND"} 1');
      expect(text).toContain('connector_call_duration_seconds_count{method="item",outcome="ok"} 3');
      expect(text).toContain(`connector_http_requests_total{host="${host}",status="200"} 3`);
      expect(text).toContain('connector_calls_in_flight 0');
      expect(text).toContain('connector_link_up 1');
      expect(text).toContain('connector_reconnects_total 0');
      expect(text).toContain('connector_health_ok 1');
      expect(text).toMatch(/^process_resident_memory_bytes \d+/m);

      // Bound to 127.0.0.1 only: the same port on another loopback address refuses.
      const other = new URL(metrics!);
      other.hostname = '127.0.0.2';
      await expect(fetch(`${other.href}metrics`)).rejects.toThrow();
    } finally {
      await ws.close();
      await api.close();
    }
  });

  it('listens where METRICS_HOST says, and stops the start when METRICS_PORT is not a port', async () => {
    const ws = await startTestWorkspace(join(dir.path, 'ws-host'));
    try {
      const token = await addOpsConnector(ws, 'widened');
      const widened = spawnOps({ ...workspaceEnv(ws, token, 'widened'), METRICS_PORT: '0', METRICS_HOST: '127.0.0.2' });
      running.push(widened);
      const { metrics } = await endpoints(widened);
      expect(metrics).toMatch(/^http:\/\/127\.0\.0\.2:\d+\/$/);
      expect((await fetch(`${metrics}metrics`)).status).toBe(200);

      const bad = spawnOps({ ...workspaceEnv(ws, token, 'bad-port'), METRICS_PORT: 'nine' });
      running.push(bad);
      expect((await bad.exited).code).toBe(1);
      expect(bad.output()).toContain('METRICS_PORT="nine" is not a port');
    } finally {
      await ws.close();
    }
  });
});

describe('the health endpoint', () => {
  it('is live at once, ready while connected and healthy, and not ready once the workspace is killed during calls', async () => {
    const ws = await startTestWorkspace(join(dir.path, 'ws-health'));
    const token = await addOpsConnector(ws, 'probed');
    // A long backoff: after the workspace dies the connector stays disconnected while we look.
    const connector = spawnOps({ ...workspaceEnv(ws, token, 'probed'), HEALTH_PORT: '0' });
    running.push(connector);
    const { health } = await endpoints(connector);
    expect((await fetch(`${health}live`)).status).toBe(200);
    await vi.waitFor(
      async () => {
        const ready = await fetch(`${health}ready`);
        expect(ready.status, await ready.clone().text()).toBe(200);
        expect(await ready.json()).toEqual({ ready: true, link: 'open', health: { ok: true, error: null } });
      },
      { timeout: 20_000 },
    );

    // Calls in flight, then the workspace goes away under them.
    const inFlight = Array.from({ length: 5 }, () => call(ws, 'probed', 'slow', { ms: 10_000 }).catch(() => null));
    await vi.waitFor(async () => expect(ws.hub.pendingCount).toBe(5), { timeout: 10_000 });
    await ws.close();
    await Promise.all(inFlight);

    await vi.waitFor(
      async () => {
        const ready = await fetch(`${health}ready`);
        expect(ready.status).toBe(503);
        const body = (await ready.json()) as { ready: boolean; link: string; reason: string };
        expect(body.ready).toBe(false);
        expect(body.link).not.toBe('open');
        expect(body.reason).toMatch(/^not connected to the workspace \(link \w+\)$/);
      },
      { timeout: 20_000 },
    );
    // Still live: the process serves, it only has no workspace.
    expect((await fetch(`${health}live`)).status).toBe(200);
  });
});
