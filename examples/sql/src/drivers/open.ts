/** Picks the driver for a config `type`. */
import type { Driver } from '../driver.js';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';
import { openEmbedded } from './embedded.js';
import { openMysql } from './mysql.js';
import { openPostgres } from './postgres.js';

/** How the config chose the driver. */
export interface OpenOptions {
  /**
   * `type` was set in the config rather than defaulted. A default `embedded` (a connector nobody
   * has configured yet) does not boot its database for a health check.
   * @default true
   */
  typeChosen?: boolean;
}

/** Opens the driver `settings` ask for. Every driver connects (or starts) lazily, on first use. */
export function openDriver(settings: Settings, logger: Logger, options: OpenOptions = {}): Driver {
  switch (settings.type) {
    case 'postgres':
      return openPostgres(settings, logger);
    case 'mysql':
      return openMysql(settings, logger);
    case 'embedded':
      return openEmbedded(settings, { bootOnPing: options.typeChosen ?? true });
  }
}
