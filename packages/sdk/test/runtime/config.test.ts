import { beforeAll, describe, expect, it } from 'vitest';
import { decodeConfig, type KeyRing } from '../../src/runtime/config.js';
import { encryptSecret, generateKeyPair, importPrivateKey, importPublicKey, keyId } from '../../src/secrets/index.js';
import type { ConfigSchema } from '../../src/protocol/index.js';
import { captureLogger, silentLogger } from '../support/logs.js';

const schema: ConfigSchema = {
  fields: {
    apiKey: { name: 'API key', type: 'line' },
    port: { name: 'Port', type: 'number', plain: true },
    debug: { name: 'Debug', type: 'boolean', plain: true, optional: true },
    note: { name: 'Note', type: 'multiline', optional: true },
    oauthResult: { name: 'OAuth', type: 'managed' },
  },
};

let ring: KeyRing;
let encrypt: (value: unknown) => Promise<string>;
beforeAll(async () => {
  const pair = await generateKeyPair(2048);
  const pub = importPublicKey(pair.publicKey);
  ring = [{ key: importPrivateKey(pair.privateKey), kid: keyId(pub) }];
  encrypt = (value) => encryptSecret(value, pub, 'cfg-test');
}, 60_000);

describe('decodeConfig', () => {
  it('decrypts secrets, keeps plain values, and coerces numbers and booleans', async () => {
    const decoded = await decodeConfig(
      { apiKey: await encrypt('k-1'), port: '8080', debug: 'false' },
      schema,
      ring,
      'cfg-test',
      silentLogger,
    );
    expect(decoded).toEqual({ values: { apiKey: 'k-1', port: 8080, debug: false }, unreadable: [], missing: [], secret: ['apiKey'] });
  });

  it('lists as secret the decrypted fields and the declared non-plain ones sent in clear, never the plain ones (issue 13 finding 6)', async () => {
    const decoded = await decodeConfig(
      { apiKey: 'sent-in-clear', port: '8080', extra: await encrypt('undeclared'), plainExtra: 'x', note: await encrypt('n') },
      schema,
      ring,
      'cfg-test',
      silentLogger,
    );
    expect(decoded.secret.sort()).toEqual(['apiKey', 'extra', 'note']);
  });

  it('lists required fields without a value, ignoring optional and managed ones', async () => {
    const decoded = await decodeConfig({ port: '' }, schema, ring, 'cfg-test', silentLogger);
    expect(decoded.missing).toEqual(['apiKey', 'port']);
  });

  it('reports a value encrypted for another audience as unreadable, by name', async () => {
    const capture = captureLogger();
    const other = await encryptSecret('x', importPublicKey((await generateKeyPair(2048)).publicKey), 'cfg-test');
    const decoded = await decodeConfig({ apiKey: other, port: 1 }, schema, ring, 'cfg-test', capture.logger);
    expect(decoded.unreadable).toEqual(['apiKey']);
    expect(decoded.values).toEqual({ port: 1 });
    expect(capture.lines().map((l) => l.msg)).toEqual([expect.stringMatching(/^config field "apiKey" could not be decrypted: /)]);
  });

  it('reports encrypted values as unreadable when the connector has no key', async () => {
    const decoded = await decodeConfig({ apiKey: await encrypt('k') }, schema, [], 'cfg-test', silentLogger);
    expect(decoded.unreadable).toEqual(['apiKey']);
    expect(decoded.values).toEqual({});
  });

  it('keeps a "__proto__" field as data without touching Object.prototype', async () => {
    const decoded = await decodeConfig(JSON.parse('{"__proto__": {"polluted": true}, "port": 1}'), schema, ring, 'cfg-test', silentLogger);
    expect(Object.hasOwn(decoded.values, '__proto__')).toBe(true);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('treats a non-object secrets member as empty', async () => {
    expect((await decodeConfig('nope', schema, ring, 'cfg-test', silentLogger)).values).toEqual({});
  });
});
