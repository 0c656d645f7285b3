/**
 * The `connector` command. Never imported by the library.
 */
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConnectorError } from '../errors.js';

// Node ≥22.1 keeps compiled code of the modules loaded from here on (zod alone is ~130 files)
// in its on-disk compile cache, which shortens every later start. Node 20 has no such cache;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// Each command loads its module when it runs: `connector start`, which serves in production,
// then never loads the TypeScript compiler (ts-morph) or esbuild that build-time commands need.
const load = {
  addMethod: () => import('./add-method.js'),
  build: () => import('./build.js'),
  call: () => import('./call.js'),
  create: () => import('./create.js'),
  dev: () => import('./dev.js'),
  generate: () => import('./generate.js'),
  keys: () => import('./keys.js'),
  start: () => import('./start.js'),
  validate: () => import('./validate.js'),
};

const say = (line: string): void => void process.stderr.write(`${line}\n`);

// `connector call … | head`: when the reader goes away, end quietly with 0 as Unix tools do
// (Node ignores SIGPIPE and would crash on the stream's unhandled EPIPE error instead).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
}

/** Codes of a wrong command line: they exit 2, as yargs' own usage errors do; other failures exit 1. */
const USAGE_CODES = new Set(['USAGE']);

/** What yargs says when no command is given (then the usage is printed too). */
const NO_COMMAND = 'name a command: create, build, start, dev, keys, call, validate, add or generate';

/** Prints an error the way every command does, and sets the exit code. */
function fail(error: unknown): never {
  if (error instanceof ConnectorError) {
    say(`error: ${error.message}`);
    if (error.details !== undefined) say(JSON.stringify(error.details, null, 2));
  } else {
    say(`error: ${(error as Error)?.stack ?? String(error)}`);
  }
  process.exit(error instanceof ConnectorError && USAGE_CODES.has(error.code) ? 2 : 1);
}

const args = process.argv.slice(2);

// `create` hands every argument, help included, to the scaffolder: its options are its own.
if (args[0] === 'create') {
  const { createConnectorProject } = await load.create();
  process.exit(await createConnectorProject(args.slice(1)).catch(fail));
}

// `start` is how a connector runs in production, and every restart waits for it: it skips
// yargs (about a tenth of a second to load). Anything unusual (help, an unknown or malformed
// option) still goes to yargs below, which explains it.
const fastStart = args[0] === 'start' && !args.some((arg) => arg === '--help' || arg === '-h') ? startOptions(args.slice(1)) : undefined;
if (fastStart !== undefined) {
  const { startProject } = await load.start();
  await startProject(process.cwd(), fastStart).catch(fail);
} else {
  await runYargs();
}

/** What `generate` and `add resource` print: the warnings (each names the operation), then a summary. */
function reportGeneration(result: { files: string[]; methods: number; warnings: string[] }): void {
  for (const warning of result.warnings) say(`warning: ${warning}`);
  say(`generated ${result.methods} method(s) in ${result.files.length} file(s)`);
}

/** `connector start [--entry <file>] [--bundle]`, or undefined when yargs should explain the arguments. */
function startOptions(rest: string[]): { entry?: string; bundle?: boolean } | undefined {
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { entry: { type: 'string' }, bundle: { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    });
    return positionals.length === 0 ? values : undefined;
  } catch {
    return undefined;
  }
}

/** Every command, with help and argument errors. */
async function runYargs(): Promise<void> {
  const { default: yargs } = await import('yargs');
  await yargs(args)
    .scriptName('connector')
    .usage('$0 <command>')
    .command(
      'build',
      'compile the connector and write dist/manifest.json',
      (y) =>
        y
          .option('entry', { type: 'string', describe: 'source entry (default src/index.ts)' })
          .option('bundle', {
            type: 'boolean',
            default: false,
            describe: 'also write dist/connector.mjs: one runnable file with dependencies and manifest',
          })
          .option('types', { type: 'boolean', default: true, describe: 'extract TypeScript signatures (use --no-types to skip)' })
          .option('typecheck', {
            type: 'boolean',
            default: true,
            describe: 'type-check the project first; a type error fails the build (--no-typecheck skips it, for speed)',
          }),
      async (argv) => {
        const started = Date.now();
        const { buildProject } = await load.build();
        const result = await buildProject({
          dir: process.cwd(),
          bundle: argv.bundle,
          noTypes: !argv.types,
          typecheck: argv.typecheck,
          log: say,
          ...(argv.entry === undefined ? {} : { entry: argv.entry }),
        }).catch(fail);
        const bundle = result.bundle === undefined ? '' : ` and the bundle ${result.bundle}`;
        say(`built ${result.entry}, ${result.manifest}${bundle} (${result.methods} method(s)) in ${Date.now() - started} ms`);
      },
    )
    .command(
      'start',
      'serve the built connector (reads .env)',
      (y) =>
        y
          .option('entry', { type: 'string', describe: 'built entry (default: package.json main)' })
          .option('bundle', { type: 'boolean', describe: 'run the single-file bundle of `connector build --bundle` (dist/connector.mjs)' }),
      async (argv) => {
        const { startProject } = await load.start();
        await startProject(process.cwd(), {
          ...(argv.entry === undefined ? {} : { entry: argv.entry }),
          ...(argv.bundle === undefined ? {} : { bundle: argv.bundle }),
        }).catch(fail);
      },
    )
    .command('create', 'create a connector project (same as `npx create-connector`; see `connector create --help`)')
    .command(
      'dev',
      'build, start, and restart on every change under src/ (with an embedded workspace when REGISTRATION_TOKEN is empty)',
      (y) =>
        y.option('port', {
          type: 'number',
          describe: 'port of the embedded workspace (default: WORKSPACE_PORT, else 4700; taken: any free one)',
        }),
      async (argv) => {
        const { devPort, devProject } = await load.dev();
        const cli = fileURLToPath(import.meta.url);
        const port = argv.port ?? devPort(process.env);
        await devProject(process.cwd(), say, port === undefined ? { cli } : { cli, port }).catch(fail);
      },
    )
    .command(
      'validate',
      'lint the manifest: descriptions, names, secret fields marked plain, examples',
      (y) =>
        y
          .option('entry', { type: 'string', describe: 'source entry (default src/index.ts)' })
          .option('strict', { type: 'boolean', default: false, describe: 'fail on warnings too' }),
      async (argv) => {
        const { formatIssues, validateProject } = await load.validate();
        const issues = await validateProject(process.cwd(), argv.entry).catch(fail);
        const failed = issues.some((i) => i.severity === 'error' || argv.strict);
        (failed ? process.stderr : process.stdout).write(`${formatIssues(issues)}\n`);
        if (failed) process.exit(1);
      },
    )
    .command('add', 'add to the project', (y) =>
      y
        .command(
          'method <name>',
          'add a method skeleton to src/index.ts and a test to test/',
          (m) =>
            m
              .positional('name', { type: 'string', demandOption: true, describe: 'dotted method name, e.g. contacts.list' })
              .option('description', { type: 'string', describe: 'what the method does' })
              .option('entry', { type: 'string', describe: 'source entry (default src/index.ts)' }),
          async (argv) => {
            const { addMethod } = await load.addMethod();
            const files = await addMethod({
              dir: process.cwd(),
              name: argv.name,
              ...(argv.description === undefined ? {} : { description: argv.description }),
              ...(argv.entry === undefined ? {} : { entry: argv.entry }),
            }).catch(fail);
            say(`added method ${argv.name}: ${files.join(', ')}`);
          },
        )
        .command(
          'resource <name>',
          'generate methods from a further OpenAPI document (or one tag of it) into src/generated/<name>/',
          (m) =>
            m
              .positional('name', {
                type: 'string',
                demandOption: true,
                describe: 'resource name, the namespace of its methods, e.g. billing',
              })
              .option('spec', {
                type: 'string',
                demandOption: true,
                describe: 'the OpenAPI document (JSON or YAML; Swagger 2.0, OpenAPI 3.0 or 3.1)',
              })
              .option('tag', { type: 'string', describe: 'only the operations of this tag' }),
          async (argv) => {
            const { addResource } = await load.generate();
            const result = await addResource({
              dir: process.cwd(),
              name: argv.name,
              spec: argv.spec,
              ...(argv.tag === undefined ? {} : { tag: argv.tag }),
            }).catch(fail);
            reportGeneration(result);
          },
        )
        .demandCommand(1, 'name what to add: method or resource'),
    )
    .command(
      'generate',
      'regenerate src/generated/ and test/generated.test.ts from the OpenAPI documents package.json names ("openapi")',
      (y) => y,
      async () => {
        const { generateProject } = await load.generate();
        reportGeneration(await generateProject(process.cwd()).catch(fail));
      },
    )
    .command(
      'keys',
      'write a new PRIVATE_KEY/PUBLIC_KEY pair to .env',
      (y) =>
        y
          .option('force', { type: 'boolean', default: false, describe: 'replace an existing pair' })
          .option('rotate', { type: 'boolean', default: false, describe: 'keep the current private key as PREVIOUS_PRIVATE_KEY' }),
      async (argv) => {
        const { writeKeys } = await load.keys();
        const { kid, file } = await writeKeys({ dir: process.cwd(), force: argv.force, rotate: argv.rotate }).catch(fail);
        say(`wrote a new key pair (key id ${kid}) to ${file}`);
      },
    )
    .command(
      'call <method> [input]',
      'run one method locally, without a workspace',
      (y) =>
        y
          .positional('method', { type: 'string', demandOption: true })
          .positional('input', { type: 'string', describe: 'JSON arguments' })
          .option('config', { type: 'string', array: true, default: [] as string[], describe: 'config value key=value (repeatable)' }),
      async (argv) => {
        const { callLocally } = await load.call();
        const result = await callLocally(process.cwd(), argv.method, argv.input, argv.config.map(String)).catch(fail);
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      },
    )
    .demandCommand(1, NO_COMMAND)
    .strict()
    .help()
    .fail((message, error, parser) => {
      if (error) fail(error);
      // `connector` alone: what it can do, then the one line of what is missing.
      if (message === NO_COMMAND) {
        parser.showHelp(say);
        say(`\n${message}`);
        process.exit(2);
      }
      say(message);
      process.exit(2);
    })
    .parseAsync();
}
