/**
 * Which SDK copy runs a project: the project's own installed one when its version is compatible
 * with the CLI, else the CLI's copy with a reason. End to end through `connector start` and
 * `connector call` in test/error-identity.test.ts.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compatibleVersions, loadProjectSdk } from '../../src/cli/project-sdk.js';

const sdkDir = join(dirname(fileURLToPath(import.meta.url)), '../..');
const helloWorld = join(sdkDir, '../../examples/hello-world');
const temp: string[] = [];
afterAll(() => temp.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A project folder whose node_modules holds a copy of the built SDK with `version`. */
function projectWithSdk(version: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'ck-project-sdk-'));
  temp.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'p', version: '1.0.0', type: 'module' }));
  if (version === undefined) return dir;
  const copy = join(dir, 'node_modules/@connector-kit/sdk');
  mkdirSync(copy, { recursive: true });
  cpSync(join(sdkDir, 'dist'), join(copy, 'dist'), { recursive: true });
  const pkg = JSON.parse(JSON.stringify(sdkPackage())) as Record<string, unknown>;
  writeFileSync(join(copy, 'package.json'), JSON.stringify({ ...pkg, version }));
  // The copy's own dependencies, as an install would put them beside it.
  for (const dep of Object.keys(pkg.dependencies as Record<string, string>)) {
    // A scoped name (@readme/openapi-parser) needs its scope folder first.
    mkdirSync(dirname(join(dir, 'node_modules', dep)), { recursive: true });
    symlinkSync(join(sdkDir, '../../node_modules', dep), join(dir, 'node_modules', dep), 'dir');
  }
  return dir;
}

function sdkPackage(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(sdkDir, 'package.json'), 'utf8')) as Record<string, unknown>;
}

describe('compatibleVersions', () => {
  it('takes the same major, and below 1.0 the same minor', () => {
    expect(compatibleVersions('1.4.0', '1.9.2')).toBe(true);
    expect(compatibleVersions('1.4.0', '2.0.0')).toBe(false);
    expect(compatibleVersions('0.1.0', '0.1.7')).toBe(true);
    expect(compatibleVersions('0.1.0', '0.2.0')).toBe(false);
    expect(compatibleVersions('0.1.0', 'latest')).toBe(false);
  });
});

describe('loadProjectSdk', () => {
  it("uses the project's own SDK: the very module the connector imports", async () => {
    const sdk = await loadProjectSdk(helloWorld);
    expect(sdk).toMatchObject({ source: 'project', version: sdkPackage().version });
    expect(sdk.reason).toBeUndefined();
    // The project resolves @connector-kit/sdk to the built library: the same function object.
    const library = (await import(pathToFileURL(join(sdkDir, 'dist/index.js')).href)) as { runConnector: unknown };
    expect(sdk.runConnector).toBe(library.runConnector);
  });

  it("falls back to the CLI's copy, saying why, for an incompatible version", async () => {
    const sdk = await loadProjectSdk(projectWithSdk('0.99.0'));
    expect(sdk.source).toBe('cli');
    expect(sdk.reason).toMatch(
      /the project's @connector-kit\/sdk is 0\.99\.0 but this connector CLI is \d+\.\d+\.\d+: running on the CLI's copy/,
    );
    expect(typeof sdk.runConnector).toBe('function');
  });

  it("loads a compatible copy installed in the project, not the CLI's", async () => {
    const dir = projectWithSdk(String(sdkPackage().version));
    const sdk = await loadProjectSdk(dir);
    expect(sdk.source).toBe('project');
    const library = (await import(pathToFileURL(join(sdkDir, 'dist/index.js')).href)) as { runConnector: unknown };
    expect(sdk.runConnector).not.toBe(library.runConnector);
  });

  it("falls back to the CLI's copy when the project's SDK cannot be loaded", async () => {
    const dir = projectWithSdk(String(sdkPackage().version));
    rmSync(join(dir, 'node_modules/zod'));
    const sdk = await loadProjectSdk(dir);
    expect(sdk.source).toBe('cli');
    expect(sdk.reason).toContain("cannot be loaded (Cannot find package 'zod'");
  });

  it("uses the CLI's copy, quietly, when the project has no SDK installed", async () => {
    const sdk = await loadProjectSdk(projectWithSdk(undefined));
    expect(sdk.source).toBe('cli');
    expect(sdk.reason).toBeUndefined();
  });
});
