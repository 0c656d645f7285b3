import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The library: ESM + CJS + types.
    entry: {
      index: 'src/index.ts',
      'testing/index': 'src/testing/index.ts',
      'protocol/index': 'src/protocol/index.ts',
      'secrets/index': 'src/secrets/index.ts',
      'controller/index': 'src/controller/index.ts',
      'internal/index': 'src/internal/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
  },
  {
    // The `connector` CLI: ESM only, never imported by the library. `cli/openapi` is the generator
    // alone, for bench/openapi.mjs (not in `exports`: no public API).
    entry: { 'cli/index': 'src/cli/index.ts', 'cli/openapi': 'src/cli/openapi/index.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
