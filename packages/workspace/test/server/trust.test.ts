/**
 * Registration trust (issue 13 finding 1), tried as an attacker would: a leaked registration
 * token, replayed, raced, expired and revoked; a rogue registration with its own key pair and
 * its own config schema; a revoked instance and a removed connector that keep trying. Real
 * sockets on 127.0.0.1, the workspace's real HTTP and WebSocket endpoints.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Feature, KEY_PROOF_HEADER } from '@connector-kit/sdk/protocol';
import { decryptSecret, generateKeyPair, importPrivateKey, signKeyProof } from '@connector-kit/sdk/secrets';
import { WebSocket } from 'ws';
import { FakeConnector, registerBody, startTestWorkspace, type TestWorkspace } from '../helpers.js';

let ws: TestWorkspace;
beforeAll(async () => {
  ws = await startTestWorkspace();
}, 60_000);
afterAll(() => ws?.close());

async function addConnector(name: string, connectorId: string, token: Record<string, unknown> = {}): Promise<string> {
  const added = await ws.api('POST', 'connectors', { name, connectorId, ...token });
  expect(added.status).toBe(201);
  return added.body.registrationToken as string;
}

/** The upgrade status of the transport for a key: 101 when it opens, else the refusal's. */
function upgradeStatus(key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(ws.websocketEndpoint, ['connector'], { headers: { authorization: `Connector ${key}` } });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    socket.once('error', reject);
  });
}

function closed(connector: FakeConnector): Promise<number> {
  return new Promise((resolve) => {
    if (connector.socket.readyState === WebSocket.CLOSED) return resolve(-1);
    connector.socket.once('close', (code) => resolve(code));
  });
}

/**
 * Decrypts a set-config secret with a private key, or answers the error. As an attacker would:
 * the key is tried whatever `kid` the JWE names.
 */
async function tryDecrypt(jwe: unknown, privateKey: string, audience: string): Promise<unknown> {
  const header = JSON.parse(Buffer.from(String(jwe).split('.')[0]!, 'base64url').toString('utf8')) as { kid?: string };
  return decryptSecret(String(jwe), [{ key: importPrivateKey(privateKey), kid: header.kid ?? '' }], audience).catch(
    (error: Error) => error,
  );
}

describe('registration tokens', () => {
  it('expire: a new token lives 1 hour by default, and one past its ttlSeconds registers nothing', async () => {
    await addConnector('tok-expiry', '8101');
    const [token] = (await ws.api('GET', 'connectors/tok-expiry/tokens')).body.tokens;
    expect(token.state).toBe('valid');
    expect(Date.parse(token.expires) - Date.parse(token.created)).toBeGreaterThanOrEqual(3_600_000 - 5_000);
    expect(Date.parse(token.expires) - Date.parse(token.created)).toBeLessThanOrEqual(3_600_000 + 5_000);

    const short = await ws.api('POST', 'connectors/tok-expiry/tokens', { ttlSeconds: 1 });
    expect(short.status).toBe(201);
    await new Promise((r) => setTimeout(r, 1_500));
    const res = await ws.device('register', short.body.registrationToken, registerBody('8101'));
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/REGISTRATION_TOKEN has expired/);
    // Never which connector the token was for.
    expect(res.body.error).not.toContain('tok-expiry');
    const listed = (await ws.api('GET', 'connectors/tok-expiry/tokens')).body.tokens;
    expect(listed.find((t: { id: string }) => t.id === short.body.token.id)).toMatchObject({ state: 'expired', uses: 0 });
    // No instance came of it.
    expect((await ws.api('GET', 'connectors/tok-expiry/instances')).body.instances).toEqual([]);
  });

  it('single use: a replayed token registers nothing, and of 10 racing registrations exactly one wins', async () => {
    const token = await addConnector('tok-single', '8102', { maxUses: 1 });
    expect((await ws.device('register', token, registerBody('8102'))).status).toBe(200);
    const replay = await ws.device('register', token, registerBody('8102', { name: 'attacker' }));
    expect(replay.status).toBe(401);
    expect(replay.body.error).toMatch(/REGISTRATION_TOKEN has registered as many instances as it allows/);

    const raced = await ws.api('POST', 'connectors/tok-single/tokens', { maxUses: 1 });
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        ws.device('register', raced.body.registrationToken, registerBody('8102', { name: `racer-${i}` })),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 401)).toHaveLength(9);
    const instances = (await ws.api('GET', 'connectors/tok-single/instances')).body.instances;
    expect(instances.filter((i: { name: string }) => i.name.startsWith('racer-'))).toHaveLength(1);
  });

  it('a malformed register body does not use up a limited token', async () => {
    const token = await addConnector('tok-bad-body', '8103', { maxUses: 1 });
    expect((await ws.device('register', token, registerBody('8103', { version: 7 }))).status).toBe(400);
    expect((await ws.device('register', token, registerBody('9999'))).status).toBe(403);
    expect((await ws.device('register', token, registerBody('8103'))).status).toBe(200);
  });

  it('revoked: one by id, or all; instances already registered keep their keys', async () => {
    const first = await addConnector('tok-revoke', '8104');
    const registered = await ws.device('register', first, registerBody('8104'));
    const second = await ws.api('POST', 'connectors/tok-revoke/tokens');
    const third = await ws.api('POST', 'connectors/tok-revoke/tokens', { ttlSeconds: 0 });
    expect(third.body.token.expires).toBeNull();

    const one = await ws.api('DELETE', `connectors/tok-revoke/tokens/${second.body.token.id}`);
    expect(one).toMatchObject({ status: 200, body: { revoked: 1 } });
    const refused = await ws.device('register', second.body.registrationToken, registerBody('8104'));
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatch(/REGISTRATION_TOKEN was revoked/);
    expect((await ws.device('register', third.body.registrationToken, registerBody('8104'))).status).toBe(200);

    expect((await ws.api('DELETE', 'connectors/tok-revoke/tokens')).body.revoked).toBe(2);
    for (const token of [first, third.body.registrationToken]) {
      expect((await ws.device('register', token, registerBody('8104'))).status).toBe(401);
    }
    const states = (await ws.api('GET', 'connectors/tok-revoke/tokens')).body.tokens.map((t: { state: string }) => t.state);
    expect(states).toEqual(['revoked', 'revoked', 'revoked']);
    expect((await ws.device('connect', registered.body.key, {})).status).toBe(200);
    expect((await ws.api('DELETE', 'connectors/tok-revoke/tokens/tok_nosuchtoken')).status).toBe(404);
  });

  it('refuses bad limits with 400 naming the member', async () => {
    for (const [body, member] of [
      [{ ttlSeconds: -1 }, 'ttlSeconds'],
      [{ ttlSeconds: 1.5 }, 'ttlSeconds'],
      [{ ttlSeconds: '1h' }, 'ttlSeconds'],
      [{ maxUses: 0 }, 'maxUses'],
      [{ maxUses: 'once' }, 'maxUses'],
    ] as const) {
      const res = await ws.api('POST', 'connectors', { name: 'tok-limits', connectorId: '8105', ...body });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(`"${member}"`);
    }
    // Nothing was created by the refused requests.
    expect((await ws.api('GET', 'connectors/tok-limits')).status).toBe(404);
  });
});

describe('a rogue registration with a leaked token', () => {
  it('with its own key pair and config schema: it gets no socket, no call, no secret, and replaces nothing', async () => {
    const [genuine, rogue] = await Promise.all([generateKeyPair(2048), generateKeyPair(2048)]);
    const token = await addConnector('rogue-fresh', '8201');
    const good = await ws.device('register', token, registerBody('8201', { publicKey: genuine.publicKey, name: 'genuine' }));
    expect(good.status).toBe(200);
    const genuineSocket = await FakeConnector.connect(ws, good.body.key);
    genuineSocket.handlers.set('hello', () => ({ greeting: 'from genuine' }));

    const evilSchema = {
      configSchema: { fields: { exfiltrateTo: { name: 'Where to', type: 'line' } } },
      introspect: 'declare function steal(args: {}): Promise<{}>;\n',
    };
    const bad = await ws.device('register', token, registerBody('8201', { publicKey: rogue.publicKey, name: 'rogue', schema: evilSchema }));
    expect(bad.status).toBe(200);
    // Its key opens no socket: /connect says why (403, not 401: it must not register again), the upgrade is refused.
    const connect = await ws.device('connect', bad.body.key, {});
    expect(connect.status).toBe(403);
    expect(connect.body.error).toMatch(/not accepted.*workspace connector approve rogue-fresh/);
    expect(await upgradeStatus(bad.body.key)).toBe(403);

    // The schema stays the genuine one: its field can be set, the rogue's cannot.
    const manifest = (await ws.api('GET', 'connectors/rogue-fresh')).body.connector.manifest;
    expect(Object.keys(manifest.configSchema.fields)).toContain('apiKey');
    expect(manifest.methods.map((m: { name: string }) => m.name)).toEqual(['hello']);
    const evil = await ws.api('PUT', 'connectors/rogue-fresh/config', { values: { exfiltrateTo: 'https://evil.example' } });
    expect(evil.status).toBe(400);

    const set = await ws.api('PUT', 'connectors/rogue-fresh/config', { values: { apiKey: 'sk-genuine-secret' } });
    expect(set).toMatchObject({ status: 200, body: { pushedTo: 1 } });
    const toGenuine = await genuineSocket
      .waitFor((p) => p.m === 'connector.set-config' && p.a?.secrets?.apiKey !== undefined)
      .then((p) => p.a.secrets.apiKey);
    expect(await tryDecrypt(toGenuine, genuine.privateKey, '8201')).toBe('sk-genuine-secret');
    // Stored encrypted to the accepted key only: nothing in the store the rogue's key opens.
    const [stored] = (await ws.store.getConfig('rogue-fresh')).filter((e) => e.field === 'apiKey');
    const jwes = Object.values((stored!.value as { $jwe: Record<string, string> }).$jwe);
    expect(jwes).toHaveLength(1);
    expect(await tryDecrypt(jwes[0], rogue.privateKey, '8201')).toBeInstanceOf(Error);

    // Every call goes to the genuine instance.
    const calls = await Promise.all([0, 1, 2, 3].map(() => ws.api('POST', 'connectors/rogue-fresh/call', { method: 'hello', args: {} })));
    expect(calls.map((c) => c.body.result)).toEqual(Array(4).fill({ greeting: 'from genuine' }));

    // The admin sees which instance has another key.
    const instances = (await ws.api('GET', 'connectors/rogue-fresh/instances')).body.instances;
    const byName = new Map(instances.map((i: { name: string }) => [i.name, i]));
    expect(byName.get('genuine')).toMatchObject({ keyAccepted: true, manifestAccepted: true, keyState: 'accepted' });
    expect(byName.get('rogue')).toMatchObject({ keyAccepted: false, manifestAccepted: false, keyState: 'pending', online: false });
    await genuineSocket.close();
  });

  it('a re-registration with the accepted key updates the manifest (issue 17 item 5); approve makes another key the accepted one', async () => {
    const [genuine, other] = await Promise.all([generateKeyPair(2048), generateKeyPair(2048)]);
    const token = await addConnector('rekey', '8202');
    const methods = (): Promise<string[]> =>
      ws.api('GET', 'connectors/rekey').then((r) => r.body.connector.manifest.methods.map((m: { name: string }) => m.name));
    await ws.device('register', token, registerBody('8202', { publicKey: genuine.publicKey }));
    const v2 = registerBody('8202', { publicKey: genuine.publicKey, version: '1.1.0' });
    (v2.schema as { introspect: string }).introspect += 'declare function goodbye(args: {}): Promise<{}>;\n';
    expect((await ws.device('register', token, v2)).status).toBe(200);
    expect(await methods()).toEqual(['hello', 'goodbye']);

    const moved = await ws.device('register', token, registerBody('8202', { publicKey: other.publicKey, version: '2.0.0' }));
    expect(await methods()).toEqual(['hello', 'goodbye']);
    const instances = (await ws.api('GET', 'connectors/rekey/instances')).body.instances;
    const newcomer = instances.find((i: { version: string }) => i.version === '2.0.0');
    expect(newcomer.keyAccepted).toBe(false);
    const approved = await ws.api('POST', `connectors/rekey/instances/${newcomer.id}/approve`);
    expect(approved.status).toBe(200);
    expect(await methods()).toEqual(['hello']);
    const connector = await FakeConnector.connect(ws, moved.body.key);
    await ws.api('PUT', 'connectors/rekey/config', { values: { apiKey: 'sk-after-approval' } });
    const secret = await connector
      .waitFor((p) => p.m === 'connector.set-config' && p.a?.secrets?.apiKey !== undefined)
      .then((p) => p.a.secrets.apiKey);
    expect(await tryDecrypt(secret, other.privateKey, '8202')).toBe('sk-after-approval');
    expect(await tryDecrypt(secret, genuine.privateKey, '8202')).toBeInstanceOf(Error);
    await connector.close();
  });
});

describe('workspace instance revoke', () => {
  it('closes its socket with 1008, fails its call in flight, and its key and token open nothing after', async () => {
    const token = await addConnector('revoked', '8301');
    const first = await ws.device('register', token, registerBody('8301', { name: 'rogue' }));
    const other = await ws.api('POST', 'connectors/revoked/tokens');
    const second = await ws.device('register', other.body.registrationToken, registerBody('8301', { name: 'genuine' }));
    const rogue = await FakeConnector.connect(ws, first.body.key);
    const genuine = await FakeConnector.connect(ws, second.body.key);
    genuine.handlers.set('hello', () => ({ greeting: 'from genuine' }));
    const rogueInstance = (await ws.api('GET', 'connectors/revoked/instances')).body.instances.find(
      (i: { name: string }) => i.name === 'rogue',
    );

    // A call that goes to the rogue (round-robin) and is never answered: in flight at the revoke.
    const calls = [0, 1].map(() => ws.api('POST', 'connectors/revoked/call', { method: 'hello', args: {} }));
    await rogue.waitFor((p) => p.m === 'connector.query');
    const code = closed(rogue);
    const revoked = await ws.api('POST', `connectors/revoked/instances/${rogueInstance.id}/revoke`);
    expect(revoked).toMatchObject({ status: 200, body: { revoked: rogueInstance.id, disconnected: true, tokenRevoked: true } });
    expect(await code).toBe(1008);
    const answers = await Promise.all(calls);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 502]);
    expect(answers.find((a) => a.status === 502)!.body.error.code).toBe('CONNECTION_LOST');

    // Its key: no /connect, no socket. Its token: no new registration.
    expect((await ws.device('connect', first.body.key, {})).status).toBe(401);
    expect(await upgradeStatus(first.body.key)).toBe(401);
    const again = await ws.device('register', token, registerBody('8301', { name: 'rogue-again' }));
    expect(again.status).toBe(401);
    expect(again.body.error).toMatch(/revoked/);

    // Every later call goes to the genuine instance.
    const later = await Promise.all([0, 1, 2, 3].map(() => ws.api('POST', 'connectors/revoked/call', { method: 'hello', args: {} })));
    expect(later.map((a) => a.body.result)).toEqual(Array(4).fill({ greeting: 'from genuine' }));
    expect(rogue.packets('connector.query')).toHaveLength(1);
    const listed = (await ws.api('GET', 'connectors/revoked/instances')).body.instances;
    expect(listed.find((i: { id: string }) => i.id === rogueInstance.id).revoked).not.toBeNull();
    await genuine.close();
  });

  it('refuses secrets while the accepted key is only that of a revoked instance, until another is approved', async () => {
    const keys = await generateKeyPair(2048);
    const token = await addConnector('revoked-accepted', '8302');
    const first = await ws.device('register', token, registerBody('8302', { publicKey: keys.publicKey }));
    const other = await ws.api('POST', 'connectors/revoked-accepted/tokens');
    const fresh = await generateKeyPair(2048);
    await ws.device('register', other.body.registrationToken, registerBody('8302', { publicKey: fresh.publicKey, name: 'second' }));
    const instances = (await ws.api('GET', 'connectors/revoked-accepted/instances')).body.instances;
    const accepted = instances.find((i: { manifestAccepted: boolean }) => i.manifestAccepted);
    expect(first.status).toBe(200);
    await ws.api('POST', `connectors/revoked-accepted/instances/${accepted.id}/revoke`);
    const refused = await ws.api('PUT', 'connectors/revoked-accepted/config', { values: { apiKey: 'sk-x' } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('NO_ACCEPTED_KEY');
    // Plain fields need no key.
    expect((await ws.api('PUT', 'connectors/revoked-accepted/config', { values: { region: 'eu' } })).status).toBe(200);
    const second = instances.find((i: { name: string }) => i.name === 'second');
    expect((await ws.api('POST', `connectors/revoked-accepted/instances/${accepted.id}/approve`)).status).toBe(409);
    expect((await ws.api('POST', `connectors/revoked-accepted/instances/${second.id}/approve`)).status).toBe(200);
    expect((await ws.api('PUT', 'connectors/revoked-accepted/config', { values: { apiKey: 'sk-x' } })).status).toBe(200);
  });

  it('answers 404 for an instance of another connector', async () => {
    const token = await addConnector('revoke-a', '8303');
    const registered = await ws.device('register', token, registerBody('8303'));
    await addConnector('revoke-b', '8304');
    const id = (await ws.api('GET', 'connectors/revoke-a/instances')).body.instances[0].id;
    expect((await ws.api('POST', `connectors/revoke-b/instances/${id}/revoke`)).status).toBe(404);
    expect((await ws.device('connect', registered.body.key, {})).status).toBe(200);
  });
});

describe('workspace connector rm', () => {
  it('disconnects its instances with 1008 and leaves nothing their key or token opens', async () => {
    const token = await addConnector('removed', '8401');
    const registered = await ws.device('register', token, registerBody('8401'));
    const connector = await FakeConnector.connect(ws, registered.body.key);
    const code = closed(connector);
    const removed = await ws.api('DELETE', 'connectors/removed');
    expect(removed).toMatchObject({ status: 200, body: { deleted: 'removed', instances: 1, disconnected: 1 } });
    expect(await code).toBe(1008);
    expect((await ws.api('GET', 'connectors/removed')).status).toBe(404);
    expect((await ws.device('connect', registered.body.key, {})).status).toBe(401);
    expect(await upgradeStatus(registered.body.key)).toBe(401);
    expect((await ws.device('register', token, registerBody('8401'))).status).toBe(401);
    // The name can be used again, with nothing of the old one.
    await addConnector('removed', '8402');
    expect((await ws.api('GET', 'connectors/removed/instances')).body.instances).toEqual([]);
    expect((await ws.api('DELETE', 'connectors/no-such-connector')).status).toBe(404);
  });
});

/** What an SDK connector with its private key does: connect with key-proof, sign the challenge, upgrade with the proof. */
async function provenConnect(key: string, privateKey: string | undefined, proof?: (answer: any) => string): Promise<FakeConnector> {
  const connect = await ws.device('connect', key, { protocol: { version: 1, features: [Feature.keyProof] } });
  if (connect.status !== 200) throw new Error(`connect ${connect.status}: ${connect.body.error}`);
  expect(connect.body.protocol.features).toContain(Feature.keyProof);
  const signature =
    proof?.(connect.body) ?? signKeyProof(importPrivateKey(privateKey!), connect.body.instance.id, connect.body.challenge as string);
  return FakeConnector.connect(ws, key, ['connector'], { [KEY_PROOF_HEADER]: signature });
}

/** The upgrade status after a key-proof connect, with the proof `sign` makes from the connect answer. */
async function provenUpgradeStatus(key: string, sign: (answer: any) => string | undefined): Promise<number> {
  const connect = await ws.device('connect', key, { protocol: { version: 1, features: [Feature.keyProof] } });
  if (connect.status !== 200) return connect.status;
  const proof = sign(connect.body);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Connector ${key}` };
    if (proof !== undefined) headers[KEY_PROOF_HEADER] = proof;
    const socket = new WebSocket(ws.websocketEndpoint, ['connector'], { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    socket.once('error', reject);
  });
}

describe('proof of possession (key-proof): a rogue with the genuine PUBLIC key', () => {
  it('gets no socket, no call, no OAuth step and no manifest, however it tries', async () => {
    const [genuine, other] = await Promise.all([generateKeyPair(2048), generateKeyPair(2048)]);
    const token = await addConnector('rogue-public', '8501');
    const oauthSchema = { ...(registerBody('8501').schema as { configSchema: object }) };
    oauthSchema.configSchema = { ...oauthSchema.configSchema, oauth: true };
    const protocol = { version: 1, features: [Feature.keyProof] };
    const good = await ws.device(
      'register',
      token,
      registerBody('8501', { publicKey: genuine.publicKey, name: 'genuine', schema: oauthSchema, protocol }),
    );
    let genuineProof = '';
    const genuineSocket = await provenConnect(good.body.key, undefined, (a) => {
      genuineProof = signKeyProof(importPrivateKey(genuine.privateKey), a.instance.id, a.challenge);
      return genuineProof;
    });
    genuineSocket.handlers.set('hello', () => ({ greeting: 'from genuine' }));
    let oauthSteps = 0;
    genuineSocket.socket.on('message', (data) => {
      for (const p of JSON.parse(data.toString()).p) {
        if (p.m === 'connector.start-oauth') {
          oauthSteps++;
          genuineSocket.send({ c: p.c, a: { url: 'https://auth.example/authorize?redirect_uri={{redirectURI}}' } });
        }
      }
    });
    await vi.waitFor(() => expect(ws.hub.online('rogue-public')).toHaveLength(1));

    // The rogue registers with the leaked token and the genuine public key (and its own methods).
    const evil = { ...oauthSchema, introspect: 'declare function steal(args: {}): Promise<{}>;\n' };
    const rogue = await ws.device(
      'register',
      token,
      registerBody('8501', { publicKey: genuine.publicKey, name: 'rogue', schema: evil, protocol }),
    );
    expect(rogue.status).toBe(200);
    const statuses = [
      // No proof at all.
      await provenUpgradeStatus(rogue.body.key, () => undefined),
      // A signature by another key.
      await provenUpgradeStatus(rogue.body.key, (a) => signKeyProof(importPrivateKey(other.privateKey), a.instance.id, a.challenge)),
      // Garbage.
      await provenUpgradeStatus(rogue.body.key, () => 'AAAA'),
      // The genuine instance's proof, replayed: bound to the genuine instance id and to a used challenge.
      await provenUpgradeStatus(rogue.body.key, () => genuineProof),
      // Straight to the socket, without connect (so without a challenge).
      await upgradeStatus(rogue.body.key),
    ];
    expect(statuses).toEqual([403, 403, 403, 403, 403]);
    // Pretending to be a v1 connector, which cannot sign: refused once the connector's instances prove their key.
    const v1 = await ws.device('connect', rogue.body.key, {});
    expect(v1.status).toBe(403);
    expect(v1.body.error).toMatch(/cannot prove it holds the private key/);

    expect(ws.hub.online('rogue-public').map((o) => o.name)).toEqual(['genuine']);
    const calls = await Promise.all(
      Array.from({ length: 6 }, () => ws.api('POST', 'connectors/rogue-public/call', { method: 'hello', args: {} })),
    );
    expect(calls.map((c) => c.body.result)).toEqual(Array(6).fill({ greeting: 'from genuine' }));
    for (let i = 0; i < 3; i++) expect((await ws.api('POST', 'connectors/rogue-public/oauth')).status).toBe(200);
    expect(oauthSteps).toBe(3);
    const manifest = (await ws.api('GET', 'connectors/rogue-public')).body.connector.manifest;
    expect(manifest.methods.map((m: { name: string }) => m.name)).toEqual(['hello']);
    await genuineSocket.close();
  });

  it('a proven re-registration of a new version updates the manifest once it proved its key', async () => {
    const keys = await generateKeyPair(2048);
    const token = await addConnector('proven-update', '8502');
    const protocol = { version: 1, features: [Feature.keyProof] };
    const first = await ws.device('register', token, registerBody('8502', { publicKey: keys.publicKey, protocol }));
    (await provenConnect(first.body.key, keys.privateKey)).socket.close();
    const v2 = registerBody('8502', { publicKey: keys.publicKey, protocol, version: '1.1.0' });
    (v2.schema as { introspect: string }).introspect += 'declare function goodbye(args: {}): Promise<{}>;\n';
    const second = await ws.device('register', token, v2);
    const methods = (): Promise<string[]> =>
      ws.api('GET', 'connectors/proven-update').then((r) => r.body.connector.manifest.methods.map((m: { name: string }) => m.name));
    // Registered, not proven yet: the accepted manifest is still the first one.
    expect(await methods()).toEqual(['hello']);
    const connector = await provenConnect(second.body.key, keys.privateKey);
    expect(await methods()).toEqual(['hello', 'goodbye']);
    await connector.close();
  });
});

describe('replicas with different key pairs', () => {
  it('each read the secret once the second key is approved, each from its own JWE', async () => {
    const [a, b] = await Promise.all([generateKeyPair(2048), generateKeyPair(2048)]);
    const protocol = { version: 1, features: [Feature.keyProof] };
    const token = await addConnector('two-keys', '8601');
    const first = await ws.device('register', token, registerBody('8601', { publicKey: a.publicKey, name: 'a', protocol }));
    const second = await ws.device('register', token, registerBody('8601', { publicKey: b.publicKey, name: 'b', protocol }));
    const replicaA = await provenConnect(first.body.key, a.privateKey);
    await expect(provenConnect(second.body.key, b.privateKey)).rejects.toThrow(/connect 403/);
    const id = (await ws.api('GET', 'connectors/two-keys/instances')).body.instances.find((i: { name: string }) => i.name === 'b').id;
    expect((await ws.api('POST', `connectors/two-keys/instances/${id}/approve`)).status).toBe(200);
    const replicaB = await provenConnect(second.body.key, b.privateKey);
    await vi.waitFor(() => expect(ws.hub.online('two-keys')).toHaveLength(2));

    expect((await ws.api('PUT', 'connectors/two-keys/config', { values: { apiKey: 'sk-both' } })).body.pushedTo).toBe(2);
    const secretOf = (c: FakeConnector): Promise<unknown> =>
      c.waitFor((p) => p.m === 'connector.set-config' && p.a?.secrets?.apiKey !== undefined).then((p) => p.a.secrets.apiKey);
    const [toA, toB] = await Promise.all([secretOf(replicaA), secretOf(replicaB)]);
    expect(await tryDecrypt(toA, a.privateKey, '8601')).toBe('sk-both');
    expect(await tryDecrypt(toB, b.privateKey, '8601')).toBe('sk-both');
    await Promise.all([replicaA.close(), replicaB.close()]);
  });
});

describe('v1 connectors (ALOMA SDK: no key-proof)', () => {
  it('are trusted on first use, joined by replicas with the same key, never re-keyed, and wait for approval once proof is required', async () => {
    const [keys, other] = await Promise.all([generateKeyPair(2048), generateKeyPair(2048)]);
    const token = await addConnector('v1-trust', '8701');
    const first = await ws.device('register', token, registerBody('8701', { publicKey: keys.publicKey }));
    expect((await ws.device('connect', first.body.key, {})).body.challenge).toBeUndefined();
    const replica = await ws.device('register', token, registerBody('8701', { publicKey: keys.publicKey, name: 'replica' }));
    expect((await ws.device('connect', replica.body.key, {})).status).toBe(200);
    const rekeyed = await ws.device('register', token, registerBody('8701', { publicKey: other.publicKey, name: 'rekeyed' }));
    expect((await ws.device('connect', rekeyed.body.key, {})).status).toBe(403);

    // Once an instance proved the key, a v1 instance with it waits for the admin.
    const proven = await ws.device(
      'register',
      token,
      registerBody('8701', { publicKey: keys.publicKey, name: 'sdk', protocol: { version: 1, features: [Feature.keyProof] } }),
    );
    (await provenConnect(proven.body.key, keys.privateKey)).socket.close();
    const late = await ws.device('register', token, registerBody('8701', { publicKey: keys.publicKey, name: 'late-v1' }));
    expect((await ws.device('connect', late.body.key, {})).status).toBe(403);
    const id = (await ws.api('GET', 'connectors/v1-trust/instances')).body.instances.find((i: { name: string }) => i.name === 'late-v1').id;
    await ws.api('POST', `connectors/v1-trust/instances/${id}/approve`);
    expect((await ws.device('connect', late.body.key, {})).status).toBe(200);
  });
});
