/**
 * The generated project's package.json.
 */
import type { ProjectOptions } from './options.js';
import { VERSIONS } from './versions.js';

/** The package.json of a new project, as an object (written with two-space indent). */
export function projectPackageJson(options: ProjectOptions): Record<string, unknown> {
  const cloud = options.target === 'cloud';
  return {
    name: options.packageName,
    version: '0.1.0',
    description: `${options.displayName} connector`,
    private: true,
    type: 'module',
    // The connector id of the workspace (protocol.md §1); `connector start` reads it from here.
    connectorId: options.connectorId,
    main: './dist/index.js',
    scripts: {
      // cloud: one self-contained file, dist/connector.mjs, is what gets uploaded and run.
      build: cloud ? 'connector build --bundle' : 'connector build',
      start: cloud ? 'node dist/connector.mjs' : 'connector start',
      dev: 'connector dev',
      test: 'vitest run',
      typecheck: 'tsc --noEmit',
      validate: 'connector validate',
    },
    engines: { node: '>=20.19' },
    dependencies: {
      '@connector-kit/sdk': options.sdkSpec ?? VERSIONS['@connector-kit/sdk'],
    },
    devDependencies: {
      // The embedded workspace `connector dev` starts when .env has no REGISTRATION_TOKEN.
      '@connector-kit/workspace': options.workspaceSpec ?? VERSIONS['@connector-kit/workspace'],
      '@types/node': VERSIONS['@types/node'],
      nock: VERSIONS.nock,
      typescript: VERSIONS.typescript,
      vitest: VERSIONS.vitest,
    },
  };
}
