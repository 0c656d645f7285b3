/**
 * The connector's observability, started from env before it connects: Prometheus metrics
 * (`METRICS_PORT`), the health endpoint (`HEALTH_PORT`) and OpenTelemetry traces (when an SDK
 * registered a tracer provider). Each part loads its libraries only when it is on.
 */
import type { WorkspaceLink } from '../transport/link.js';
import type { HttpRequestObserver } from '../http/client.js';
import { combineObservers, type CallObservation, type RuntimeObserver } from './observer.js';
import { readObservabilitySettings, type ObservabilitySettings } from './settings.js';
import type { ListeningServer } from './listen.js';

export { combineObservers, combineHttp, type RuntimeObserver, type CallObservation, type CallEnd } from './observer.js';
export { readObservabilitySettings, type ObservabilitySettings, type EndpointAddress } from './settings.js';
export { tracerProviderRegistered, tracingObserver } from './tracing.js';
export type { ListeningServer } from './listen.js';
export type { Readiness } from './health-server.js';

/**
 * An observer whose target is set later: the runtime needs one at construction, while the
 * endpoints and the tracing API load asynchronously. Forwards nothing until set.
 */
export class ObserverSlot implements RuntimeObserver {
  #target: RuntimeObserver | undefined;
  readonly http: HttpRequestObserver = {
    start: (method, url) => this.#target?.http?.start(method, url) ?? { end: () => undefined },
  };

  set(target: RuntimeObserver | undefined): void {
    this.#target = target;
  }

  callStarted(method: string, trace: { traceparent?: string; tracestate?: string } | undefined): CallObservation | undefined {
    return this.#target?.callStarted?.(method, trace);
  }

  health(status: { ok: boolean; error: string | null }): void {
    this.#target?.health?.(status);
  }
}

/** What is running. */
export interface Observability {
  observer: RuntimeObserver | undefined;
  metrics?: ListeningServer;
  health?: ListeningServer;
  tracing: boolean;
  close(): Promise<void>;
}

/** True when env or the process asks for any observability at all (else nothing is loaded). */
export function observabilityWanted(settings: ObservabilitySettings, tracing: boolean): boolean {
  return settings.metrics !== undefined || settings.health !== undefined || tracing;
}

/**
 * Starts what `settings` asks for.
 * @throws ConnectorError `LISTEN_FAILED` when a port cannot be bound
 */
export async function startObservability(settings: ObservabilitySettings, link: WorkspaceLink, version: string): Promise<Observability> {
  const servers: ListeningServer[] = [];
  const observers: RuntimeObserver[] = [];
  const out: Observability = {
    observer: undefined,
    tracing: false,
    close: () => Promise.all(servers.map((s) => s.close())).then(() => undefined),
  };
  try {
    if (settings.health) {
      const { startHealth } = await import('./health-server.js');
      const health = await startHealth({ ...settings.health, link });
      servers.push(health.server);
      observers.push(health.observer);
      out.health = health.server;
    }
    if (settings.metrics) {
      const { startMetrics } = await import('./metrics.js');
      const metrics = await startMetrics({ ...settings.metrics, link });
      servers.push(metrics.server);
      observers.push(metrics.observer);
      out.metrics = metrics.server;
    }
  } catch (error) {
    await out.close();
    throw error;
  }
  const { startTracing } = await import('./tracing.js');
  const tracing = await startTracing(version);
  if (tracing) observers.push(tracing);
  out.tracing = tracing !== undefined;
  out.observer = combineObservers(observers);
  return out;
}
