import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // `store/pglite`: for scripts/pglite-template.mjs only (not in `exports`: no public API).
    entry: { index: 'src/index.ts', 'store/pglite': 'src/store/pglite.ts' },
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
  },
  {
    entry: { 'cli/index': 'src/cli/index.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
