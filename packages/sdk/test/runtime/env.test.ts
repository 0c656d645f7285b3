import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DEVICE_ENDPOINT, DEFAULT_WEBSOCKET_ENDPOINT, loadDotEnv, readRuntimeEnv } from '../../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(dotenv: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sdk-env-'));
  dirs.push(dir);
  writeFileSync(join(dir, '.env'), dotenv);
  return dir;
}

describe('loadDotEnv', () => {
  it('sets variables from .env, and the real environment wins', () => {
    const dir = project(
      '# a comment\nREGISTRATION_TOKEN=from-file\nDEVICE_ENDPOINT="http://127.0.0.1:4700/"\nLOG_LEVEL=debug\nexport DEPLOYMENT=staging\n',
    );
    const env: NodeJS.ProcessEnv = { REGISTRATION_TOKEN: 'from-env', LOG_LEVEL: '' };
    const set = loadDotEnv(dir, env);
    expect(set.sort()).toEqual(['DEPLOYMENT', 'DEVICE_ENDPOINT']);
    expect(env).toEqual({
      REGISTRATION_TOKEN: 'from-env',
      LOG_LEVEL: '',
      DEVICE_ENDPOINT: 'http://127.0.0.1:4700/',
      DEPLOYMENT: 'staging',
    });
  });

  it('does nothing without a .env file', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadDotEnv(join(tmpdir(), 'no-such-project-dir'), env)).toEqual([]);
    expect(env).toEqual({});
  });
});

describe('readRuntimeEnv', () => {
  it('uses the §1 defaults', () => {
    expect(readRuntimeEnv({})).toEqual({
      deviceEndpoint: DEFAULT_DEVICE_ENDPOINT,
      websocketEndpoint: DEFAULT_WEBSOCKET_ENDPOINT,
      deployment: '',
      logLevel: 'info',
    });
  });

  it('reads every setting, adds the trailing slash of DEVICE_ENDPOINT, and treats blank values as unset', () => {
    expect(
      readRuntimeEnv({
        DEVICE_ENDPOINT: 'http://127.0.0.1:4700',
        WEBSOCKET_ENDPOINT: 'ws://127.0.0.1:4700/transport/',
        REGISTRATION_TOKEN: ' tok ',
        HOSTNAME: 'pod-1',
        DEPLOYMENT: 'prod',
        PRIVATE_KEY: 'cHJpdg==',
        PUBLIC_KEY: 'cHVi',
        PREVIOUS_PRIVATE_KEY: '   ',
        CONNECTOR_KEY: '',
        LOG_LEVEL: 'debug',
      }),
    ).toEqual({
      deviceEndpoint: 'http://127.0.0.1:4700/',
      websocketEndpoint: 'ws://127.0.0.1:4700/transport/',
      registrationToken: 'tok',
      hostname: 'pod-1',
      deployment: 'prod',
      privateKey: 'cHJpdg==',
      publicKey: 'cHVi',
      logLevel: 'debug',
    });
  });
});
