import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileKeyStore, stateFileName } from '../../src/runtime/instance-state.js';
import { captureLogger, silentLogger } from '../support/logs.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ck-state-'));
  dirs.push(dir);
  return join(dir, '.connector');
}

const identity = { deviceEndpoint: 'http://127.0.0.1:4700/', connectorId: '1234', instanceName: 'crm-1' };

describe('fileKeyStore', () => {
  it('has no key before the first save, and the saved key afterwards (in a new store, as after a restart)', () => {
    const dir = stateDir();
    expect(fileKeyStore(dir, identity, silentLogger).load()).toBeUndefined();
    fileKeyStore(dir, identity, silentLogger).save('the-key');
    expect(fileKeyStore(dir, identity, silentLogger).load()).toBe('the-key');
  });

  it('writes one file per instance, readable by its owner only, and leaves no temp file', () => {
    const dir = stateDir();
    fileKeyStore(dir, identity, silentLogger).save('k1');
    fileKeyStore(dir, identity, silentLogger).save('k2');
    fileKeyStore(dir, { ...identity, instanceName: 'crm-2' }, silentLogger).save('k3');
    const files = readdirSync(dir).sort();
    expect(files).toEqual([stateFileName('crm-1'), stateFileName('crm-2')].sort());
    expect(statSync(join(dir, stateFileName('crm-1'))).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(join(dir, stateFileName('crm-1')), 'utf8'))).toMatchObject({ ...identity, key: 'k2' });
  });

  it('ignores a key kept for another workspace, connector id or instance name', () => {
    const dir = stateDir();
    fileKeyStore(dir, identity, silentLogger).save('k');
    expect(fileKeyStore(dir, { ...identity, deviceEndpoint: 'https://connect.aloma.io/' }, silentLogger).load()).toBeUndefined();
    expect(fileKeyStore(dir, { ...identity, connectorId: '99' }, silentLogger).load()).toBeUndefined();
    expect(fileKeyStore(dir, { ...identity, instanceName: 'crm 1' }, silentLogger).load()).toBeUndefined();
  });

  it('treats a damaged file as no key and says which file it ignored', () => {
    const dir = stateDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, stateFileName('crm-1')), '{"key": "trunc');
    const { logger, text } = captureLogger();
    expect(fileKeyStore(dir, identity, logger).load()).toBeUndefined();
    expect(text()).toContain(`ignored ${join(dir, stateFileName('crm-1'))} (not JSON)`);
  });

  it.skipIf(process.getuid?.() === 0)('warns once, without the key, when the folder is not writable', () => {
    const dir = stateDir();
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o500);
    const { logger, text } = captureLogger();
    const store = fileKeyStore(dir, identity, logger);
    store.save('secret-key-value');
    store.save('secret-key-value');
    expect(text().match(/cannot keep the connector key/g)).toHaveLength(1);
    expect(text()).toContain('CONNECTOR_STATE_DIR');
    expect(text()).not.toContain('secret-key-value');
  });

  it('warns once, without the key, when the state folder cannot be created', () => {
    const parent = stateDir();
    writeFileSync(`${parent}`, 'a file where the folder should be');
    const { logger, text } = captureLogger();
    const store = fileKeyStore(join(parent, 'state'), identity, logger);
    store.save('secret-key-value');
    store.save('secret-key-value');
    expect(text().match(/cannot keep the connector key in .* \(ENOTDIR\)/g)).toHaveLength(1);
    expect(text()).not.toContain('secret-key-value');
  });
});

describe('stateFileName', () => {
  it('makes any instance name a safe file name, distinct for distinct names', () => {
    expect(stateFileName('crm-1')).toMatch(/^crm-1\.[0-9a-f]{8}\.json$/);
    // No separator survives, and a leading dot (a hidden file, or `..`) becomes `_`.
    expect(stateFileName('../../etc/passwd')).toMatch(/^__\.\._etc_passwd\.[0-9a-f]{8}\.json$/);
    expect(stateFileName('1234/1.0.0')).not.toBe(stateFileName('1234_1.0.0'));
    expect(stateFileName('')).toMatch(/^instance\.[0-9a-f]{8}\.json$/);
  });
});
