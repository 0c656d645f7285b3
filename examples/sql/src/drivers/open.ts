/** Picks the driver for a config `type`. */
import type { Driver } from '../driver.js';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';
import { openEmbedded } from './embedded.js';
import { openMysql } from './mysql.js';
import { openPostgres } from './postgres.js';

/** Opens the driver `settings` ask for. Every driver connects (or starts) lazily, on first use. */
export function openDriver(settings: Settings, logger: Logger): Driver {
  switch (settings.type) {
    case 'postgres':
      return openPostgres(settings, logger);
    case 'mysql':
      return openMysql(settings, logger);
    case 'embedded':
      return openEmbedded(settings);
  }
}
