/**
 * The command line: `create-connector [directory] --connector-id … --target … --auth …`.
 */
import yargs from 'yargs';
import { CreateError } from './errors.js';
import { AUTH_KINDS, TARGETS, type AuthKind, type Target } from './options.js';
import { PACKAGE_MANAGERS, type PackageManager } from './package-manager.js';
import { CREATE_CONNECTOR_VERSION } from './versions.js';

/** What the command line said; unset options are for prompts or defaults to fill. */
export interface CliArgs {
  directory?: string;
  connectorId?: string;
  target?: Target;
  auth?: AuthKind;
  packageManager?: PackageManager;
  /** What the project depends on for `@connector-kit/sdk` instead of the released range. */
  sdkVersion?: string;
  /** What the project depends on for `@connector-kit/workspace` (a dev dependency) instead of the released range. */
  workspaceVersion?: string;
  /** A folder of packed tarballs (`npm run pack` in a clone) to vendor into the project instead of the registry. */
  from?: string;
  /** An OpenAPI document to generate the methods from. */
  fromOpenApi?: string;
  /** Make a git repository with a first commit (`--no-git` skips it). */
  git: boolean;
  install: boolean;
  force: boolean;
  yes: boolean;
}

/** Parsed arguments, or the text to print for `--help` / `--version`. */
export type ParsedArgs = { kind: 'run'; args: CliArgs } | { kind: 'print'; text: string };

/**
 * Parses `argv` (without `node` and the script).
 * @throws CreateError `USAGE` (exit code 2) for unknown options or bad values
 */
export async function parseArgs(argv: readonly string[], scriptName: string): Promise<ParsedArgs> {
  const parser = yargs([...argv])
    .scriptName(scriptName)
    // Help and version are options of our own: yargs' built-ins would exit the process.
    .help(false)
    .version(false)
    .command('$0 [directory]', 'Creates a connector project in <directory>; its last segment is the package name.', (y) =>
      y.positional('directory', { type: 'string', describe: 'project folder and package name, e.g. my-connector or @acme/crm' }),
    )
    .option('connector-id', { type: 'string', describe: 'connector id from the workspace (asked for when missing)' })
    .option('target', {
      choices: TARGETS,
      describe: 'where it runs: on-prem (container, systemd) or cloud (one bundled file) [default: on-prem]',
    })
    .option('auth', { choices: AUTH_KINDS, describe: 'how it signs in to the API it connects to [default: none]' })
    .option('package-manager', {
      choices: PACKAGE_MANAGERS,
      describe: 'package manager for install and scripts [default: the one running this]',
    })
    .option('sdk-version', {
      type: 'string',
      describe:
        'for SDK development: the @connector-kit/sdk to depend on (a version, a tag, a tarball path or URL) [default: the release this scaffolder belongs to]',
    })
    .option('workspace-version', {
      type: 'string',
      describe:
        'the same for the dev dependency @connector-kit/workspace (the embedded workspace of `dev`) [default: the release this scaffolder belongs to]',
    })
    .option('from', {
      type: 'string',
      describe:
        'a folder of packed tarballs of the SDK, the workspace and this scaffolder (`npm run pack` in a connector-kit clone): copied into vendor/ and used instead of the registry',
    })
    .option('from-openapi', {
      type: 'string',
      describe:
        'an OpenAPI document (Swagger 2.0, OpenAPI 3.0 or 3.1; JSON or YAML): a method per operation, generated into src/generated/ (`connector generate` regenerates it); auth and base URL come from the document',
    })
    .option('install', { type: 'boolean', default: true, describe: 'install dependencies (--no-install to skip)' })
    .option('git', { type: 'boolean', default: true, describe: 'git init with a first commit, when git is installed (--no-git to skip)' })
    .option('force', { type: 'boolean', default: false, describe: 'write into a folder that is not empty (replaces same-named files)' })
    .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'never ask: use defaults for what is missing' })
    .option('help', { alias: 'h', type: 'boolean', describe: 'show help' })
    .option('version', { alias: 'v', type: 'boolean', describe: 'show the version' })
    .strict()
    .exitProcess(false)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .example('$0 my-connector --connector-id 1234', 'on-prem project, no auth, installs with the current package manager')
    .example('$0 crm --connector-id 1234 --target cloud --auth oauth2 --no-install', 'cloud project with OAuth 2.0, no install')
    .example('$0 petstore --connector-id 1234 --from-openapi petstore.yaml', 'a method per operation of an OpenAPI document')
    .fail((message, error) => {
      throw error ?? new CreateError('USAGE', `${message}; see --help`, { exitCode: 2 });
    });

  const parsed = await parser.parseAsync();
  if (parsed.help) return { kind: 'print', text: await parser.getHelp() };
  if (parsed.version) return { kind: 'print', text: CREATE_CONNECTOR_VERSION };
  const args: CliArgs = { install: parsed.install, force: parsed.force, yes: parsed.yes, git: parsed.git };
  const from = single(parsed.from, '--from');
  if (from !== undefined) {
    if (parsed.sdkVersion !== undefined || parsed.workspaceVersion !== undefined) {
      throw new CreateError(
        'USAGE',
        '--from takes the SDK and workspace from its tarballs: leave out --sdk-version and --workspace-version',
        {
          exitCode: 2,
        },
      );
    }
    args.from = String(from);
  }
  const fromOpenApi = single(parsed.fromOpenapi, '--from-openapi');
  if (fromOpenApi !== undefined) {
    if (parsed.auth !== undefined) {
      throw new CreateError('USAGE', '--from-openapi takes the auth from the document (its securitySchemes): leave out --auth', {
        exitCode: 2,
      });
    }
    args.fromOpenApi = String(fromOpenApi);
  }
  const connectorId = single(parsed.connectorId, '--connector-id');
  const target = single(parsed.target, '--target');
  const auth = single(parsed.auth, '--auth');
  const packageManager = single(parsed.packageManager, '--package-manager');
  const sdkVersion = single(parsed.sdkVersion, '--sdk-version');
  const workspaceVersion = single(parsed.workspaceVersion, '--workspace-version');
  if (parsed.directory !== undefined) args.directory = String(parsed.directory);
  if (connectorId !== undefined) args.connectorId = String(connectorId);
  if (target !== undefined) args.target = target;
  if (auth !== undefined) args.auth = auth;
  if (packageManager !== undefined) args.packageManager = packageManager;
  if (sdkVersion !== undefined) args.sdkVersion = String(sdkVersion);
  if (workspaceVersion !== undefined) args.workspaceVersion = String(workspaceVersion);
  return { kind: 'run', args };
}

/**
 * The one value of an option that takes one. yargs collects a repeated option into an array
 * (`--connector-id 1 --connector-id 2` → `[1, 2]`), which would otherwise read as `"1,2"`.
 * @throws CreateError `USAGE` (exit code 2) when the option was given more than once
 */
function single<T>(value: T | T[] | undefined, option: string): T | undefined {
  if (!Array.isArray(value)) return value;
  const given = value.map((v) => JSON.stringify(String(v))).join(', ');
  const times = value.length === 2 ? 'twice' : `${value.length} times`;
  throw new CreateError('USAGE', `${option} was given ${times} (${given}): give it once`, { exitCode: 2 });
}
