/**
 * Prometheus metrics of a connector (`METRICS_PORT`): calls by method and outcome, their
 * durations, calls in flight, the link's state and reconnects, health, and `ctx.http` requests by
 * host and status, plus Node's process metrics. prom-client is imported only when metrics are on,
 * so a connector without `METRICS_PORT` never loads it.
 */
import type { WorkspaceLink } from '../transport/link.js';
import type { HttpRequestObserver } from '../http/client.js';
import type { RuntimeObserver } from './observer.js';
import { listen, type ListeningServer } from './listen.js';

/** A running metrics endpoint. */
export interface MetricsEndpoint {
  observer: RuntimeObserver;
  server: ListeningServer;
}

/** Where the endpoint listens. */
export interface MetricsOptions {
  /** `METRICS_PORT`; 0 picks a free port (tests). */
  port: number;
  /** `METRICS_HOST`. @default '127.0.0.1' */
  host?: string;
  link: WorkspaceLink;
}

/** Seconds, from `performance.now()` milliseconds. */
const seconds = (ms: number): number => ms / 1000;

/**
 * Starts `GET /metrics` on `host:port`.
 * @throws ConnectorError `LISTEN_FAILED` when the port cannot be bound (e.g. in use)
 */
export async function startMetrics(options: MetricsOptions): Promise<MetricsEndpoint> {
  const prom = await import('prom-client');
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry });
  const link = options.link;

  const calls = new prom.Counter({
    name: 'connector_calls_total',
    help: 'Calls (connector.query) answered, by method, outcome (ok, error) and error code',
    labelNames: ['method', 'outcome', 'code'] as const,
    registers: [registry],
  });
  const durations = new prom.Histogram({
    name: 'connector_call_duration_seconds',
    help: 'Time from a call arriving to its answer, by method and outcome',
    labelNames: ['method', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const inFlight = new prom.Gauge({ name: 'connector_calls_in_flight', help: 'Calls being handled now', registers: [registry] });
  const reconnects = new prom.Counter({
    name: 'connector_reconnects_total',
    help: 'Times the link to the workspace opened again after it had been open',
    registers: [registry],
  });
  new prom.Gauge({
    name: 'connector_link_up',
    help: '1 while the WebSocket to the workspace is open, else 0',
    registers: [registry],
    collect() {
      this.set(link.state === 'open' ? 1 : 0);
    },
  });
  const healthOk = new prom.Gauge({
    name: 'connector_health_ok',
    help: '1 when the last health check reported to the workspace was ok, 0 when not; absent before the first',
    registers: [registry],
  });
  const httpRequests = new prom.Counter({
    name: 'connector_http_requests_total',
    help: 'Requests sent by ctx.http (each retry and redirect hop), by host and status ("error": no answer)',
    labelNames: ['host', 'status'] as const,
    registers: [registry],
  });
  const httpDurations = new prom.Histogram({
    name: 'connector_http_request_duration_seconds',
    help: 'Time to the answer of a ctx.http request, by host',
    labelNames: ['host'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  let opened = 0;
  link.on('open', () => {
    if (opened++ > 0) reconnects.inc();
  });

  const http: HttpRequestObserver = {
    start(_method, url) {
      const started = performance.now();
      const host = url.host;
      return {
        end(status) {
          httpRequests.inc({ host, status: status === undefined ? 'error' : String(status) });
          if (status !== undefined) httpDurations.observe({ host }, seconds(performance.now() - started));
        },
      };
    },
  };

  const observer: RuntimeObserver = {
    callStarted(method) {
      const started = performance.now();
      inFlight.inc();
      return {
        http,
        end({ ok, code }) {
          inFlight.dec();
          const outcome = ok ? 'ok' : 'error';
          calls.inc({ method, outcome, code: code ?? '' });
          durations.observe({ method, outcome }, seconds(performance.now() - started));
        },
      };
    },
    health(status) {
      healthOk.set(status.ok ? 1 : 0);
    },
    http,
  };

  const server = await listen('METRICS_PORT', options.port, options.host ?? '127.0.0.1', async (req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at GET /metrics\n');
      return;
    }
    const text = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType }).end(text);
  });
  return { observer, server };
}
