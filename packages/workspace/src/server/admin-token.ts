/**
 * The admin API's bearer token: 32 random bytes made on first start and kept in
 * `<dataDir>/admin-token` (mode 0600), where the `workspace` CLI reads it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Name of the token file inside the data folder. */
export const ADMIN_TOKEN_FILE = 'admin-token';

/** Path of the admin token file of a data folder. */
export function adminTokenPath(dataDir: string): string {
  return join(dataDir, ADMIN_TOKEN_FILE);
}

/** Reads the admin token of `dataDir`, creating it (and the folder) on first use. */
export async function loadOrCreateAdminToken(dataDir: string): Promise<string> {
  const path = adminTokenPath(dataDir);
  const existing = await readToken(path);
  if (existing !== undefined) return existing;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  try {
    // 'wx': never overwrite a token another process wrote a moment ago.
    await writeFile(path, token + '\n', { mode: 0o600, flag: 'wx' });
    return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = await readToken(path);
    if (raced === undefined) throw new Error(`${path} exists but is empty: delete it and start again`);
    return raced;
  }
}

async function readToken(path: string): Promise<string | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
