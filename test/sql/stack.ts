/**
 * The SQL connector end to end: a real workspace, the real connector process (`connector
 * start` in examples/sql) with its own key pair, so the password travels as JWE (§5).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect, vi } from 'vitest';
import type { Workspace } from '@connector-kit/workspace';
import { generateKeyPair } from '@connector-kit/sdk/secrets';
import { ROOT, admin, onlineInstances, startConnector, startTestWorkspace, tempDir, type ConnectorProcess } from '../helpers.js';

export const SQL_DIR = join(ROOT, 'examples/sql');

/** A database the suite runs against. */
export interface Target {
  kind: 'embedded' | 'postgres' | 'mysql';
  /** Config values for `PUT /config`. */
  config: Record<string, string | number | boolean>;
  /** The password in clear text, to check it never shows up in output. */
  password?: string;
}

/**
 * The target of a server database from its URL in env, or undefined (skip) when unset.
 * In CI a missing URL fails the run: .ci/run starts the servers and exports them.
 */
export function serverTarget(kind: 'postgres' | 'mysql', variable: string): Target | undefined {
  const value = process.env[variable];
  if (!value) {
    if (process.env.CI) throw new Error(`${variable} must be set in CI: .ci/run starts the database and exports it`);
    return undefined;
  }
  const url = new URL(value);
  const password = decodeURIComponent(url.password);
  const config: Target['config'] = {
    type: kind,
    host: url.hostname,
    port: Number(url.port || (kind === 'postgres' ? 5432 : 3306)),
    database: decodeURIComponent(url.pathname.slice(1)),
    user: decodeURIComponent(url.username),
    poolSize: 4,
  };
  if (password !== '') config.password = password;
  return { kind, config, ...(password === '' ? {} : { password }) };
}

/** The workspace's own store: PostgreSQL when available (starts in milliseconds), else PGlite. */
function storeOptions() {
  const url = process.env.TEST_DATABASE_URL;
  return url ? { databaseUrl: url, postgres: { schema: `sql_e2e_${process.pid}_${Math.random().toString(36).slice(2, 8)}` } } : {};
}

/** Everything one suite needs. */
export interface SqlStack {
  ws: Workspace;
  connector: ConnectorProcess;
  /** Calls a method through the admin API. */
  call: (method: string, args?: unknown, timeoutMs?: number) => Promise<{ status: number; body: any }>;
  /** Calls and returns the result, failing the test on an error answer. */
  ok: (method: string, args?: unknown) => Promise<any>;
  /** Replaces config values and waits until the connector has applied them. */
  configure: (values: Record<string, unknown>) => Promise<void>;
  /** The connector's resident set size in bytes (from /proc). */
  rss: () => number;
  /** The latest health report of the instance. */
  health: () => Promise<{ ok: boolean; error: string | null; at: string } | null>;
  close: () => Promise<void>;
}

/** Starts a workspace and the SQL connector, configured for `target`. */
export async function startSqlStack(target: Target): Promise<SqlStack> {
  const dir = tempDir('ck-sql-');
  // The workspace's warnings (an instance dropped, a socket closed) and the connector's last
  // lines go into the message of a failed call: an instance that went offline says why.
  const warnings: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      warnings.push(String(chunk).trim());
      if (warnings.length > 20) warnings.shift();
      done();
    },
  });
  const ws = await startTestWorkspace(dir.path, { ...storeOptions(), logger: pino({ level: 'warn' }, sink) });
  const added = await admin(ws, 'POST', 'connectors', { name: 'sql', connectorId: 'sql' });
  expect(added.status).toBe(201);
  const keys = await generateKeyPair(2048);
  const connector = startConnector(SQL_DIR, ws, {
    REGISTRATION_TOKEN: added.body.registrationToken,
    PRIVATE_KEY: keys.privateKey,
    PUBLIC_KEY: keys.publicKey,
    HOSTNAME: `sql-${target.kind}`,
    // Node 24's V8 grows the young generation to 64 MB semi-spaces at the allocation rate of a
    // paged walk (134 MB of new space, RSS ~330 MB and flat), Node 20's stops at 16 MB. Pinned
    // to 16 MB, so the memory checks measure what the connector keeps, not that default.
    NODE_OPTIONS: '--max-semi-space-size=16',
  });
  await vi.waitFor(async () => expect(await onlineInstances(ws, 'sql')).toHaveLength(1), { timeout: 30_000, interval: 100 });

  const diagnostics = () =>
    `\n--- workspace warnings:\n${warnings.join('\n')}\n--- connector (${connector.alive() ? 'running' : 'exited'}), last lines:\n${connector
      .output()
      .split('\n')
      .slice(-15)
      .join('\n')}`;
  const call = async (method: string, args: unknown = {}, timeoutMs = 60_000) => {
    const answer = await admin(ws, 'POST', 'connectors/sql/call', { method, args, timeoutMs });
    // A connector that is not there is never what a test expects: say why it went.
    if (answer.status === 503) throw new Error(`${method}: ${JSON.stringify(answer.body)}${diagnostics()}`);
    return answer;
  };
  const ok = async (method: string, args: unknown = {}) => {
    const { status, body } = await call(method, args);
    if (status !== 200) throw new Error(`${method} failed (${status}): ${JSON.stringify(body)}${diagnostics()}`);
    return body.result;
  };
  const health = async () => (await onlineInstances(ws, 'sql'))[0]?.health ?? null;
  const configure = async (values: Record<string, unknown>) => {
    const before = (await health())?.at;
    const set = await admin(ws, 'PUT', 'connectors/sql/config', { values });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    // Every set-config ends with a fresh health report (§4): wait for it.
    await vi.waitFor(async () => expect((await health())?.at).not.toBe(before), { timeout: 30_000, interval: 50 });
  };
  // The set-config sent on connect reports health first; only then can `configure` tell its own
  // report apart from that one (reports are sent in the order configs are applied).
  await vi.waitFor(async () => expect(await health()).not.toBeNull(), { timeout: 30_000, interval: 50 });
  // No values: the empty config of the connect is the config (a connector nobody configured).
  if (Object.keys(target.config).length > 0) await configure(target.config);

  return {
    ws,
    connector,
    call,
    ok,
    configure,
    health,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${connector.child.pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024,
    close: async () => {
      await connector.stop();
      await ws.close();
      dir.remove();
    },
  };
}
