/**
 * The operator's observability settings from env: `METRICS_PORT`/`METRICS_HOST`,
 * `HEALTH_PORT`/`HEALTH_HOST`. Both endpoints are off unless their port is set, and bind to
 * 127.0.0.1 unless the host is widened (e.g. `0.0.0.0` for a Kubernetes probe or a scraper on
 * another machine).
 */
import { ConnectorError } from '../errors.js';

/** One endpoint's address. */
export interface EndpointAddress {
  port: number;
  host: string;
}

/** What env asks for. */
export interface ObservabilitySettings {
  metrics?: EndpointAddress;
  health?: EndpointAddress;
}

type Env = Readonly<Record<string, string | undefined>>;

function address(env: Env, portName: string, hostName: string): EndpointAddress | undefined {
  const raw = env[portName]?.trim();
  if (!raw) return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    throw new ConnectorError(
      'CONFIG_INVALID',
      `${portName}=${JSON.stringify(raw)} is not a port: use a number from 1 to 65535 (unset: off)`,
    );
  }
  return { port, host: env[hostName]?.trim() || '127.0.0.1' };
}

/**
 * Reads the settings.
 * @throws ConnectorError `CONFIG_INVALID` for a port that is not a number from 0 to 65535
 */
export function readObservabilitySettings(env: Env): ObservabilitySettings {
  const metrics = address(env, 'METRICS_PORT', 'METRICS_HOST');
  const health = address(env, 'HEALTH_PORT', 'HEALTH_HOST');
  return { ...(metrics ? { metrics } : {}), ...(health ? { health } : {}) };
}
