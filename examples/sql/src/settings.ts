/**
 * The connector's config: the fields a person fills in, and their parsed, checked form.
 */
import { ConnectorError, field, z } from '@connector-kit/sdk';

/** Config fields (protocol.md §2). Everything but `password` is plain: it is not secret. */
export const configFields = {
  type: field.line({
    label: 'Database type',
    description: 'postgres, mysql (also MariaDB) or embedded (an in-memory demo database with sample rows)',
    placeholder: 'embedded',
    optional: true,
    plain: true,
  }),
  host: field.line({
    label: 'Host',
    description: 'Name or address of the database server',
    placeholder: 'localhost',
    optional: true,
    plain: true,
  }),
  port: field.number({ label: 'Port', description: 'Defaults to 5432 (postgres) or 3306 (mysql)', optional: true, plain: true }),
  database: field.line({ label: 'Database', description: 'Database name', optional: true, plain: true }),
  user: field.line({
    label: 'User',
    description: 'Database user; give it only the privileges the workflows need',
    optional: true,
    plain: true,
  }),
  password: field.line({ label: 'Password', description: 'Password of the database user (stored encrypted)', optional: true }),
  ssl: field.line({
    label: 'TLS',
    description: 'off, require (encrypt, do not check the certificate) or verify (check it against sslCa or the system CAs)',
    placeholder: 'off',
    optional: true,
    plain: true,
  }),
  sslCa: field.multiline({
    label: 'CA certificate',
    description: 'PEM of the CA that signed the server certificate (ssl: verify)',
    optional: true,
    plain: true,
  }),
  poolSize: field.number({ label: 'Pool size', description: 'Most connections open at once. Default 10', optional: true, plain: true }),
  statementTimeout: field.number({
    label: 'Statement timeout (ms)',
    description: 'The database cancels statements running longer. Default 30000; 0 for none. Not supported by embedded',
    optional: true,
    plain: true,
  }),
  readOnly: field.boolean({
    label: 'Read only',
    description: 'The database refuses writes (read-only transactions)',
    optional: true,
    plain: true,
  }),
};

const common = {
  readOnly: z.boolean().default(false),
  statementTimeout: z.number().int().min(0).default(30_000),
};

const server = {
  ...common,
  host: z.string().min(1).default('localhost'),
  port: z.number().int().min(1).max(65_535).optional(),
  database: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  password: z.string().optional(),
  ssl: z.enum(['off', 'require', 'verify']).default('off'),
  sslCa: z.string().optional(),
  poolSize: z.number().int().min(1).max(1000).default(10),
};

const schema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('postgres'), ...server }),
  z.object({ type: z.literal('mysql'), ...server }),
  z.object({ type: z.literal('embedded'), ...common }),
]);

/** The checked config. */
export type Settings = z.output<typeof schema>;
/** Settings of a server database (postgres or mysql). */
export type ServerSettings = Extract<Settings, { type: 'postgres' | 'mysql' }>;

/**
 * Checks the config values a handler sees and applies defaults.
 * @throws ConnectorError `CONFIG_INVALID` naming the field (never echoing the password)
 */
export function parseSettings(values: Record<string, unknown>): Settings {
  const input = { ...values, type: values.type ?? 'embedded' };
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.') || 'type';
    const shown = name === 'password' ? '' : ` (got ${JSON.stringify(input[name as keyof typeof input])})`;
    return `"${name}": ${issue.message}${shown}`;
  });
  throw new ConnectorError(
    'CONFIG_INVALID',
    `config is invalid: ${issues.join('; ')} — fix it in the workspace's config for this connector`,
    {
      details: { fields: parsed.error.issues.map((i) => i.path.map(String).join('.') || 'type') },
    },
  );
}

/** `host:port` with the default port of the type. */
export function addressOf(settings: ServerSettings): string {
  return `${settings.host}:${portOf(settings)}`;
}

/** The configured port, else 5432 (postgres) or 3306 (mysql). */
export function portOf(settings: ServerSettings): number {
  return settings.port ?? (settings.type === 'postgres' ? 5432 : 3306);
}
