import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connector, ROOT, run } from '../fixture.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Every file under `dir` with its content, for comparing two trees. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      out[join(entry.parentPath, entry.name).slice(dir.length + 1)] = readFileSync(join(entry.parentPath, entry.name), 'utf8');
  }
  return out;
}

describe('connector create --from-openapi, add resource, generate', () => {
  let parent: string;
  let dir: string;
  beforeAll(async () => {
    parent = mkdtempSync(join(tmpdir(), 'ck-openapi-'));
    dir = join(parent, 'petstore');
    const created = await connector(
      ['create', 'petstore', '--connector-id', '42', '--from-openapi', join(FIXTURES, 'petstore-3.0.yaml'), '--no-install', '--no-git'],
      parent,
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  }, 60_000);
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('writes the document, the generated files, the author entry and a generated test', () => {
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toMatchObject({
      openapi: { spec: 'openapi/petstore-3.0.yaml' },
      scripts: { generate: 'connector generate' },
    });
    for (const file of [
      'openapi/petstore-3.0.yaml',
      'src/index.ts',
      'src/generated/index.ts',
      'src/generated/pets.ts',
      'src/generated/schemas.ts',
      'test/generated.test.ts',
    ]) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    // No example method of the templates beside the generated ones.
    expect(existsSync(join(dir, 'test/items.test.ts'))).toBe(false);
  });

  it('passes connector validate, and its generated test passes', async () => {
    const validated = await connector(['validate'], dir);
    expect(validated.stdout.trim()).toBe('no problems found');
    expect(validated.code).toBe(0);
    const tested = await run(join(ROOT, 'node_modules/vitest/vitest.mjs'), ['run', '--root', dir, 'test/generated.test.ts'], dir);
    expect(tested.stdout).toMatch(/3 passed/);
    expect(tested.code).toBe(0);
  }, 120_000);

  it('adds a resource from a further document, or one tag of one, under its own namespace', async () => {
    const added = await connector(['add', 'resource', 'tasks', '--spec', join(FIXTURES, 'tasks-3.1.yaml')], dir);
    expect(added.code).toBe(0);
    expect(added.stderr).toMatch(/warning: tasks: its document authenticates with oauth2/);
    const tagged = await connector(['add', 'resource', 'billing', '--spec', join(FIXTURES, 'petstore-2.0.json'), '--tag', 'pet'], dir);
    expect(tagged.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).openapi.resources).toEqual({
      billing: { spec: 'openapi/billing/petstore-2.0.json', tag: 'pet' },
      tasks: { spec: 'openapi/tasks/tasks-3.1.yaml' },
    });
    const tasks = readFileSync(join(dir, 'src/generated/tasks/taskLists.ts'), 'utf8');
    // Another host than the connector's: absolute URLs.
    expect(tasks).toContain("'tasks.taskLists.listTasks': defineMethod(");
    expect(tasks).toContain("path: 'https://tasks.example/api/tasks'");
    expect(readFileSync(join(dir, 'src/generated/billing/operations.ts'), 'utf8')).toContain("'billing.findPets': defineMethod(");
    const again = await connector(['add', 'resource', 'tasks', '--spec', join(FIXTURES, 'tasks-3.1.yaml')], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already has the resource "tasks"/);
  }, 60_000);

  it('regenerates identically, keeps the author entry, and builds with the type check', async () => {
    writeFileSync(join(dir, 'src/index.ts'), `${readFileSync(join(dir, 'src/index.ts'), 'utf8')}// edited by the author\n`);
    const before = tree(join(dir, 'src'));
    const generated = await connector(['generate'], dir);
    expect(generated.code).toBe(0);
    expect(tree(join(dir, 'src'))).toEqual(before);
    const built = await connector(['build'], dir);
    expect(built.stderr).toMatch(/\(14 method\(s\)\)/);
    expect(built.code).toBe(0);
  }, 120_000);

  it('refuses a bad document and leaves nothing behind', async () => {
    const bad = join(parent, 'bad.yaml');
    writeFileSync(
      bad,
      'openapi: 3.0.3\ninfo: { title: Bad, version: "1" }\npaths:\n  /x:\n    get:\n      responses:\n        "200": { $ref: "#/components/responses/Nope" }\n',
    );
    const created = await connector(
      ['create', 'broken', '--connector-id', '42', '--from-openapi', bad, '--no-install', '--no-git'],
      parent,
    );
    expect(created.code).toBe(1);
    expect(created.stderr).toMatch(/#\/components\/responses\/Nope/);
    expect(created.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(parent, 'broken'))).toBe(false);
    const missing = await connector(
      ['create', 'none', '--connector-id', '42', '--from-openapi', join(parent, 'nope.yaml'), '--no-install'],
      parent,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file/);
  }, 60_000);

  it('says what to do in a project without a document', async () => {
    const plain = join(parent, 'plain');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    delete pkg.openapi;
    mkdirSync(plain);
    writeFileSync(join(plain, 'package.json'), JSON.stringify(pkg));
    const generated = await connector(['generate'], plain);
    expect(generated.code).toBe(1);
    expect(generated.stderr).toMatch(/--from-openapi/);
  });
});
