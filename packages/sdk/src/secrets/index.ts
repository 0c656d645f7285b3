/**
 * `@connector-kit/sdk/secrets`: key pairs and JWE for config secrets (protocol.md §5), shared by
 * the connector runtime and the workspace. Every export is public API.
 */
export {
  JWE_ALG,
  JWE_ENC,
  JWE_ISSUER,
  MIN_RSA_BITS,
  type EncodedKeyPair,
  generateKeyPair,
  importPublicKey,
  importPrivateKey,
  keyId,
  encryptSecret,
  decryptSecret,
} from './jwe.js';
export { keyProofMessage, signKeyProof, verifyKeyProof } from './proof.js';
