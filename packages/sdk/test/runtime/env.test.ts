import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DEVICE_ENDPOINT, DEFAULT_WEBSOCKET_ENDPOINT, loadDotEnv, readRuntimeEnv } from '../../src/internal/index.js';

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

  it('warns, by line number only, about lines it cannot read, and keeps the rest', () => {
    const dir = project(
      [
        'GOOD=1',
        'API KEY=secret-MARKER', // a space in the name
        'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t-MARKER', // a key pasted without its name
        'MULTI="first',
        'not an assignment, part of the value',
        'end"',
        '',
        '  # an indented comment: Node 20 would make it part of the next name',
        'LAST=2',
      ].join('\n'),
    );
    const warnings: string[] = [];
    const env: NodeJS.ProcessEnv = {};
    loadDotEnv(dir, env, (message) => warnings.push(message));
    expect(env).toMatchObject({ GOOD: '1' });
    expect(warnings).toEqual([
      `${join(dir, '.env')} line 2 is not NAME=value, a comment or blank, so it was ignored: write it as NAME=value`,
      `${join(dir, '.env')} line 3 is not NAME=value, a comment or blank, so it was ignored: write it as NAME=value`,
      `${join(dir, '.env')} line 8 is a comment after spaces, which Node reads as part of the next name: remove the spaces`,
    ]);
    expect(warnings.join('\n')).not.toContain('MARKER');
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
