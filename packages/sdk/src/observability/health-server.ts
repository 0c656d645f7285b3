/**
 * The health endpoint for orchestrators (`HEALTH_PORT`): `GET /live` answers 200 while the
 * process serves; `GET /ready` answers 200 only while the link to the workspace is open and the
 * last health check (§4 `connector.health.check`) was ok, else 503 with the reason. The
 * Containerfile's HEALTHCHECK, the systemd unit and Kubernetes probes use it.
 */
import type { WorkspaceLink } from '../transport/link.js';
import type { RuntimeObserver } from './observer.js';
import { listen, type ListeningServer } from './listen.js';

/** A running health endpoint. */
export interface HealthEndpoint {
  observer: RuntimeObserver;
  server: ListeningServer;
  /** What `/ready` would answer now. */
  readiness(): Readiness;
}

/** The answer of `/ready`. */
export interface Readiness {
  ready: boolean;
  /** `open`, `connecting`, … (the link's state). */
  link: string;
  /** The last health check; null before the first. */
  health: { ok: boolean; error: string | null } | null;
  /** Why not ready; absent when ready. */
  reason?: string;
}

/**
 * Starts the endpoint on `host:port`.
 * @throws ConnectorError `LISTEN_FAILED`
 */
export async function startHealth(options: { port: number; host?: string; link: WorkspaceLink }): Promise<HealthEndpoint> {
  const { link } = options;
  let health: { ok: boolean; error: string | null } | null = null;
  // A new socket starts with no verdict: the health check after set-config gives the next one.
  link.on('close', () => (health = null));

  const readiness = (): Readiness => {
    const state = link.state;
    if (state !== 'open') return { ready: false, link: state, health, reason: `not connected to the workspace (link ${state})` };
    if (health === null) return { ready: false, link: state, health, reason: 'connected; waiting for the first health check' };
    if (!health.ok) return { ready: false, link: state, health, reason: `the health check failed: ${health.error ?? 'no reason given'}` };
    return { ready: true, link: state, health };
  };

  const server = await listen('HEALTH_PORT', options.port, options.host ?? '127.0.0.1', (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const json = (status: number, body: unknown): void =>
      void res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(`${JSON.stringify(body)}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'use GET' });
    if (path === '/live') return json(200, { live: true });
    if (path === '/ready') {
      const now = readiness();
      return json(now.ready ? 200 : 503, now);
    }
    return json(404, { error: 'not found: GET /live or GET /ready' });
  });

  return {
    observer: {
      health(status) {
        health = { ok: status.ok, error: status.error };
      },
    },
    server,
    readiness,
  };
}
