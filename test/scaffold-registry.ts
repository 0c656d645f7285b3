/**
 * A stand-in npm registry for the packed-tarball tests. It serves this repository's packages
 * from their `npm pack` tarballs, as if they were published, and redirects every other request
 * to the real registry. Projects then install exactly as a user's will: with the specs the
 * scaffolder writes, and with the dependencies between our packages (the SDK on
 * create-connector, the workspace on the SDK) resolved from a registry — no overrides, no
 * `file:` links that a published package would not have.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';

/** A running stand-in registry. */
export interface PackedRegistry {
  /** Its URL, for `npm_config_registry` (npm, pnpm and yarn read it). */
  url: string;
  /** Package names it served, in order: shows which of our packages an install asked for. */
  served: string[];
  close: () => Promise<void>;
}

/**
 * Starts the registry for `tarballs` (paths of `npm pack` output). Names it does not hold are
 * redirected (302) to `upstream`, e.g. `https://registry.npmjs.org/`.
 */
export async function startPackedRegistry(tarballs: readonly string[], upstream: string): Promise<PackedRegistry> {
  const served: string[] = [];
  const files = new Map<string, Buffer>();
  const manifests = new Map<string, Record<string, unknown>>();
  for (const file of tarballs) {
    const bytes = readFileSync(file);
    const pkg = JSON.parse(execFileSync('tar', ['-xzOf', file, 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
    files.set(basename(file), bytes);
    manifests.set(String(pkg.name), {
      ...pkg,
      _id: `${pkg.name}@${pkg.version}`,
      dist: {
        tarball: basename(file), // made absolute per request, below
        integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
        shasum: createHash('sha1').update(bytes).digest('hex'),
      },
    });
  }

  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://registry.test').pathname);
    const tarball = /^\/-\/tarballs\/([^/]+)$/.exec(path)?.[1];
    if (tarball !== undefined && files.has(tarball)) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(files.get(tarball));
      return;
    }
    const manifest = manifests.get(path.slice(1));
    if (manifest === undefined) {
      res.writeHead(302, { location: new URL((req.url ?? '/').slice(1), upstream).href }).end();
      return;
    }
    served.push(String(manifest.name));
    const version = String(manifest.version);
    const dist = manifest.dist as Record<string, string>;
    const now = new Date().toISOString();
    const packument = {
      name: manifest.name,
      'dist-tags': { latest: version },
      versions: { [version]: { ...manifest, dist: { ...dist, tarball: `${url}-/tarballs/${dist.tarball}` } } },
      time: { created: now, modified: now, [version]: now },
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    served,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
