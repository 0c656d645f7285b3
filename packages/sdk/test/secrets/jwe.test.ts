import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CompactEncrypt, EncryptJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/index.js';
import {
  decryptSecret,
  encryptSecret,
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  JWE_ISSUER,
  keyId,
} from '../../src/secrets/index.js';

interface Pair {
  pub: KeyObject;
  priv: KeyObject;
  kid: string;
}

let current: Pair;
let previous: Pair;
let stranger: Pair;
const AUD = 'crm-connector';

async function pair(): Promise<Pair> {
  const encoded = await generateKeyPair(2048);
  const pub = importPublicKey(encoded.publicKey);
  return { pub, priv: importPrivateKey(encoded.privateKey), kid: keyId(pub) };
}

beforeAll(async () => {
  [current, previous, stranger] = await Promise.all([pair(), pair(), pair()]);
}, 60_000);

const ring = () => [{ key: current.priv, kid: current.kid }];

async function failure(jwe: string, keys = ring(), audience = AUD): Promise<{ code: string; message: string }> {
  const error = await decryptSecret(jwe, keys, audience).then(
    () => {
      throw new Error('expected decryption to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return { code: (error as ConnectorError).code, message: (error as Error).message };
}

/** A JWE with the §5 claims, but the algorithms chosen by the test. */
function jweWith(alg: string, enc: string, key: KeyObject | Uint8Array, kid?: string): Promise<string> {
  return new EncryptJWT({ _data: 'value' })
    .setProtectedHeader({ alg, enc, ...(kid === undefined ? {} : { kid }) })
    .setIssuer(JWE_ISSUER)
    .setAudience(AUD)
    .setIssuedAt()
    .encrypt(key);
}

const UNIFORM = { code: 'SECRET_UNREADABLE', message: "the value could not be decrypted with this connector's key" };

describe('encryptSecret / decryptSecret', () => {
  it('round-trips any JSON value', async () => {
    for (const value of ['s3cr3t', 42, true, null, { nested: ['a', 1] }]) {
      expect(await decryptSecret(await encryptSecret(value, current.pub, AUD), ring(), AUD)).toEqual(value);
    }
  });

  it('writes RSA-OAEP-256 / A256GCM with the key id and the §5 claims', async () => {
    const jwe = await encryptSecret('x', current.pub, AUD);
    expect(jwe.split('.')).toHaveLength(5);
    expect(JSON.parse(Buffer.from(jwe.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      kid: current.kid,
    });
  });

  it('fails with one uniform SECRET_UNREADABLE for the wrong audience, wrong key, other algorithms and garbage', async () => {
    const cases = {
      audience: await failure(await encryptSecret('x', current.pub, 'another-connector')),
      keyClaimingOurKid: await failure(await jweWith('RSA-OAEP-256', 'A256GCM', stranger.pub, current.kid)),
      keyWithoutKid: await failure(await jweWith('RSA-OAEP-256', 'A256GCM', stranger.pub)),
      rsaOaep: await failure(await jweWith('RSA-OAEP', 'A256GCM', current.pub, current.kid)),
      a128gcm: await failure(await jweWith('RSA-OAEP-256', 'A128GCM', current.pub, current.kid)),
      direct: await failure(await jweWith('dir', 'A256GCM', new Uint8Array(32), current.kid)),
      tampered: await failure(
        (await encryptSecret('x', current.pub, AUD)).replace(
          /\.(.)([^.]*)$/,
          (_m, c: string, rest: string) => `.${c === 'A' ? 'B' : 'A'}${rest}`,
        ),
      ),
      garbage: await failure('not.a.jwe.at.all'),
      empty: await failure(''),
    };
    for (const [name, outcome] of Object.entries(cases)) expect({ name, ...outcome }).toEqual({ name, ...UNIFORM });
  });

  it('rejects a JWE that is not a JWT with the §5 issuer', async () => {
    const bare = await new CompactEncrypt(new TextEncoder().encode('{"_data":"x"}'))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: current.kid })
      .encrypt(current.pub);
    expect(await failure(bare)).toEqual(UNIFORM);
  });

  it('fails with a typed error naming the key id when the JWE was encrypted to a key it does not hold', async () => {
    expect(await failure(await encryptSecret('x', stranger.pub, AUD))).toEqual({
      code: 'SECRET_KEY_UNKNOWN',
      message: `the value was encrypted to key ${stranger.kid}, which this connector does not hold: set the old key as PREVIOUS_PRIVATE_KEY during a rotation, or set the value again`,
    });
  });

  it('does not echo a key id that is not a plain token', async () => {
    const odd = await jweWith('RSA-OAEP-256', 'A256GCM', stranger.pub, '<script>' + 'x'.repeat(200));
    const outcome = await failure(odd);
    expect(outcome.code).toBe('SECRET_KEY_UNKNOWN');
    expect(outcome.message).toContain('(unprintable)');
    expect(outcome.message).not.toContain('<script>');
  });

  it('still decrypts with the previous key of the ring during a rotation', async () => {
    const rotated = [
      { key: current.priv, kid: current.kid },
      { key: previous.priv, kid: previous.kid },
    ];
    expect(await decryptSecret(await encryptSecret('old', previous.pub, AUD), rotated, AUD)).toBe('old');
    expect(await decryptSecret(await encryptSecret('new', current.pub, AUD), rotated, AUD)).toBe('new');
    // Once the previous key leaves the ring, its secrets no longer decrypt: a typed unknown-kid error.
    expect((await failure(await encryptSecret('old', previous.pub, AUD))).code).toBe('SECRET_KEY_UNKNOWN');
  });

  it('never puts the clear value in its error', async () => {
    const jwe = await encryptSecret('MARKER-91c2', current.pub, 'someone-else');
    const error = await decryptSecret(jwe, ring(), AUD).catch((e: unknown) => e as ConnectorError);
    expect(JSON.stringify(error)).not.toContain('MARKER-91c2');
    expect(String((error as Error).message)).not.toContain('MARKER-91c2');
  });
});

describe('generateKeyPair / importPrivateKey / importPublicKey', () => {
  it('refuses to generate an RSA key under 2048 bits', async () => {
    await expect(generateKeyPair(1024)).rejects.toThrow(RangeError);
  });

  it('rejects RSA 1024 and non-RSA keys with KEY_INVALID', () => {
    const pem = (k: { publicKey: string; privateKey: string }) => ({
      pub: Buffer.from(k.publicKey).toString('base64'),
      priv: Buffer.from(k.privateKey).toString('base64'),
    });
    const rsa1024 = pem(
      generateKeyPairSync('rsa', {
        modulusLength: 1024,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      }),
    );
    const ec = pem(
      generateKeyPairSync('ec', {
        namedCurve: 'P-256',
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      }),
    );
    const messages = [
      () => importPublicKey(rsa1024.pub),
      () => importPrivateKey(rsa1024.priv),
      () => importPublicKey(ec.pub),
      () => importPrivateKey('bm90IGEga2V5'),
    ].map((fn) => {
      try {
        fn();
        return 'accepted';
      } catch (error) {
        return `${(error as ConnectorError).code}: ${(error as Error).message}`;
      }
    });
    expect(messages).toMatchInlineSnapshot(`
      [
        "KEY_INVALID: PUBLIC_KEY must be an RSA key of at least 2048 bits (got rsa, 1024 bits)",
        "KEY_INVALID: PRIVATE_KEY must be an RSA key of at least 2048 bits (got rsa, 1024 bits)",
        "KEY_INVALID: PUBLIC_KEY must be an RSA key of at least 2048 bits (got ec, 0 bits)",
        "KEY_INVALID: PRIVATE_KEY is not base64 of a PEM key: run 'connector keys' to write a new pair to .env",
      ]
    `);
  });

  it('accepts raw PEM as well as base64 PEM', async () => {
    const encoded = await generateKeyPair(2048);
    const raw = Buffer.from(encoded.publicKey, 'base64').toString('utf8');
    expect(keyId(importPublicKey(raw))).toBe(keyId(importPublicKey(encoded.publicKey)));
  });
});
