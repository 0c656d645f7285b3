#!/usr/bin/env node
// `npm start`'s build: builds only the packages whose sources changed since their last build
// (and everything built after a rebuilt SDK, which they all bundle or import), quietly. The
// packages and their order are those of the root `build` script; a failed build prints its
// output. `npm run build` still builds everything, loudly; `npm test` and CI use that.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What a package's build reads: its sources and build settings. */
const INPUTS = ['src', 'templates', 'bin', 'package.json', 'tsconfig.json', 'tsup.config.ts'];

/** The newest (or oldest) modification time of the files under `path`; undefined when there are none. */
function mtime(path, pick) {
  if (!existsSync(path)) return undefined;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let found;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue;
    const t = mtime(join(path, entry), pick);
    if (t !== undefined) found = found === undefined ? t : pick(found, t);
  }
  return found;
}

/** Workspace names of the root `build` script, in its order, with their folders. */
export function buildOrder(dir = root) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const folders = new Map();
  for (const pattern of pkg.workspaces ?? []) {
    const parents = pattern.endsWith('/*')
      ? readdirSync(join(dir, pattern.slice(0, -2))).map((d) => join(pattern.slice(0, -2), d))
      : [pattern];
    for (const folder of parents) {
      const file = join(dir, folder, 'package.json');
      if (existsSync(file)) folders.set(JSON.parse(readFileSync(file, 'utf8')).name, join(dir, folder));
    }
  }
  return [...(pkg.scripts?.build ?? '').matchAll(/-w\s+(\S+)/g)].map((m) => ({ name: m[1], dir: folders.get(m[1]) }));
}

/** Whether `dir`'s build output (dist/) is missing or older than any of its inputs. */
export function isStale(dir) {
  const built = mtime(join(dir, 'dist'), Math.min);
  if (built === undefined) return true;
  const changed = INPUTS.map((input) => mtime(join(dir, input), Math.max)).filter((t) => t !== undefined);
  return changed.some((t) => t > built);
}

/** The packages to build now: the stale ones, and all after a stale SDK. */
export function toBuild(order) {
  const out = [];
  let sdkRebuilt = false;
  for (const entry of order) {
    if (sdkRebuilt || entry.dir === undefined || isStale(entry.dir)) {
      out.push(entry);
      if (entry.name === '@connector-kit/sdk') sdkRebuilt = true;
    }
  }
  return out;
}

function build(name) {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', 'build', '--silent', '-w', name], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (error) => resolve({ code: -1, output: error.message }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const pending = toBuild(buildOrder());
  if (pending.length === 0) {
    process.stdout.write('packages are built (nothing changed since the last build)\n');
  } else {
    process.stdout.write(`building ${pending.map((p) => p.name).join(', ')} (changed since the last build)…\n`);
    const started = Date.now();
    for (const { name } of pending) {
      const { code, output } = await build(name);
      if (code !== 0) {
        process.stderr.write(
          `${output}\nnpm start failed: the build of ${name} failed (its output is above): fix it, or run 'npm run build' to see every step\n`,
        );
        process.exit(1);
      }
    }
    process.stdout.write(`built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
}
