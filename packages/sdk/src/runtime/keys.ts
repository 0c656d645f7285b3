/**
 * The connector's key ring from `PRIVATE_KEY` / `PREVIOUS_PRIVATE_KEY` (protocol.md §1, §5).
 */
import { createPublicKey } from 'node:crypto';
import { importPrivateKey, importPublicKey, keyId } from '../secrets/index.js';
import { ConnectorError } from '../errors.js';
import type { KeyRing } from './config.js';
import type { RuntimeEnv } from './env.js';

/** The key ring and the public key to register with. */
export interface ConnectorKeys {
  ring: KeyRing;
  publicKey: string | null;
}

/**
 * Reads the key pair. A connector with secret fields cannot run without one: the workspace
 * would have nothing to encrypt to.
 * @throws ConnectorError `KEYS_MISSING` / `KEY_INVALID`
 */
export function loadKeys(env: RuntimeEnv, needsKeys: boolean): ConnectorKeys {
  if (!env.privateKey || !env.publicKey) {
    if (needsKeys) {
      throw new ConnectorError(
        'KEYS_MISSING',
        `this connector has secret config fields but ${!env.privateKey ? 'PRIVATE_KEY' : 'PUBLIC_KEY'} is not set: ` +
          "run 'connector keys' in the project folder to write a new key pair to .env, then start again",
      );
    }
    return { ring: [], publicKey: null };
  }
  const key = importPrivateKey(env.privateKey);
  const pub = importPublicKey(env.publicKey);
  const derived = createPublicKey(key);
  if (keyId(derived) !== keyId(pub)) {
    throw new ConnectorError(
      'KEY_INVALID',
      "PUBLIC_KEY does not belong to PRIVATE_KEY: run 'connector keys --force' to write a matching pair",
    );
  }
  const ring = [{ key, kid: keyId(pub) }];
  if (env.previousPrivateKey) {
    const previous = importPrivateKey(env.previousPrivateKey);
    ring.push({ key: previous, kid: keyId(createPublicKey(previous)) });
  }
  return { ring, publicKey: env.publicKey };
}
