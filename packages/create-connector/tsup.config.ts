import { defineConfig } from 'tsup';

// Everything is bundled (`noExternal`): `npx create-connector` downloads this package and nothing else.
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  noExternal: [/.*/],
  splitting: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  // Bundled CommonJS dependencies call `require` for Node built-ins; ESM has none of its own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
