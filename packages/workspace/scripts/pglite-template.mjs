#!/usr/bin/env node
// Builds the embedded store's template (issue 18): initdb once, here, with the store's own
// options, and keeps the data folder as a gzipped tarball in templates/ (see pgliteTemplateFile
// in src/store/pglite.ts). A new store loads it instead of running initdb. Kept across builds
// (its name holds PGlite's version and a digest of the initdb arguments): made only when missing.
import { mkdirSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgliteOptions, pgliteTemplateFile } from '../dist/store/pglite.js';

const file = pgliteTemplateFile();
if (!existsSync(file)) {
  const started = Date.now();
  const db = await PGlite.create(pgliteOptions(undefined));
  const tarball = await db.dumpDataDir('gzip');
  await db.close();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, Buffer.from(await tarball.arrayBuffer()));
  renameSync(`${file}.tmp`, file);
  process.stdout.write(`built the store's template ${file} in ${Date.now() - started} ms\n`);
}
