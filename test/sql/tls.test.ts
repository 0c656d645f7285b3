/**
 * The SQL connector's `ssl` modes against a throw-away PostgreSQL that accepts only TLS
 * (`hostssl` in pg_hba.conf), with a certificate signed by a CA made here with `openssl`:
 * `off` is refused, `require` is encrypted, `verify` passes with the right `sslCa` and fails
 * with a wrong one. Needs root (the server runs as user postgres, as in .ci/start-postgres.sh),
 * PostgreSQL's binaries and openssl; skipped otherwise, but a failure in CI.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOnFreePort } from '../support/ports.js';
import { startSqlStack, type SqlStack } from './stack.js';

function pgBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin/initdb')))
    .sort((a, b) => Number(a) - Number(b));
  return versions.length === 0 ? undefined : join(base, versions[versions.length - 1]!, 'bin');
}

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const bin = pgBin();
const missing = [
  process.getuid?.() === 0 ? undefined : 'root (to run PostgreSQL as user postgres)',
  bin ? undefined : "PostgreSQL's binaries (apt-get install postgresql)",
  has('openssl') ? undefined : 'openssl',
  has('runuser') ? undefined : 'runuser',
].filter((m) => m !== undefined);
if (missing.length > 0 && process.env.CI) throw new Error(`the PostgreSQL TLS test must run in CI but needs ${missing.join(', ')}`);

const openssl = (cwd: string, args: string[]) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
const asPostgres = (args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });

/** A CA, a server certificate for 127.0.0.1 signed by it, and a second CA that signed nothing. */
function makeCertificates(dir: string): void {
  const subj = (cn: string) => ['-subj', `/CN=${cn}`];
  const selfSignedCa = (name: string, cn: string) =>
    openssl(dir, [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      ...subj(cn),
    ]);
  selfSignedCa('ca', 'ck test CA');
  selfSignedCa('other-ca', 'ck other CA');
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', ...subj('127.0.0.1')]);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  ]);
}

describe.skipIf(missing.length > 0)(
  `sql connector over TLS on PostgreSQL${missing.length > 0 ? ` (skipped: needs ${missing.join(', ')})` : ''}`,
  () => {
    let dir: string;
    let stack: SqlStack;
    let base: Record<string, string | number>;
    const ca = () => readFileSync(join(dir, 'ca.crt'), 'utf8');

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ck-pg-tls-'));
      makeCertificates(dir);
      const postgres = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const group = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      for (const file of ['', 'server.key', 'server.crt']) chownSync(join(dir, file), postgres, group);
      chmodSync(join(dir, 'server.key'), 0o600);
      const data = join(dir, 'data');
      asPostgres([join(bin!, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres']);
      // TLS only: a plain connection finds no pg_hba.conf entry.
      writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhostssl all all 127.0.0.1/32 trust\n');
      // PostgreSQL takes no port 0: a port free a moment ago, and another if it was taken meanwhile.
      const log = (port: number) => join(dir, `log-${port}`);
      const { port } = await startOnFreePort(
        async (port) => {
          const options = [
            `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
            `-c ssl=on -c ssl_cert_file=${join(dir, 'server.crt')} -c ssl_key_file=${join(dir, 'server.key')}`,
          ].join(' ');
          asPostgres([join(bin!, 'pg_ctl'), '-D', data, '-l', log(port), '-w', '-o', options, 'start']);
        },
        (_error, port) => existsSync(log(port)) && readFileSync(log(port), 'utf8').includes('Address already in use'),
      );
      base = { type: 'postgres', host: '127.0.0.1', port, database: 'postgres', user: 'postgres', poolSize: 2 };
      stack = await startSqlStack({ kind: 'postgres', config: { ...base, ssl: 'require' } });
    }, 120_000);

    afterAll(async () => {
      await stack?.close();
      if (dir === undefined) return;
      try {
        asPostgres([join(bin!, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
      } catch {
        // not started
      }
      rmSync(dir, { recursive: true, force: true });
    });

    const sslInUse = async () =>
      (await stack.ok('query', { sql: 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()' })).rows[0]?.ssl;

    it("ssl: 'require' connects encrypted", async () => {
      expect(await sslInUse()).toBe(true);
    });

    it('ssl: \'off\' is refused by a server that accepts only TLS, naming the "ssl" field and pg_hba.conf', async () => {
      await stack.configure({ ...base, ssl: 'off' });
      const health = await stack.health();
      expect(health?.ok).toBe(false);
      expect(health?.error).toContain('set the "ssl" config field to require or verify');
      const { body } = await stack.call('query', { sql: 'SELECT 1' });
      expect(body.error, JSON.stringify(body)).toMatchObject({
        code: 'CONFIG_INVALID',
        details: { field: 'ssl', sqlstate: '28000', retryable: false },
      });
      // The server's own words (which name pg_hba.conf), then what to fix.
      expect(body.error.message).toMatch(
        /^no pg_hba\.conf entry for host "127\.0\.0\.1", user "postgres", database "postgres".*\(SQLSTATE 28000\) — /,
      );
      expect(body.error.message).toContain('its pg_hba.conf needs a line for this host, user and database');
    });

    it("ssl: 'verify' accepts the server's certificate with the CA that signed it", async () => {
      await stack.configure({ ...base, ssl: 'verify', sslCa: ca() });
      expect((await stack.health())?.ok).toBe(true);
      expect(await sslInUse()).toBe(true);
    });

    it("ssl: 'verify' refuses the server's certificate with another CA", async () => {
      await stack.configure({ ...base, ssl: 'verify', sslCa: readFileSync(join(dir, 'other-ca.crt'), 'utf8') });
      expect((await stack.health())?.ok).toBe(false);
      const { body } = await stack.call('query', { sql: 'SELECT 1' });
      expect(body.error, JSON.stringify(body)).toMatchObject({ code: 'CONFIG_INVALID', details: { field: 'sslCa', retryable: false } });
      expect(body.error.message).toMatch(/certificate/i);
      expect(body.error.message).toContain('put the PEM of the CA that did in the "sslCa" config field');
    });
  },
);
