/**
 * TLS options from the `ssl` and `sslCa` fields, in the shape both `pg` and `mysql2` accept.
 */
import type { ServerSettings } from './settings.js';

/** The TLS settings used: a subset of `tls.ConnectionOptions` that both drivers take. */
export interface TlsSettings {
  rejectUnauthorized: boolean;
  ca?: string;
}

/**
 * `off` → no TLS; `require` → encrypted, certificate not checked (protects against
 * eavesdropping only); `verify` → certificate checked against `sslCa`, else the system CAs.
 */
export function tlsOptions(settings: ServerSettings): TlsSettings | undefined {
  switch (settings.ssl) {
    case 'off':
      return undefined;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify':
      return { rejectUnauthorized: true, ...(settings.sslCa === undefined ? {} : { ca: settings.sslCa }) };
  }
}
