/**
 * Proof of possession of a connector's private key (protocol extension `key-proof`, issue 13
 * finding 1): a public key is public, so presenting one proves nothing. The workspace sends a
 * random challenge in the `connect` answer; the connector signs it, bound to its instance id,
 * with RSA-PSS SHA-256; the workspace verifies the signature with the registered public key.
 */
import { constants, sign, verify, type KeyObject } from 'node:crypto';
import { importPublicKey } from './jwe.js';

/** What is signed: a fixed label (so the signature means nothing elsewhere), the instance id and the challenge. */
export function keyProofMessage(instanceId: string, challenge: string): Buffer {
  return Buffer.from(`connector-kit key proof v1\n${instanceId}\n${challenge}`, 'utf8');
}

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };

/** Signs a challenge with the connector's private key; base64url. */
export function signKeyProof(privateKey: KeyObject, instanceId: string, challenge: string): string {
  return sign('sha256', keyProofMessage(instanceId, challenge), { key: privateKey, ...PSS }).toString('base64url');
}

/** True when `proof` is the signature of the challenge by the private key of `publicKey` (base64 PEM). Never throws. */
export function verifyKeyProof(publicKey: string, instanceId: string, challenge: string, proof: string): boolean {
  try {
    const signature = Buffer.from(proof, 'base64url');
    if (signature.length === 0 || signature.length > 1024) return false;
    return verify('sha256', keyProofMessage(instanceId, challenge), { key: importPublicKey(publicKey), ...PSS }, signature);
  } catch {
    return false;
  }
}
