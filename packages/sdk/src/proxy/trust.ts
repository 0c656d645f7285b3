/**
 * Extra certificate authorities, for a proxy or gateway that re-signs TLS with the company's own
 * CA: Node's `NODE_EXTRA_CA_CERTS` (a PEM file), which every TLS connection of the process trusts
 * besides the built-in roots (node:https, ws, fetch and the proxy agents alike). Node reads it once,
 * when it starts, and only warns when the file is missing: this checks it, so a wrong path fails
 * at start with a clear error instead of every connection failing with "unable to get local issuer".
 */
import { readFileSync } from 'node:fs';
import { ConnectorError } from '../errors.js';

/**
 * Checks `NODE_EXTRA_CA_CERTS`. `fromDotEnv` lists the variables that `.env` set (after Node
 * started): there the variable comes too late to be read by Node at all.
 * @throws ConnectorError `CA_CERTS_INVALID` when the file cannot be read, holds no PEM certificate,
 *   or was set in `.env`
 */
export function checkExtraCaCerts(
  env: Readonly<Record<string, string | undefined>> = process.env,
  fromDotEnv: readonly string[] = [],
): void {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (!file) return;
  if (fromDotEnv.includes('NODE_EXTRA_CA_CERTS')) {
    throw new ConnectorError(
      'CA_CERTS_INVALID',
      `NODE_EXTRA_CA_CERTS is set in .env, but Node reads it only when the process starts, before .env is loaded: ` +
        `set it in the process's environment instead (export it before 'yarn start', Environment= in the systemd unit, -e or --env-file in podman run)`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConnectorError(
      'CA_CERTS_INVALID',
      `NODE_EXTRA_CA_CERTS=${file} cannot be read (${(error as { code?: string }).code ?? (error as Error).message}): point it at a PEM file with the CA certificate(s) to trust`,
      { cause: error },
    );
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConnectorError(
      'CA_CERTS_INVALID',
      `NODE_EXTRA_CA_CERTS=${file} holds no PEM certificate ("-----BEGIN CERTIFICATE-----"): convert a DER file with 'openssl x509 -inform der -in ca.cer -out ca.pem'`,
    );
  }
}
