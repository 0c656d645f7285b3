import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GREETER, ROOT, connector, fixture, run, type Fixture } from './fixture.js';

describe('connector add method (built CLI)', { timeout: 60_000 }, () => {
  let project: Fixture | undefined;
  afterEach(() => project?.remove());
  const read = (path: string): string => readFileSync(join(project!.dir, path), 'utf8');

  it('adds the skeleton after the last method, like its neighbours, and a test that passes', async () => {
    project = fixture({ 'src/index.ts': GREETER });
    const added = await connector(['add', 'method', 'contacts.list', '--description', 'List contacts'], project.dir);
    expect(added.stderr).toBe('added method contacts.list: src/index.ts, test/contacts.list.test.ts\n');
    expect(added.code).toBe(0);
    // Only the new lines differ from the original file.
    expect(read('src/index.ts')).toBe(
      GREETER.replace(
        '    }),\n  }),\n});',
        `    }),
    'contacts.list': method({
      description: 'List contacts',
      input: z.object({}),
      output: z.object({ ok: z.boolean() }),
      handler: async (input, ctx) => {
        ctx.logger.info({ input }, 'TODO: implement contacts.list');
        return { ok: true };
      },
    }),
  }),
});`,
      ),
    );
    expect(read('test/contacts.list.test.ts')).toContain("import connector from '../src/index.js';");

    // The project still builds, the method answers, and the new test passes.
    expect((await connector(['build', '--no-types'], project.dir)).code).toBe(0);
    const call = await connector(['call', 'contacts.list'], project.dir);
    expect(JSON.parse(call.stdout)).toEqual({ ok: true });
    const test = await run(join(ROOT, 'node_modules/vitest/vitest.mjs'), ['run', 'test/contacts.list.test.ts'], project.dir);
    expect(test.stdout + test.stderr).toContain('1 passed');
    expect(test.code).toBe(0);
  });

  it('keeps four-space indentation, double quotes, no trailing commas, and adds the imports it needs', async () => {
    const source = [
      'import { defineConnector } from "@connector-kit/sdk";',
      '',
      'const methods = {};',
      '',
      'export default defineConnector({',
      '    name: "Empty",',
      '    methods',
      '});',
      '',
    ].join('\n');
    project = fixture({ 'src/index.ts': source });
    expect((await connector(['add', 'method', 'ping'], project.dir)).code).toBe(0);
    expect(read('src/index.ts')).toMatchInlineSnapshot(`
      "import { defineConnector, z, defineMethod } from "@connector-kit/sdk";

      const methods = {
          ping: defineMethod({
              description: "TODO: say what ping does",
              input: z.object({}),
              output: z.object({ ok: z.boolean() }),
              handler: async (input, ctx) => {
                  ctx.logger.info({ input }, "TODO: implement ping");
                  return { ok: true };
              },
          })
      };

      export default defineConnector({
          name: "Empty",
          methods
      });
      "
    `);
    expect(read('test/ping.test.ts')).toContain('describe("ping", () => {\n    it("answers ok"');
  });

  it('refuses a method that exists or a name that is invalid, leaving the file as it was', async () => {
    project = fixture({ 'src/index.ts': GREETER });
    const duplicate = await connector(['add', 'method', 'hello'], project.dir);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toBe('error: src/index.ts already has a method "hello" (line 11)\n');
    const invalid = await connector(['add', 'method', 'no-dashes'], project.dir);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('method name "no-dashes" has an invalid segment');
    expect(read('src/index.ts')).toBe(GREETER);
  });

  it('explains what it needs when the connector is not in a shape it can edit', async () => {
    project = fixture({
      'src/index.ts': "import { make } from './make.js';\nexport default make();\n",
      'src/make.ts': 'export const make = () => ({});\n',
    });
    const result = await connector(['add', 'method', 'ping'], project.dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the default export is not a call to defineConnector()');
  });
});
