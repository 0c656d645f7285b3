import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConnectorError, defineConnector, defineMethod, field, runConnector, type RunningConnector } from '../../src/index.js';
import { stateFileName } from '../../src/internal/index.js';
import { FakeWorkspace } from '../support/fake-workspace.js';
import { silentLogger } from '../support/logs.js';

const plain = defineConnector({
  id: 'run-test',
  name: 'Run test',
  config: { region: field.line({ plain: true }) },
  methods: { ping: defineMethod({ description: 'ping', input: z.object({}), handler: () => 'pong' }) },
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fake workspace, an empty temp folder and the env of instance `hostname`, all cleaned up after the test. */
async function stateFixture(hostname: string): Promise<{ fake: FakeWorkspace; dir: string; env: Record<string, string> }> {
  const fake = await FakeWorkspace.start();
  cleanups.push(() => fake.stop());
  const dir = mkdtempSync(join(tmpdir(), 'ck-run-state-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const env = {
    REGISTRATION_TOKEN: fake.registrationToken,
    DEVICE_ENDPOINT: fake.deviceEndpoint,
    WEBSOCKET_ENDPOINT: fake.websocketEndpoint,
    HOSTNAME: hostname,
  };
  return { fake, dir, env };
}

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    return { code: (error as ConnectorError).code, message: (error as Error).message };
  }
  throw new Error('expected a throw');
}

describe('runConnector', () => {
  it('connects with settings from env, serves queries, and stops', async () => {
    const fake = await FakeWorkspace.start();
    cleanups.push(() => fake.stop());
    const running: RunningConnector = runConnector(plain, {
      env: {
        REGISTRATION_TOKEN: fake.registrationToken,
        DEVICE_ENDPOINT: fake.deviceEndpoint,
        WEBSOCKET_ENDPOINT: fake.websocketEndpoint,
        HOSTNAME: 'pod-7',
      },
      logger: silentLogger,
      handleSignals: false,
    });
    cleanups.push(() => running.stop());
    await running.ready;
    expect(fake.hits.find((h) => h.path === '/register')?.body).toMatchObject({
      id: 'run-test',
      name: 'pod-7',
      version: '0.0.0',
      publicKey: null,
    });
    expect(await fake.request('connector.query', { query: 'ping' })).toEqual({ ping: 'pong' });
    await running.stop();
    expect(fake.count('disconnect')).toBe(1);
  });

  it('rejects ready when the registration token is refused', async () => {
    const fake = await FakeWorkspace.start();
    cleanups.push(() => fake.stop());
    const running = runConnector(plain, {
      env: { REGISTRATION_TOKEN: 'wrong', DEVICE_ENDPOINT: fake.deviceEndpoint, WEBSOCKET_ENDPOINT: fake.websocketEndpoint },
      logger: silentLogger,
      handleSignals: false,
    });
    cleanups.push(() => running.stop());
    await expect(running.ready).rejects.toMatchObject({ code: 'REGISTRATION_REJECTED' });
  });

  it('throws CONNECTOR_ID_MISSING without an id', () => {
    const noId = defineConnector({ name: 'No id', methods: {} });
    expect(thrown(() => runConnector(noId, { env: {}, logger: silentLogger, handleSignals: false }))).toMatchInlineSnapshot(`
      {
        "code": "CONNECTOR_ID_MISSING",
        "message": "no connector id: set "connectorId" in package.json or \`id\` in defineConnector()",
      }
    `);
  });

  it('keeps its connector key in stateDir, so a restart of the same instance does not register again', async () => {
    const { fake, dir, env } = await stateFixture('pod-7');
    for (let start = 0; start < 2; start++) {
      const running = runConnector(plain, { env, stateDir: join(dir, 'state'), logger: silentLogger, handleSignals: false });
      await running.ready;
      expect(await fake.request('connector.query', { query: 'ping' })).toEqual({ ping: 'pong' });
      await running.stop();
    }
    expect(fake.count('register')).toBe(1);
    expect(readdirSync(join(dir, 'state'))).toEqual([stateFileName('pod-7')]);
  });

  it('lets CONNECTOR_STATE_DIR move the state folder, or (empty) keep no key at all', async () => {
    const { fake, dir, env: base } = await stateFixture('pod-8');
    const start = async (env: Record<string, string>) => {
      const running = runConnector(plain, {
        env: { ...base, ...env },
        stateDir: join(dir, 'default'),
        logger: silentLogger,
        handleSignals: false,
      });
      await running.ready;
      await running.stop();
    };
    await start({ CONNECTOR_STATE_DIR: join(dir, 'moved') });
    expect(readdirSync(dir).sort()).toEqual(['moved']);
    await start({ CONNECTOR_STATE_DIR: '' });
    await start({ CONNECTOR_STATE_DIR: '' });
    expect(readdirSync(dir).sort()).toEqual(['moved']);
    expect(fake.count('register')).toBe(3);
  });

  it('throws KEYS_MISSING for a connector with secret fields and no key pair', () => {
    const secretive = defineConnector({ id: 's', name: 'S', config: { apiKey: field.line() }, methods: {} });
    expect(thrown(() => runConnector(secretive, { env: {}, logger: silentLogger, handleSignals: false })).code).toBe('KEYS_MISSING');
  });
});
