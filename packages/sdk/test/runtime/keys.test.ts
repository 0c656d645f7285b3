import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/index.js';
import { readRuntimeEnv } from '../../src/internal/index.js';
import { loadKeys } from '../../src/runtime/keys.js';
import { generateKeyPair, importPublicKey, keyId, type EncodedKeyPair } from '../../src/secrets/index.js';

let a: EncodedKeyPair;
let b: EncodedKeyPair;
beforeAll(async () => {
  [a, b] = await Promise.all([generateKeyPair(2048), generateKeyPair(2048)]);
}, 60_000);

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    return { code: (error as ConnectorError).code, message: (error as Error).message };
  }
  throw new Error('expected a throw');
}

describe('loadKeys', () => {
  it('throws KEYS_MISSING, naming the variable and the command to run, when secret fields need keys', () => {
    expect(thrown(() => loadKeys(readRuntimeEnv({}), true))).toMatchInlineSnapshot(`
      {
        "code": "KEYS_MISSING",
        "message": "this connector has secret config fields but PRIVATE_KEY is not set: run 'connector keys' in the project folder to write a new key pair to .env, then start again",
      }
    `);
    expect(thrown(() => loadKeys(readRuntimeEnv({ PRIVATE_KEY: a.privateKey }), true)).message).toContain('PUBLIC_KEY is not set');
  });

  it('runs without keys when no field is secret', () => {
    expect(loadKeys(readRuntimeEnv({}), false)).toEqual({ ring: [], publicKey: null });
  });

  it('builds the ring with the key id of the public key', () => {
    const { ring, publicKey } = loadKeys(readRuntimeEnv({ PRIVATE_KEY: a.privateKey, PUBLIC_KEY: a.publicKey }), true);
    expect(publicKey).toBe(a.publicKey);
    expect(ring.map((k) => k.kid)).toEqual([keyId(importPublicKey(a.publicKey))]);
  });

  it('rejects a public key that does not belong to the private key', () => {
    expect(thrown(() => loadKeys(readRuntimeEnv({ PRIVATE_KEY: a.privateKey, PUBLIC_KEY: b.publicKey }), true))).toMatchInlineSnapshot(`
      {
        "code": "KEY_INVALID",
        "message": "PUBLIC_KEY does not belong to PRIVATE_KEY: run 'connector keys --force' to write a matching pair",
      }
    `);
  });

  it('adds PREVIOUS_PRIVATE_KEY after the current key', () => {
    const { ring } = loadKeys(
      readRuntimeEnv({ PRIVATE_KEY: a.privateKey, PUBLIC_KEY: a.publicKey, PREVIOUS_PRIVATE_KEY: b.privateKey }),
      true,
    );
    expect(ring.map((k) => k.kid)).toEqual([keyId(importPublicKey(a.publicKey)), keyId(importPublicKey(b.publicKey))]);
  });

  it('rejects keys that are not base64 PEM, and RSA keys under 2048 bits', () => {
    expect(thrown(() => loadKeys(readRuntimeEnv({ PRIVATE_KEY: 'bm90IGEga2V5', PUBLIC_KEY: a.publicKey }), true)).code).toBe('KEY_INVALID');
    const small = generateKeyPairSync('rsa', {
      modulusLength: 1024,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const env = readRuntimeEnv({
      PRIVATE_KEY: Buffer.from(small.privateKey).toString('base64'),
      PUBLIC_KEY: Buffer.from(small.publicKey).toString('base64'),
    });
    expect(thrown(() => loadKeys(env, true))).toMatchInlineSnapshot(`
      {
        "code": "KEY_INVALID",
        "message": "PRIVATE_KEY must be an RSA key of at least 2048 bits (got rsa, 1024 bits)",
      }
    `);
  });
});
