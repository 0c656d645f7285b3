/**
 * The `connector` command. Never imported by the library.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ConnectorError } from '../errors.js';
import { buildProject } from './build.js';
import { callLocally } from './call.js';
import { devProject } from './dev.js';
import { writeKeys } from './keys.js';
import { startProject } from './start.js';

const say = (line: string): void => void process.stderr.write(`${line}\n`);

/** Prints an error the way every command does, and sets the exit code. */
function fail(error: unknown): never {
  if (error instanceof ConnectorError) {
    say(`error: ${error.message}`);
    if (error.details !== undefined) say(JSON.stringify(error.details, null, 2));
  } else {
    say(`error: ${(error as Error)?.stack ?? String(error)}`);
  }
  process.exit(1);
}

await yargs(hideBin(process.argv))
  .scriptName('connector')
  .usage('$0 <command>')
  .command(
    'build',
    'compile the connector and write dist/manifest.json',
    (y) =>
      y
        .option('entry', { type: 'string', describe: 'source entry (default src/index.ts)' })
        .option('bundle', { type: 'boolean', default: false, describe: 'bundle dependencies into one file' })
        .option('types', { type: 'boolean', default: true, describe: 'extract TypeScript signatures (use --no-types to skip)' }),
    async (argv) => {
      const started = Date.now();
      const result = await buildProject({
        dir: process.cwd(),
        bundle: argv.bundle,
        noTypes: !argv.types,
        log: say,
        ...(argv.entry === undefined ? {} : { entry: argv.entry }),
      }).catch(fail);
      say(`built ${result.entry} and ${result.manifest} (${result.methods} method(s)) in ${Date.now() - started} ms`);
    },
  )
  .command(
    'start',
    'serve the built connector (reads .env)',
    (y) => y.option('entry', { type: 'string', describe: 'built entry (default: package.json main)' }),
    async (argv) => {
      await startProject(process.cwd(), argv.entry).catch(fail);
    },
  )
  .command('dev', 'build, start, and restart on every change under src/', {}, async () => {
    await devProject(process.cwd(), say).catch(fail);
  })
  .command(
    'keys',
    'write a new PRIVATE_KEY/PUBLIC_KEY pair to .env',
    (y) =>
      y
        .option('force', { type: 'boolean', default: false, describe: 'replace an existing pair' })
        .option('rotate', { type: 'boolean', default: false, describe: 'keep the current private key as PREVIOUS_PRIVATE_KEY' }),
    async (argv) => {
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
      const result = await callLocally(process.cwd(), argv.method, argv.input, argv.config.map(String)).catch(fail);
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    },
  )
  .demandCommand(1, 'name a command: build, start, dev, keys or call')
  .strict()
  .help()
  .fail((message, error) => {
    if (error) fail(error);
    say(message);
    process.exit(2);
  })
  .parseAsync();
