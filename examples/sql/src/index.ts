import { ConnectorError, defineConnector } from '@connector-kit/sdk';
import { openDriver } from './drivers/open.js';
import { DriverHolder, type DriverHolderOptions } from './holder.js';
import { crudMethods } from './methods/crud.js';
import { pageMethods } from './methods/page.js';
import { queryMethods } from './methods/query.js';
import { schemaMethods } from './methods/schema.js';
import { addressOf, configFields, parseSettings, type Settings } from './settings.js';

/** Options of {@link createSqlConnector}. */
export type SqlConnectorOptions = DriverHolderOptions;

function describeTarget(settings: Settings): string {
  if (settings.type === 'embedded') return 'the embedded demo database';
  const tls = settings.ssl === 'off' ? 'no TLS' : `TLS ${settings.ssl}`;
  return `${settings.type} at ${addressOf(settings)}/${settings.database ?? ''} as ${settings.user ?? '(default user)'}, ${tls}, pool ${settings.poolSize}${settings.readOnly ? ', read-only' : ''}`;
}

/**
 * A SQL connector for PostgreSQL, MySQL/MariaDB, or an embedded demo database. Each call to
 * this function makes an independent connector (its own pools), which tests rely on.
 */
export function createSqlConnector(options: SqlConnectorOptions = {}) {
  const holder = new DriverHolder(options);

  return defineConnector({
    name: 'SQL',
    summary: 'Query PostgreSQL and MySQL/MariaDB databases',
    description:
      'Runs parameterized SQL against a PostgreSQL or MySQL/MariaDB database that only this connector can reach: queries, transactions, paged reads of large results, and the table list for autocomplete. With type "embedded" it runs a small demo database in memory.',
    config: configFields,
    methods: {
      ...queryMethods(holder),
      ...crudMethods(holder),
      ...pageMethods(holder),
      ...schemaMethods(holder),
    },

    // §4 set-config: stop() retired the previous driver (it drains in the background);
    // install the next one. Calls arriving meanwhile wait for it.
    start(ctx) {
      let settings: Settings;
      try {
        settings = parseSettings(ctx.config);
        const type = ctx.config.type;
        holder.install(openDriver(settings, ctx.logger, { typeChosen: type !== undefined && type !== null && type !== '' }));
      } catch (error) {
        // Calls fail with the same words the health check reports, instead of waiting.
        const failure =
          error instanceof ConnectorError
            ? error
            : new ConnectorError('CONFIG_INVALID', `cannot use this config: ${(error as Error).message}`, { cause: error });
        holder.fail(failure);
        throw failure;
      }
      ctx.logger.info(`serving ${describeTarget(settings)}`);
    },

    stop: () => holder.retire(),

    // A cheap round trip through the pool: proves the server is reachable and the login works.
    async healthCheck() {
      await holder.use((driver) => driver.ping());
      return { ok: true };
    },
  });
}

export type { SqlValue, QueryResult } from './driver.js';

/** The connector `connector start` runs. */
export default createSqlConnector();
