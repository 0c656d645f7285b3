import type { ConnectorError } from '../errors.js';
import type { AuthSession } from './types.js';

/**
 * A session that cannot give credentials: every request fails with `failure` (sending nothing),
 * and the health check shows its message. For an auth that could not start, or an `authChoice`
 * whose `authMethod` names no option.
 */
export function failingSession(failure: ConnectorError): AuthSession {
  return {
    credentials: () => Promise.reject(failure),
    renew: async () => false,
    secrets: () => [],
    rejectedHint: () => failure.message,
    problem: () => failure.message,
    close: () => undefined,
  };
}
