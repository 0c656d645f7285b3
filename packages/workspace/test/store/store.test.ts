import { randomBytes } from 'node:crypto';
import { chmod, lstat, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from '../../src/store/migrations.js';
import { openPgliteDriver } from '../../src/store/pglite.js';
import { openPostgresDriver } from '../../src/store/postgres.js';
import { openStore } from '../../src/store/open.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { type Store } from '../../src/store/store.js';
import { FakeConnector, addAndRegister, copyPgliteTemplate, makeDataDir, startTestWorkspace } from '../helpers.js';

interface Backend {
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

const manifest = { configSchema: { fields: {} }, introspect: '' };

/** The behaviour both backends must share. */
function storeContract(makeBackend: () => Promise<Backend>): void {
  let backend: Backend;
  let store: Store;
  beforeAll(async () => {
    backend = await makeBackend();
    store = await backend.open();
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await backend?.cleanup();
  });

  it('adds connectors and refuses a second one of the same name with CONFLICT', async () => {
    const created = await store.createConnector('crm', '1234');
    expect(created).toMatchObject({ name: 'crm', connectorId: '1234' });
    expect(created.created).toBeInstanceOf(Date);
    await expect(store.createConnector('crm', '1')).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await store.listConnectors()).map((c) => c.name)).toContain('crm');
    expect(await store.getConnector('none')).toBeUndefined();
  });

  it('finds a connector by the hash of its registration token', async () => {
    await store.createConnector('tok', '1');
    await store.addRegistrationToken('tok', 'hash-1');
    expect(await store.findConnectorByToken('hash-1')).toMatchObject({ name: 'tok' });
    expect(await store.findConnectorByToken('hash-2')).toBeUndefined();
  });

  it('counts registrations against a limited token atomically, and tells why a token is refused', async () => {
    await store.createConnector('limited', '1');
    const token = await store.addRegistrationToken('limited', 'hash-limited', { ttlMs: 3_600_000, maxUses: 3 });
    expect(token).toMatchObject({ connector: 'limited', maxUses: 3, uses: 0, revoked: false });
    expect(token.expires!.getTime() - token.created.getTime()).toBe(3_600_000);
    // Concurrent uses (on PostgreSQL, on several pooled connections): exactly maxUses win.
    const uses = await Promise.all(Array.from({ length: 12 }, () => store.useRegistrationToken('hash-limited')));
    expect(uses.filter((u) => u.ok)).toHaveLength(3);
    expect(uses.filter((u) => !u.ok).map((u) => (u.ok ? '' : u.reason))).toEqual(Array(9).fill('used up'));
    expect((await store.listRegistrationTokens('limited'))[0]).toMatchObject({ uses: 3 });

    await store.addRegistrationToken('limited', 'hash-expired', { ttlMs: -1, maxUses: null });
    expect(await store.checkRegistrationToken('hash-expired')).toEqual({ ok: false, reason: 'expired' });
    expect(await store.useRegistrationToken('hash-expired')).toEqual({ ok: false, reason: 'expired' });
    expect(await store.checkRegistrationToken('hash-none')).toEqual({ ok: false, reason: 'unknown' });
    const open = await store.addRegistrationToken('limited', 'hash-open');
    expect(open).toMatchObject({ expires: null, maxUses: null });
    expect(await store.revokeRegistrationTokens('limited', open.id)).toBe(1);
    expect(await store.revokeRegistrationTokens('limited', open.id)).toBe(0);
    expect(await store.useRegistrationToken('hash-open')).toEqual({ ok: false, reason: 'revoked' });
    expect(await store.findConnectorByToken('hash-open')).toBeUndefined();
  });

  it('keeps the accepted manifest apart from the newest instance, revokes instances and removes connectors', async () => {
    await store.createConnector('accepted', '1');
    const base = { connector: 'accepted', name: 'n', version: '1.0.0', deployment: '', publicKey: null, manifest };
    const first = await store.createInstance({ ...base, keyHash: 'acc-1' });
    expect(await store.acceptedInstance('accepted')).toBeUndefined();
    await store.acceptManifest('accepted', first.id);
    await store.createInstance({ ...base, keyHash: 'acc-2' });
    expect((await store.acceptedInstance('accepted'))?.id).toBe(first.id);
    // An instance of another connector is never accepted for this one.
    await store.createConnector('accepted-other', '2');
    const foreign = await store.createInstance({ ...base, connector: 'accepted-other', keyHash: 'acc-3' });
    await store.acceptManifest('accepted', foreign.id);
    expect((await store.acceptedInstance('accepted'))?.id).toBe(first.id);
    expect(await store.revokeInstance('accepted', foreign.id)).toBeUndefined();
    expect((await store.revokeInstance('accepted', first.id))?.revoked).toBeInstanceOf(Date);
    expect((await store.findInstanceByKey('acc-1'))?.revoked).toBeInstanceOf(Date);

    await store.setConfig('accepted', [{ field: 'a', value: 1, secret: false }]);
    await store.createTask({ connector: 'accepted', instance: first.id, name: 't', data: {} });
    expect(await store.deleteConnector('accepted')).toBe(true);
    expect(await store.deleteConnector('accepted')).toBe(false);
    expect(await store.findInstanceByKey('acc-2')).toBeUndefined();
    expect(await store.getConfig('accepted')).toEqual([]);
    expect(await store.listTasks({ connector: 'accepted' })).toEqual([]);
  });

  it('creates instances, finds them by key hash, and answers the newest', async () => {
    await store.createConnector('inst', '1');
    const base = { connector: 'inst', name: 'n', version: '1.0.0', deployment: '', publicKey: null, manifest };
    const first = await store.createInstance({ ...base, keyHash: 'k1' });
    const second = await store.createInstance({ ...base, version: '1.1.0', keyHash: 'k2' });
    expect(await store.findInstanceByKey('k1')).toMatchObject({ id: first.id, manifest });
    expect((await store.latestInstance('inst'))?.id).toBe(second.id);
    await expect(store.createInstance({ ...base, keyHash: 'k1' })).rejects.toThrow();
    await store.touchInstance(first.id);
    expect((await store.getInstance(first.id))?.lastSeen).toBeInstanceOf(Date);
    // Every instance, newest first: offline ones are listed too.
    expect((await store.listInstances('inst')).map((i) => i.id)).toEqual([second.id, first.id]);
    expect(await store.listInstances('none')).toEqual([]);
  });

  it('upserts config fields and keeps their types', async () => {
    await store.createConnector('cfg', '1');
    await store.setConfig('cfg', [
      { field: 'region', value: 'eu', secret: false },
      { field: 'size', value: 42, secret: false },
      { field: 'apiKey', value: 'jwe', secret: true },
    ]);
    await store.setConfig('cfg', [{ field: 'region', value: 'us', secret: false }]);
    const entries = await store.getConfig('cfg');
    expect(entries.map(({ field, value, secret }) => ({ field, value, secret }))).toEqual([
      { field: 'apiKey', value: 'jwe', secret: true },
      { field: 'region', value: 'us', secret: false },
      { field: 'size', value: 42, secret: false },
    ]);
    // Unset and set in one transaction: the removed fields are gone, the others stay.
    await store.setConfig('cfg', [{ field: 'size', value: 7, secret: false }], ['apiKey', 'region', 'never-set']);
    expect((await store.getConfig('cfg')).map(({ field, value }) => ({ field, value }))).toEqual([{ field: 'size', value: 7 }]);
  });

  it('creates tasks, shallow-merges updates, and scopes updates to the connector', async () => {
    await store.createConnector('tasks', '1');
    const { id, created } = await store.createTask({ connector: 'tasks', instance: null, name: 't', data: { a: 1, nested: { x: 1 } } });
    expect(created).toBe(true);
    expect(await store.updateTask('tasks', id, { nested: { y: 2 }, b: 2 })).toBe(true);
    expect(await store.updateTask('other', id, { c: 3 })).toBe(false);
    expect(await store.updateTask('tasks', 'missing', {})).toBe(false);
    expect((await store.getTask(id))?.data).toEqual({ a: 1, nested: { y: 2 }, b: 2 });
    expect((await store.listTasks({ connector: 'tasks' })).map((t) => t.id)).toEqual([id]);
  });

  it('creates exactly one task for 50 parallel inserts with one idempotency key', async () => {
    await store.createConnector('idem', '1');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.createTask({ connector: 'idem', instance: null, name: `t${i}`, data: {}, idempotencyKey: 'same-key' }),
      ),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await store.listTasks({ connector: 'idem' })).toHaveLength(1);
    // Without a key, and with the same key on another connector, tasks are distinct.
    await store.createConnector('idem2', '1');
    const other = await store.createTask({ connector: 'idem2', instance: null, name: 't', data: {}, idempotencyKey: 'same-key' });
    expect(other.created).toBe(true);
    await store.createTask({ connector: 'idem', instance: null, name: 'a', data: {} });
    await store.createTask({ connector: 'idem', instance: null, name: 'b', data: {} });
    expect(await store.listTasks({ connector: 'idem' })).toHaveLength(3);
  });

  it('keeps webhooks by id and name, and removes them with their message ids', async () => {
    const hook = await store.createWebhook({ id: 'wh_1', name: 'orders', secret: 'whsec_x' });
    expect(hook).toMatchObject({ id: 'wh_1', name: 'orders', secret: 'whsec_x' });
    await store.createWebhook({ id: 'wh_2', name: 'open', secret: null });
    await expect(store.createWebhook({ id: 'wh_3', name: 'orders', secret: null })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await store.listWebhooks()).map((w) => [w.name, w.secret])).toEqual([
      ['open', null],
      ['orders', 'whsec_x'],
    ]);
    const task = await store.createWebhookTask({ webhook: 'wh_1', messageId: 'm1', name: 'orders', data: { n: 1 } });
    expect(await store.getTask(task.id)).toMatchObject({ connector: null, instance: null, name: 'orders', data: { n: 1 } });
    expect(await store.deleteWebhook('orders')).toBe(true);
    expect(await store.deleteWebhook('wh_1')).toBe(false);
    expect(await store.getWebhook('wh_1')).toBeUndefined();
    // The task stays; a new webhook reusing the id would not see the old message ids.
    expect(await store.getTask(task.id)).toBeDefined();
  });

  it('creates exactly one task for 50 parallel deliveries of one webhook message', async () => {
    await store.createWebhook({ id: 'wh_dup', name: 'dup', secret: null });
    const deliver = (messageId: string | null, n: number) =>
      store.createWebhookTask({ webhook: 'wh_dup', messageId, name: 'dup', data: { n } });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => deliver('msg_same', i)));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    // Another id, or none, is another task.
    expect((await deliver('msg_other', 0)).created).toBe(true);
    const [a, b] = await Promise.all([deliver(null, 1), deliver(null, 2)]);
    expect(a.id).not.toBe(b.id);
    const ids = new Set([...results.map((r) => r.id), a.id, b.id]);
    const tasks = (await store.listTasks({ limit: 1000 })).filter((t) => ids.has(t.id));
    expect(tasks).toHaveLength(3);
  });

  it('stores blobs with metadata and content, per connector', async () => {
    await store.createConnector('blobs', '1');
    const blob = await store.createBlob({ connector: 'blobs', content: Buffer.from('abc').toString('base64'), name: 'a', meta: { k: 1 } });
    expect(blob).toMatchObject({ size: 3, name: 'a', meta: { k: 1 }, mimetype: null });
    expect(await store.getBlob('blobs', blob.id)).toMatchObject({ id: blob.id, size: 3 });
    expect(await store.getBlobContent('blobs', blob.id)).toBe('YWJj');
    expect(await store.getBlobContent('other', blob.id)).toBeUndefined();
  });
}

describe('SqlStore on PGlite', () => {
  let dataDir: string;
  storeContract(async () => {
    dataDir = await makeDataDir();
    await copyPgliteTemplate(dataDir);
    return { open: () => openStore({ dataDir }), cleanup: () => rm(dataDir, { recursive: true, force: true }) };
  });

  it('upgrades a database of schema 1 to webhooks without touching its tasks', async () => {
    const dir = await makeDataDir();
    try {
      const driver = await openPgliteDriver(join(dir, 'pglite'));
      expect(await migrate(driver, MIGRATIONS.slice(0, 1))).toEqual([1]);
      await driver.query(`INSERT INTO connectors (name, connector_id) VALUES ('old', '1')`);
      await driver.query(`INSERT INTO tasks (id, connector, name, data) VALUES ('t1', 'old', 'kept', '{"v":1}')`);
      await driver.query(`INSERT INTO registration_tokens (token_hash, connector) VALUES ('old-hash', 'old')`);
      for (const [id, at] of [
        ['i-older', '2020-01-01'],
        ['i-newer', '2021-01-01'],
      ]) {
        await driver.query(
          `INSERT INTO instances (id, connector, name, version, key_hash, manifest, created) VALUES ($1, 'old', 'n', '1', $1, '{"configSchema":{"fields":{}},"introspect":""}', $2)`,
          [id, at],
        );
      }
      expect(await migrate(driver)).toEqual(MIGRATIONS.slice(1).map((m) => m.version));
      const store = await SqlStore.open(driver);
      expect(await store.getTask('t1')).toMatchObject({ connector: 'old', data: { v: 1 } });
      // Schema 3: a token made before tokens expired keeps working (until revoked); the newest
      // instance's manifest is the accepted one, as it was the shown one before.
      expect(await store.useRegistrationToken('old-hash')).toMatchObject({ ok: true, tokenId: expect.stringMatching(/^old/) });
      expect((await store.listRegistrationTokens('old'))[0]).toMatchObject({ expires: null, maxUses: null, uses: 1 });
      expect((await store.acceptedInstance('old'))?.id).toBe('i-newer');
      await store.createWebhook({ id: 'wh_up', name: 'up', secret: null });
      expect((await store.createWebhookTask({ webhook: 'wh_up', messageId: 'm', name: 'up', data: {} })).created).toBe(true);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('keeps its files to their owner: 0600 files, 0700 folders, also in a folder made before the rule (issue 13 finding 6)', async () => {
    /** Every entry under `dir` that the group or others may use, as "mode path". */
    const open = async (dir: string): Promise<string[]> => {
      const found: string[] = [];
      const walk = async (path: string): Promise<void> => {
        const info = await lstat(path);
        if ((info.mode & 0o077) !== 0) found.push(`${(info.mode & 0o777).toString(8)} ${path}`);
        if (info.isDirectory()) for (const entry of await readdir(path)) await walk(join(path, entry));
      };
      await walk(dir);
      return found;
    };
    const dir = await makeDataDir();
    try {
      // A new store, loaded from the template (PGlite unpacks it 0666), then written to (WAL, new relations).
      const store = await openStore({ dataDir: dir });
      await store.createConnector('modes', '1');
      await store.createWebhook({ id: 'wh_modes', name: 'modes', secret: 'whsec_secret' });
      await store.close();
      const pglite = join(dir, 'pglite');
      expect((await readdir(join(pglite, 'pg_wal'))).length).toBeGreaterThan(0);
      expect(await open(pglite)).toEqual([]);
      // A folder left open by an older version (and a stray file): the next start closes it.
      await chmod(pglite, 0o755);
      await chmod(join(pglite, 'PG_VERSION'), 0o666);
      await writeFile(join(pglite, 'stray'), 'x', { mode: 0o644 });
      await chmod(join(pglite, 'stray'), 0o644);
      expect((await open(pglite)).length).toBe(3);
      const reopened = await openStore({ dataDir: dir });
      expect(await reopened.getConnector('modes')).toMatchObject({ connectorId: '1' });
      await reopened.close();
      expect(await open(pglite)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('keeps its data across a restart, and applies each migration once', async () => {
    const dir = await makeDataDir();
    try {
      // A fresh folder: this is the one test that creates a PGlite database from scratch.
      const first = await openStore({ dataDir: dir });
      await first.createConnector('persisted', '7');
      const { id } = await first.createTask({ connector: 'persisted', instance: null, name: 'kept', data: { v: 1 } });
      await first.close();
      const driver = await openPgliteDriver(join(dir, 'pglite'));
      expect(await migrate(driver)).toEqual([]);
      expect(await driver.query('SELECT version FROM schema_migrations ORDER BY version')).toEqual(
        MIGRATIONS.map((m) => ({ version: m.version })),
      );
      const second = await SqlStore.open(driver);
      expect(await second.getConnector('persisted')).toMatchObject({ connectorId: '7' });
      expect(await second.getTask(id)).toMatchObject({ name: 'kept', data: { v: 1 } });
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

const databaseUrl = process.env.TEST_DATABASE_URL;

if (databaseUrl) {
  const dropSchema = async (name: string): Promise<void> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await client.end();
  };

  describe('SqlStore on PostgreSQL', () => {
    const schema = `ck_test_${randomBytes(6).toString('hex')}`;
    storeContract(async () => ({
      open: () => openStore({ databaseUrl, postgres: { schema } }),
      cleanup: () => dropSchema(schema),
    }));

    it('backs a whole workspace: register, connect, tasks', async () => {
      const ws = await startTestWorkspace({ databaseUrl, postgres: { schema: `${schema}_ws` } });
      try {
        const { key } = await addAndRegister(ws, 'pg-crm', '1');
        expect((await ws.device('connect', key)).status).toBe(200);
        const connector = await FakeConnector.connect(ws, key);
        const id: string = await connector.request('connector.task.new', { name: 'stored in postgres', a: {} });
        expect(id).toEqual(expect.any(String));
        expect((await ws.api('GET', `tasks/${id}`)).body.task.name).toBe('stored in postgres');
        await connector.close();
      } finally {
        await ws.close();
        await dropSchema(`${schema}_ws`);
      }
    }, 60_000);

    it('migrates safely when two workspaces start at once', async () => {
      const fresh = `${schema}_race`;
      try {
        const drivers = await Promise.all([1, 2].map(() => openPostgresDriver(databaseUrl, { schema: fresh })));
        const stores = await Promise.all(drivers.map((d) => SqlStore.open(d)));
        await stores[0]!.createConnector('race', '1');
        expect(await stores[1]!.getConnector('race')).toBeDefined();
        await Promise.all(stores.map((s) => s.close()));
      } finally {
        await dropSchema(fresh);
      }
    });
  });
} else if (process.env.CI === 'true') {
  describe('SqlStore on PostgreSQL', () => {
    it('runs in CI', () => {
      throw new Error('TEST_DATABASE_URL is not set: CI must run the PostgreSQL store tests against a real database');
    });
  });
} else {
  console.warn('[workspace] PostgreSQL store tests skipped: set TEST_DATABASE_URL=postgres://… to run them');
  describe.skip('SqlStore on PostgreSQL (skipped: set TEST_DATABASE_URL=postgres://… to run)', () => {
    it('shares the behaviour of the PGlite store', () => {});
  });
}
