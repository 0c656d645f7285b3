import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/index.js';
import { readRuntimeEnv } from '../../src/internal/index.js';
import { writeKeys } from '../../src/cli/keys.js';
import { loadKeys } from '../../src/runtime/keys.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(dotenv?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sdk-keys-'));
  dirs.push(dir);
  if (dotenv !== undefined) {
    writeFileSync(join(dir, '.env'), dotenv);
    chmodSync(join(dir, '.env'), 0o644);
  }
  return dir;
}

const read = (dir: string) => readFileSync(join(dir, '.env'), 'utf8');
const mode = (dir: string) => statSync(join(dir, '.env')).mode & 0o777;

describe('writeKeys', () => {
  it('writes a matching pair into a new .env readable only by its owner', async () => {
    const dir = project();
    const { kid, file } = await writeKeys({ dir });
    expect(file).toBe(join(dir, '.env'));
    expect(mode(dir)).toBe(0o600);
    const env = parseEnv(read(dir));
    const { ring } = loadKeys(readRuntimeEnv(env), true);
    expect(ring.map((k) => k.kid)).toEqual([kid]);
    expect(read(dir)).not.toContain('BEGIN'); // base64 of PEM, one line each (§1)
  }, 60_000);

  it('keeps every other line of an existing .env and makes it owner-only', async () => {
    const dir = project('# connector settings\nREGISTRATION_TOKEN=tok\n\nexport DEVICE_ENDPOINT=http://127.0.0.1:4700/\n');
    await writeKeys({ dir });
    const lines = read(dir).split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '# connector settings',
      'REGISTRATION_TOKEN=tok',
      '',
      'export DEVICE_ENDPOINT=http://127.0.0.1:4700/',
    ]);
    expect(lines.filter((l) => l.startsWith('PRIVATE_KEY=')).length).toBe(1);
    expect(lines.filter((l) => l.startsWith('PUBLIC_KEY=')).length).toBe(1);
    expect(mode(dir)).toBe(0o600);
  }, 60_000);

  it('refuses to replace a pair without --force or --rotate', async () => {
    const dir = project('PRIVATE_KEY=old\nPUBLIC_KEY=oldpub\n');
    const error = await writeKeys({ dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect({ code: (error as ConnectorError).code, message: (error as Error).message.replace(dir, '<dir>') }).toMatchInlineSnapshot(`
      {
        "code": "KEYS_EXIST",
        "message": "<dir>/.env already has a PRIVATE_KEY: pass --rotate to keep it as PREVIOUS_PRIVATE_KEY, or --force to replace it",
      }
    `);
    expect(read(dir)).toBe('PRIVATE_KEY=old\nPUBLIC_KEY=oldpub\n');
  });

  it('keeps the current private key as PREVIOUS_PRIVATE_KEY on --rotate', async () => {
    const dir = project('A=1\n');
    await writeKeys({ dir });
    const first = parseEnv(read(dir));
    await writeKeys({ dir, rotate: true });
    const second = parseEnv(read(dir));
    expect(second.PREVIOUS_PRIVATE_KEY).toBe(first.PRIVATE_KEY);
    expect(second.PRIVATE_KEY).not.toBe(first.PRIVATE_KEY);
    expect(second.A).toBe('1');
    // The rotated ring decrypts with both keys.
    expect(loadKeys(readRuntimeEnv(second), true).ring).toHaveLength(2);
    expect(read(dir).match(/^PREVIOUS_PRIVATE_KEY=/gm)).toHaveLength(1);
  }, 60_000);

  it('replaces the pair on --force without keeping the old key', async () => {
    const dir = project('PRIVATE_KEY=old\nPUBLIC_KEY=oldpub\nB=2\n');
    await writeKeys({ dir, force: true });
    const env = parseEnv(read(dir));
    expect(env.PRIVATE_KEY).not.toBe('old');
    expect(env.PREVIOUS_PRIVATE_KEY).toBeUndefined();
    expect(env.B).toBe('2');
  }, 60_000);
});
