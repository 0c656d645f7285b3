/**
 * Version ranges written into generated projects. `test/package.test.ts` checks the SDK and
 * workspace ranges against their own package.json, so a release of one never forgets the other.
 */
export const VERSIONS = {
  '@connector-kit/sdk': '^0.1.0',
  '@connector-kit/workspace': '^0.1.0',
  '@types/node': '^20.19.0',
  eslint: '^10.0.0',
  nock: '^14.0.0',
  typescript: '~5.9.0',
  'typescript-eslint': '^8.46.0',
  vitest: '^4.1.0',
} as const;

/** This package's version (printed by `--version`). */
export const CREATE_CONNECTOR_VERSION = '0.1.0';
