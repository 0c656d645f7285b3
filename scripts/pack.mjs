#!/usr/bin/env node
// `npm run pack [folder]`: the SDK, the workspace and create-connector as `npm pack` tarballs in
// one folder (default packs/), for projects made before anything is published:
//   npx create-connector ../my-connector --connector-id 1234 --from packs
// The packages must be built (`npm run pack` builds them first).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'packs'));
const packages = ['sdk', 'workspace', 'create-connector'];

mkdirSync(out, { recursive: true });
// Older tarballs of the same packages would make --from ambiguous (it takes exactly one of each).
for (const file of readdirSync(out)) {
  if (/^(connector-kit-sdk|connector-kit-workspace|create-connector)-\d.*\.tgz$/.test(file)) rmSync(join(out, file));
}
for (const name of packages) {
  execFileSync('npm', ['pack', '--pack-destination', out, '--loglevel=error'], {
    cwd: join(root, 'packages', name),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
const shown = relative(process.cwd(), out) || '.';
process.stdout.write(
  `packed ${readdirSync(out)
    .filter((f) => f.endsWith('.tgz'))
    .sort()
    .join(', ')} into ${out}\n\n` +
    `Make a project from them (outside this folder):\n  npx create-connector ../my-connector --connector-id 1234 --from ${shown}\n`,
);
