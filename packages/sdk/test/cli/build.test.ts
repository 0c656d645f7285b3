import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GREETER, connector, fixture, type Fixture } from './fixture.js';

/** GREETER with a type error: a number where the output schema says string. */
const TYPE_ERROR = GREETER.replace(
  "handler: async ({ name }, ctx) => ({ message: `${ctx.config.greeting ?? 'Hello'}, ${name}` }),",
  'handler: async () => ({ message: 42 }),',
);

/** GREETER without a description on its method, as plain JavaScript (or a build without type check) allows. */
const NO_DESCRIPTION = GREETER.replace("      description: 'Say hello',\n", '').replace(
  'methods: (method) => ({',
  'methods: (method: any) => ({',
);

/** A class-style connector (issue 14 item 5) whose `when` takes a Date, which JSON cannot carry. */
const CONTROLLER = `import { Controller, defineController } from '@connector-kit/sdk/controller';

class Clock extends Controller {
  /**
   * Says what time it is somewhere.
   * @param args.zone - An IANA time zone
   */
  async now({ zone = 'UTC' }: { zone?: string }): Promise<{ zone: string; at: string }> {
    return { zone, at: new Date(0).toISOString() };
  }

  /** Tells whether a moment is past. */
  async past({ at }: { at: Date }): Promise<boolean> {
    return at.getTime() < Date.now();
  }

  protected format(at: Date): string {
    return at.toISOString();
  }
}

export default defineController(Clock, { name: 'Clock', summary: 'Tells the time', description: 'A controller for the CLI tests.' });
`;

describe('connector build (built CLI)', { timeout: 180_000 }, () => {
  let project: Fixture | undefined;
  afterEach(() => project?.remove());

  it('fails on a type error with the compiler’s diagnostics, and writes nothing', async () => {
    expect(TYPE_ERROR).not.toBe(GREETER);
    project = fixture({ 'src/index.ts': TYPE_ERROR });
    const result = await connector(['build'], project.dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: the connector has \d+ type error\(s\):\nsrc\/index\.ts\(\d+,\d+\): error TS2322: /);
    expect(result.stderr).toContain('connector build --no-typecheck');
    expect(existsSync(join(project.dir, 'dist/index.js'))).toBe(false);

    // Skipping the check (for speed) builds what esbuild can strip.
    const unchecked = await connector(['build', '--no-typecheck'], project.dir);
    expect(unchecked.stderr).toContain('(1 method(s))');
    expect(unchecked.code).toBe(0);
  });

  it('follows the project’s tsconfig.json, as tsc does', async () => {
    // strict off in the tsconfig: an implicit any is no error there.
    const loose = GREETER.replace('export default', 'function f(x) { return x; }\nf(1);\nexport default');
    project = fixture({
      'src/index.ts': loose,
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          strict: false,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          skipLibCheck: true,
          noEmit: true,
        },
        include: ['src'],
      }),
    });
    expect((await connector(['build', '--no-types'], project.dir)).code).toBe(0);
    writeFileSync(
      join(project.dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', skipLibCheck: true },
        include: ['src'],
      }),
    );
    const strict = await connector(['build', '--no-types'], project.dir);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('TS7006');
  });

  it('builds, and validate reports, a method without a description instead of crashing', async () => {
    expect(NO_DESCRIPTION).not.toBe(GREETER);
    project = fixture({ 'src/index.ts': NO_DESCRIPTION });
    // The type check names the missing member; without it, the build used to crash on `.trim()`.
    const checked = await connector(['build'], project.dir);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(/error TS\d+: /);
    const built = await connector(['build', '--no-typecheck'], project.dir);
    expect(built.stderr).not.toContain('TypeError');
    expect(built.code).toBe(0);
    const validated = await connector(['validate'], project.dir);
    expect(validated.code).toBe(1);
    expect(validated.stderr).toMatch(/error\s+method hello\s+has no description: add `description`/);
  });

  it('builds a controller class into the manifest, and fails on what a manifest cannot express', async () => {
    project = fixture({ 'src/index.ts': CONTROLLER });
    const failed = await connector(['build'], project.dir);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('the manifest cannot express 2 thing(s) of Clock:');
    expect(failed.stderr).toContain('method past: args.at: is a Date, which arrives as text in JSON');
    expect(failed.stderr).toContain('method format: is protected, but JavaScript keeps no visibility');
    const validated = await connector(['validate'], project.dir);
    expect(validated.code).toBe(1);
    expect(validated.stderr).toMatch(/error\s+method past: args\.at\s+is a Date/);

    // Fixed; `--no-types` (what `connector dev` builds with) still reads the class: it is the only source.
    writeFileSync(
      join(project.dir, 'src/index.ts'),
      CONTROLLER.replace('{ at }: { at: Date }', '{ at }: { at: string }')
        .replace('at.getTime()', 'Date.parse(at)')
        .replace('protected format', '#format'),
    );
    const built = await connector(['build', '--no-types'], project.dir);
    expect(built.stderr).toContain('(2 method(s))');
    expect(built.code).toBe(0);
    const { schema } = JSON.parse(readFileSync(join(project.dir, 'dist/manifest.json'), 'utf8'));
    expect(schema.methods.now).toMatchObject({
      description: 'Says what time it is somewhere.',
      input: { properties: { zone: { type: 'string', description: 'An IANA time zone', default: 'UTC' } } },
      output: { required: ['zone', 'at'] },
    });
    expect(schema.introspect).toContain('declare function past(args: { at: string; }): Promise<boolean>;');
    expect((await connector(['validate'], project.dir)).code).toBe(0);
  });
});
