/**
 * Secret values as compact JWE (protocol.md §5): RSA-OAEP-256 key wrapping, A256GCM content,
 * JWT claims `iss: "home.aloma.io"`, `aud: <connector id>`, `iat`, payload `{"_data": value}`.
 *
 * The workspace encrypts with the connector's public key; only the connector's private key
 * decrypts. Nothing else is accepted (reliability.md item 21): one algorithm pair, RSA ≥ 2048.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair as generateKeyPairCb, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type * as Jose from 'jose';

/**
 * jose, loaded on first use: a connector without secrets never needs it, and one with secrets
 * gets its config after it has connected, so the import no longer delays the start (it cost
 * about 50 ms of it).
 */
let jose: Promise<typeof Jose> | undefined;
const loadJose = (): Promise<typeof Jose> => (jose ??= import('jose'));
import { ConnectorError } from '../errors.js';

const generateKeyPairAsync = promisify(generateKeyPairCb);

/** Key wrapping algorithm of §5. */
export const JWE_ALG = 'RSA-OAEP-256';
/** Content encryption of §5. */
export const JWE_ENC = 'A256GCM';
/** Issuer claim of §5. */
export const JWE_ISSUER = 'home.aloma.io';
/** Smallest RSA modulus accepted, in bits. */
export const MIN_RSA_BITS = 2048;

/** A key pair as it lives in env and `.env`: base64 of PEM (PKCS#8 private, SPKI public), §1. */
export interface EncodedKeyPair {
  privateKey: string;
  publicKey: string;
}

/**
 * Generates a fresh RSA key pair, encoded as `PRIVATE_KEY` / `PUBLIC_KEY` expect.
 * @param bits modulus length; @default 3072
 */
export async function generateKeyPair(bits = 3072): Promise<EncodedKeyPair> {
  if (bits < MIN_RSA_BITS) throw new RangeError(`RSA keys need at least ${MIN_RSA_BITS} bits, got ${bits}`);
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    privateKey: Buffer.from(privateKey).toString('base64'),
    publicKey: Buffer.from(publicKey).toString('base64'),
  };
}

function decodePem(value: string, what: 'PRIVATE_KEY' | 'PUBLIC_KEY'): string {
  const text = value.includes('-----BEGIN') ? value : Buffer.from(value, 'base64').toString('utf8');
  if (!text.includes('-----BEGIN')) {
    throw new ConnectorError('KEY_INVALID', `${what} is not base64 of a PEM key: run 'connector keys' to write a new pair to .env`);
  }
  return text;
}

function checkRsa(key: KeyObject, what: string): KeyObject {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_BITS) {
    throw new ConnectorError(
      'KEY_INVALID',
      `${what} must be an RSA key of at least ${MIN_RSA_BITS} bits (got ${key.asymmetricKeyType ?? 'unknown'}, ${bits} bits)`,
    );
  }
  return key;
}

/** Parses `PUBLIC_KEY` (base64 PEM or PEM). @throws ConnectorError `KEY_INVALID` */
export function importPublicKey(encoded: string): KeyObject {
  try {
    return checkRsa(createPublicKey(decodePem(encoded, 'PUBLIC_KEY')), 'PUBLIC_KEY');
  } catch (error) {
    if (error instanceof ConnectorError) throw error;
    throw new ConnectorError('KEY_INVALID', `PUBLIC_KEY could not be read: ${(error as Error).message}`);
  }
}

/** Parses `PRIVATE_KEY` (base64 PEM or PEM). @throws ConnectorError `KEY_INVALID` */
export function importPrivateKey(encoded: string): KeyObject {
  try {
    return checkRsa(createPrivateKey(decodePem(encoded, 'PRIVATE_KEY')), 'PRIVATE_KEY');
  } catch (error) {
    if (error instanceof ConnectorError) throw error;
    // The message of a failed parse never contains key material, but keep it generic anyway.
    throw new ConnectorError('KEY_INVALID', "PRIVATE_KEY could not be read: run 'connector keys' to write a new pair to .env");
  }
}

/** A short stable id of a public key (SHA-256 of its DER), used as the JWE `kid` (reliability.md item 22). */
export function keyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url').slice(0, 16);
}

/** Encrypts one value for the connector `audience` (§5). */
export async function encryptSecret(value: unknown, publicKey: KeyObject, audience: string): Promise<string> {
  const { EncryptJWT } = await loadJose();
  return new EncryptJWT({ _data: value })
    .setProtectedHeader({ alg: JWE_ALG, enc: JWE_ENC, kid: keyId(publicKey) })
    .setIssuer(JWE_ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .encrypt(publicKey);
}

/**
 * Decrypts with the first of `privateKeys` whose `kid` matches (or, for a JWE without `kid`,
 * the first that works). Only RSA-OAEP-256/A256GCM is accepted.
 * @throws ConnectorError `SECRET_UNREADABLE` with the same text whatever went wrong, so the
 *   error tells an attacker nothing; callers add the field name. `SECRET_KEY_UNKNOWN` when the
 *   JWE names a `kid` the ring does not hold.
 */
export async function decryptSecret(
  jwe: string,
  privateKeys: ReadonlyArray<{ key: KeyObject; kid: string }>,
  audience: string,
): Promise<unknown> {
  const kid = readKid(jwe);
  const candidates = kid === undefined ? privateKeys : privateKeys.filter((k) => k.kid === kid);
  const { jwtDecrypt } = await loadJose();
  for (const { key } of candidates) {
    try {
      const { payload } = await jwtDecrypt(jwe, key, {
        issuer: JWE_ISSUER,
        audience,
        keyManagementAlgorithms: [JWE_ALG],
        contentEncryptionAlgorithms: [JWE_ENC],
      });
      return payload._data;
    } catch {
      // try the next key
    }
  }
  if (kid !== undefined && candidates.length === 0) {
    // Item 22: a key id the ring does not hold is its own typed error (e.g. a rotation that
    // dropped the previous key too early). The kid comes from the sender: shown only when tame.
    const shown = /^[\w-]{1,64}$/.test(kid) ? kid : '(unprintable)';
    throw new ConnectorError(
      'SECRET_KEY_UNKNOWN',
      `the value was encrypted to key ${shown}, which this connector does not hold: set the old key as PREVIOUS_PRIVATE_KEY during a rotation, or set the value again`,
      { details: { kid: shown } },
    );
  }
  throw new ConnectorError('SECRET_UNREADABLE', "the value could not be decrypted with this connector's key");
}

function readKid(jwe: string): string | undefined {
  const header = jwe.split('.', 1)[0];
  if (!header) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof parsed.kid === 'string' ? parsed.kid : undefined;
  } catch {
    return undefined;
  }
}
