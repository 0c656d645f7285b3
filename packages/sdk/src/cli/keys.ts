/**
 * `connector keys`: write a fresh key pair to `.env` (protocol.md §1, §5).
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { generateKeyPair, importPublicKey, keyId } from '../secrets/index.js';
import { ConnectorError } from '../errors.js';

/** Options of {@link writeKeys}. */
export interface KeysOptions {
  dir: string;
  /** Replace an existing pair. @default false */
  force?: boolean;
  /** Keep the current private key as `PREVIOUS_PRIVATE_KEY`, so secrets encrypted to it still decrypt. @default false */
  rotate?: boolean;
}

/**
 * Writes `PRIVATE_KEY`/`PUBLIC_KEY` into `<dir>/.env`, keeping every other line.
 * @returns the new key's id (never the key itself)
 * @throws ConnectorError `KEYS_EXIST` when a pair exists and neither `force` nor `rotate` is set
 */
export async function writeKeys(options: KeysOptions): Promise<{ kid: string; file: string }> {
  const file = join(options.dir, '.env');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const current = parseEnv(text);
  if (current.PRIVATE_KEY && !options.force && !options.rotate) {
    throw new ConnectorError(
      'KEYS_EXIST',
      `${file} already has a PRIVATE_KEY: pass --rotate to keep it as PREVIOUS_PRIVATE_KEY, or --force to replace it`,
    );
  }
  const pair = await generateKeyPair();
  const set: Record<string, string> = { PRIVATE_KEY: pair.privateKey, PUBLIC_KEY: pair.publicKey };
  if (options.rotate && current.PRIVATE_KEY) set.PREVIOUS_PRIVATE_KEY = current.PRIVATE_KEY;

  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const out = lines.filter((line) => !Object.keys(set).some((name) => new RegExp(`^\\s*(export\\s+)?${name}\\s*=`).test(line)));
  for (const [name, value] of Object.entries(set)) out.push(`${name}=${value}`);
  // `mode` applies only when the file is created: tighten an existing .env before keys go in.
  if (existsSync(file)) chmodSync(file, 0o600);
  writeFileSync(file, `${out.join('\n')}\n`, { mode: 0o600 });
  return { kid: keyId(importPublicKey(pair.publicKey)), file };
}
