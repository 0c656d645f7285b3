/**
 * Registration trust (issue 13 finding 1): how long registration tokens live and how often
 * they register, which public key and manifest of a connector the workspace accepted, and the
 * reasons a token is refused, in words that say what to do.
 */
import { importPublicKey, keyId } from '@connector-kit/sdk/secrets';
import { WorkspaceError } from '../errors.js';
import type { ConnectorKeyRecord, InstanceRecord, RegistrationTokenCheck, RegistrationTokenLimits, Store } from '../store/store.js';
import { isRecord } from '@connector-kit/sdk/protocol';

/** Lifetime of a new registration token unless the admin asks otherwise (GitHub's runner tokens live as long). */
export const DEFAULT_REGISTRATION_TOKEN_TTL_MS = 60 * 60 * 1000;

/** Longest lifetime a token may be given, in seconds (a year); `0` asks for one that never expires. */
const MAX_TTL_SECONDS = 366 * 24 * 60 * 60;

/**
 * The limits of a new token from the body of `POST connectors` or `POST connectors/:name/tokens`:
 * `ttlSeconds` (0: never expires) and `maxUses` (registrations it allows).
 * @throws WorkspaceError `BAD_REQUEST` naming the member that is wrong
 */
export function tokenLimits(body: unknown, defaultTtlMs: number | null): RegistrationTokenLimits {
  const given = isRecord(body) ? body : {};
  const { ttlSeconds, maxUses } = given;
  if (
    ttlSeconds !== undefined &&
    (typeof ttlSeconds !== 'number' || !Number.isInteger(ttlSeconds) || ttlSeconds < 0 || ttlSeconds > MAX_TTL_SECONDS)
  ) {
    throw new WorkspaceError(
      'BAD_REQUEST',
      `"ttlSeconds" must be an integer from 1 to ${MAX_TTL_SECONDS}, or 0 for a token that never expires; got ${JSON.stringify(ttlSeconds)}`,
    );
  }
  if (maxUses !== undefined && maxUses !== null && (typeof maxUses !== 'number' || !Number.isInteger(maxUses) || maxUses < 1)) {
    throw new WorkspaceError(
      'BAD_REQUEST',
      `"maxUses" must be a positive integer (1: single use), or null for any number; got ${JSON.stringify(maxUses)}`,
    );
  }
  return {
    ttlMs: ttlSeconds === undefined ? defaultTtlMs : ttlSeconds === 0 ? null : ttlSeconds * 1000,
    maxUses: (maxUses as number | null | undefined) ?? null,
  };
}

/** Why `POST /register` refuses a token, and what to do: never which connector it was for. */
export function refusedTokenMessage(reason: Exclude<RegistrationTokenCheck, { ok: true }>['reason'] | 'missing', scheme: string): string {
  const fresh = "make a new one with 'workspace connector token <name>'";
  switch (reason) {
    case 'missing':
      return `REGISTRATION_TOKEN is missing: send "Authorization: ${scheme} <token>" with the token printed by 'workspace connector add'`;
    case 'revoked':
      return `REGISTRATION_TOKEN was revoked by the workspace's admin: ${fresh}`;
    case 'expired':
      return `REGISTRATION_TOKEN has expired (a token lives 1 hour unless made with --ttl): ${fresh}`;
    case 'used up':
      return `REGISTRATION_TOKEN has registered as many instances as it allows (--uses): ${fresh}`;
    case 'unknown':
    default:
      return `REGISTRATION_TOKEN is not a registration token of this workspace: copy the token printed by 'workspace connector add', or ${fresh}`;
  }
}

/** Key id of instances that registered without a public key. */
export const NO_KEY = 'none';

/** The key id of a public key (the `kid` the SDK puts in JWEs encrypted to it), or {@link NO_KEY}. */
export function kidOf(publicKey: string | null): string {
  return publicKey === null ? NO_KEY : keyId(importPublicKey(publicKey));
}

/**
 * The key record of an instance, made when missing. A connector registered before keys were
 * recorded (schema 3) gets its accepted instance's key as its first, accepted, key first.
 */
export async function keyOfInstance(store: Store, instance: InstanceRecord): Promise<ConnectorKeyRecord> {
  const kid = kidOf(instance.publicKey);
  const known = await store.getKey(instance.connector, kid);
  if (known) return known;
  if ((await store.listKeys(instance.connector)).length === 0) {
    const accepted = await store.acceptedInstance(instance.connector);
    if (accepted && accepted.id !== instance.id) await store.addKey(instance.connector, kidOf(accepted.publicKey), accepted.publicKey);
  }
  return store.addKey(instance.connector, kid, instance.publicKey);
}

/** Whether an instance is served (calls, config, OAuth steps), and whether it must prove its key first. */
export type Admission = { ok: true; proof: boolean } | { ok: false; code: string; message: string };

/**
 * Decides whether an instance may connect (§2 step 1) and open its socket (§3):
 * - its key must be accepted (a connector's first key is; later ones wait for
 *   `workspace connector approve`), or the instance approved by the admin;
 * - an instance that negotiated key-proof signs the `connect` challenge (§8 key-proof);
 * - one that cannot (ALOMA's v1 SDK, or no private key) is served only while no instance of
 *   its connector ever proved its key, or once the admin approved it.
 */
export async function admission(store: Store, instance: InstanceRecord, keyProof: boolean): Promise<Admission> {
  const key = await keyOfInstance(store, instance);
  const approve = `'workspace connector approve ${instance.connector} ${instance.id}'`;
  if (instance.approved) return { ok: true, proof: false };
  if (key.state !== 'accepted') {
    return {
      ok: false,
      code: 'KEY_NOT_ACCEPTED',
      message: `instance "${instance.name}" registered with public key ${key.kid}, which the workspace's admin has not accepted for connector "${instance.connector}" (${key.state}): it gets no calls, config or OAuth steps until ${approve}`,
    };
  }
  if (keyProof && instance.publicKey !== null) return { ok: true, proof: true };
  if (await store.proofRequired(instance.connector)) {
    return {
      ok: false,
      code: 'KEY_PROOF_REQUIRED',
      message: `instance "${instance.name}" cannot prove it holds the private key of its PUBLIC_KEY (it did not negotiate key-proof: ALOMA's v1 SDK, or no PRIVATE_KEY), and connector "${instance.connector}" requires that proof since one of its instances gave it: if the instance is yours, ${approve}`,
    };
  }
  return { ok: true, proof: false };
}
