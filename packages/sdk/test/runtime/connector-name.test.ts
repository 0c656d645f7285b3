/**
 * Messages that tell a person what to run name the connector as the workspace knows it: the name
 * the workspace answers to `connect`, else the name the runtime was given (`connector start`: the
 * package name), never a literal `<connector>` placeholder.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildManifest, defineConnector, oauth2 } from '../../src/index.js';
import { ConnectorRuntime, readRuntimeEnv } from '../../src/internal/index.js';
import { loadKeys } from '../../src/runtime/keys.js';
import type { KeyRing } from '../../src/runtime/config.js';
import { generateKeyPair } from '../../src/secrets/index.js';
import { FakeWorkspace } from '../support/fake-workspace.js';
import { silentLogger } from '../support/logs.js';

const connector = defineConnector({
  name: 'CRM',
  auth: oauth2({ authorizationUrl: 'https://crm.example.test/authorize', tokenUrl: 'https://crm.example.test/token', clientId: 'c' }),
  methods: { me: { description: 'who am I', input: z.object({}), handler: (_i, ctx) => ctx.http.get('https://crm.example.test/me') } },
});

let ring: KeyRing;
beforeAll(async () => {
  const pair = await generateKeyPair(2048);
  ring = loadKeys(readRuntimeEnv({ PRIVATE_KEY: pair.privateKey, PUBLIC_KEY: pair.publicKey }), true).ring;
}, 60_000);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function healthAfterConfig(workspaceName: string | undefined, name: string | undefined): Promise<unknown> {
  const fake = await FakeWorkspace.start({ ...(workspaceName === undefined ? {} : { workspaceName }) });
  cleanups.push(() => fake.stop());
  const runtime = new ConnectorRuntime({
    connector,
    connectorId: 'crm',
    version: '1.0.0',
    schema: buildManifest(connector),
    logger: silentLogger,
    keys: ring,
    env: {},
    ...(name === undefined ? {} : { name }),
    link: {
      instanceName: 'crm-1',
      registrationToken: fake.registrationToken,
      deviceEndpoint: fake.deviceEndpoint,
      websocketEndpoint: fake.websocketEndpoint,
    },
  });
  cleanups.push(() => runtime.shutdown());
  const open = new Promise<void>((resolve) => runtime.link.once('open', () => resolve()));
  runtime.start();
  await open;
  await fake.request('connector.set-config', { secrets: {} });
  const health = await fake.waitForPacket((p) => p.m === 'connector.health.check');
  const call = await fake.request('connector.query', { query: 'me', variables: {} });
  return { health: health.a, call };
}

describe('the connector name in REAUTHORIZATION_REQUIRED', () => {
  it('is the name the workspace answered to connect', async () => {
    expect(await healthAfterConfig('crm-eu', 'crm-package')).toEqual({
      health: { ok: false, error: "not connected yet: connect the account with 'workspace oauth connect crm-eu'" },
      call: { error: "not connected yet: connect the account with 'workspace oauth connect crm-eu'" },
    });
  });

  it('is the name the runtime was given when the workspace does not say (a v1 workspace)', async () => {
    const { health } = (await healthAfterConfig(undefined, 'crm-package')) as { health: { error: string } };
    expect(health.error).toBe("not connected yet: connect the account with 'workspace oauth connect crm-package'");
  });

  it("falls back to the definition's name as a workspace name", async () => {
    const { health } = (await healthAfterConfig(undefined, undefined)) as { health: { error: string } };
    expect(health.error).toContain("'workspace oauth connect CRM'");
  });
});
