/**
 * The generated project's package.json.
 */
import type { ProjectOptions } from './options.js';
import { vendorOverrides, vendorSpec } from './packs.js';
import { isYarnBerry } from './package-manager.js';
import { VERSIONS } from './versions.js';
import { basename } from 'node:path';

/** Where `--from-openapi`'s document goes in the project. */
export function openapiSpecPath(file: string): string {
  return `openapi/${basename(file)}`;
}

/** The package.json of a new project, as an object (written with two-space indent). */
export function projectPackageJson(options: ProjectOptions): Record<string, unknown> {
  const cloud = options.target === 'cloud';
  const packs = options.packs;
  const sdk = packs ? vendorSpec(packs['@connector-kit/sdk']) : (options.sdkSpec ?? VERSIONS['@connector-kit/sdk']);
  const workspace = packs ? vendorSpec(packs['@connector-kit/workspace']) : (options.workspaceSpec ?? VERSIONS['@connector-kit/workspace']);
  return {
    name: options.packageName,
    version: '0.1.0',
    description: `${options.displayName} connector`,
    private: true,
    type: 'module',
    // The connector id of the workspace (protocol.md §1); `connector start` reads it from here.
    connectorId: options.connectorId,
    main: './dist/index.js',
    // The document `connector generate` makes src/generated/ from (`--from-openapi`).
    ...(options.openapi === undefined ? {} : { openapi: { spec: openapiSpecPath(options.openapi) } }),
    scripts: {
      ...(options.openapi === undefined ? {} : { generate: 'connector generate' }),
      // cloud: one self-contained file, dist/connector.mjs, is what gets uploaded and run.
      build: cloud ? 'connector build --bundle' : 'connector build',
      // cloud: runs exactly dist/connector.mjs, and says to build first when it is missing.
      start: cloud ? 'connector start --bundle' : 'connector start',
      dev: 'connector dev',
      test: 'vitest run',
      typecheck: 'tsc --noEmit',
      validate: 'connector validate',
      lint: 'eslint .',
    },
    engines: { node: '>=20.19' },
    // Yarn ≥2: corepack (CI, the Containerfile) then runs this same yarn, not Yarn 1.
    ...(options.packageManager === 'yarn' && isYarnBerry(options.yarnVersion) ? { packageManager: `yarn@${options.yarnVersion}` } : {}),
    dependencies: {
      '@connector-kit/sdk': sdk,
    },
    devDependencies: {
      // The embedded workspace `connector dev` starts when .env has no REGISTRATION_TOKEN.
      '@connector-kit/workspace': workspace,
      '@types/node': VERSIONS['@types/node'],
      eslint: VERSIONS.eslint,
      nock: VERSIONS.nock,
      typescript: VERSIONS.typescript,
      'typescript-eslint': VERSIONS['typescript-eslint'],
      vitest: VERSIONS.vitest,
    },
    ...(packs ? vendorOverrides(packs, options.packageManager) : {}),
  };
}
