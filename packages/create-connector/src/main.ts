/**
 * The `create-connector` flow: read the command line, ask for what is missing, check, write,
 * install, and print the next steps.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generateKeyPair } from '@connector-kit/sdk/secrets';
import { parseArgs, type CliArgs } from './args.js';
import { CreateError } from './errors.js';
import { createProject } from './generate.js';
import { installDependencies } from './install.js';
import { Journal } from './journal.js';
import { packageNameProblem, resolveProjectName } from './names.js';
import { AUTH_KINDS, TARGETS, connectorIdProblem, dependencySpecOf, type ProjectOptions } from './options.js';
import { commandsOf, detectPackageManager } from './package-manager.js';
import { createAsker } from './prompts.js';

/** Where {@link main} reads and writes; the process's own streams by default. */
export interface MainOptions {
  /** Name shown in help and messages. @default 'create-connector' */
  scriptName?: string;
  /** @default process.cwd() */
  cwd?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default process.stdin */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Progress and next steps. @default process.stdout */
  stdout?: NodeJS.WritableStream;
  /** Errors and prompts. @default process.stderr */
  stderr?: NodeJS.WritableStream;
}

/**
 * Runs the scaffolder with `argv` (the arguments after the command) and resolves to the exit
 * code: 0 on success, 1 on failure (after removing what it wrote), 2 for a wrong command line.
 */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const scriptName = options.scriptName ?? 'create-connector';
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const say = (line = ''): void => void stdout.write(`${line}\n`);
  const journal = new Journal();

  try {
    // 1. Read the command line.
    const parsed = await parseArgs(argv, scriptName);
    if (parsed.kind === 'print') {
      say(parsed.text);
      return 0;
    }
    const { args } = parsed;

    // 2. Ask for what is missing: only a person at a terminal, never in CI or with --yes.
    const interactive = stdin.isTTY === true && !isCi(env) && !args.yes;
    // The key pair takes a few hundred milliseconds: when a person is asked, make it meanwhile.
    let keys = interactive ? startKeys() : undefined;
    const answers = interactive ? await ask(args, stdin, stderr) : args;

    // 3. Check the name, the connector id and the folder.
    const project = checkAnswers(answers, cwd, scriptName);
    const packageManager = args.packageManager ?? detectPackageManager(env.npm_config_user_agent);
    const projectOptions: ProjectOptions = {
      ...project,
      packageManager,
      target: answers.target ?? 'on-prem',
      auth: answers.auth ?? 'none',
      ...(args.sdkVersion === undefined ? {} : { sdkSpec: dependencySpecOf('--sdk-version', args.sdkVersion, cwd) }),
      ...(args.workspaceVersion === undefined
        ? {}
        : { workspaceSpec: dependencySpecOf('--workspace-version', args.workspaceVersion, cwd) }),
    };
    checkFolder(project.dir, args.force);
    keys ??= startKeys();
    const shown = relative(cwd, project.dir) || '.';
    say(`Creating ${project.packageName} in ${project.dir}`);
    say(`  connector id ${project.connectorId}, target ${projectOptions.target}, auth ${projectOptions.auth}, ${packageManager}`);

    // 4. Write the files (templates, package.json, .env with the key pair).
    let started = Date.now();
    const { files } = await createProject({ ...projectOptions, keys, journal });
    say(`  ✔ wrote ${files.length} files and a new key pair in ${Date.now() - started} ms`);

    // 5. Install dependencies.
    const pm = commandsOf(packageManager);
    if (args.install) {
      say(`  … ${pm.install}`);
      started = Date.now();
      journal.expect(join(project.dir, 'node_modules'));
      journal.expect(join(project.dir, pm.lockfile));
      // Ctrl-C reaches the package manager too: let it fail, so that what was written is removed.
      const keepGoing = (): void => undefined;
      process.on('SIGINT', keepGoing);
      try {
        await installDependencies(project.dir, packageManager, env);
      } finally {
        process.off('SIGINT', keepGoing);
      }
      say(`  ✔ installed dependencies in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }

    // 6. Next steps.
    say();
    say(`Done. Next steps:`);
    if (shown !== '.') say(`  cd ${/\s/.test(shown) ? JSON.stringify(shown) : shown}`);
    if (!args.install) say(`  ${pm.install}`);
    say(`  ${pm.run('test').padEnd(22)} run the example method's test, offline`);
    say(`  ${pm.run('dev').padEnd(22)} build, serve and reload against a local workspace`);
    if (projectOptions.target === 'cloud') say(`  ${pm.run('build').padEnd(22)} write dist/connector.mjs, the one file to upload`);
    else say(`  ${'podman build .'.padEnd(22)} the container image (Containerfile; see DEPLOYMENT.md)`);
    say(`README.md says how to connect to a real workspace.`);
    return 0;
  } catch (error) {
    await journal.rollback();
    const message = error instanceof Error ? error.message : String(error);
    stderr.write(`${scriptName}: ${message}\n`);
    if (!(error instanceof CreateError)) stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    return error instanceof CreateError ? error.exitCode : 1;
  }
}

function startKeys(): ReturnType<typeof generateKeyPair> {
  const keys = generateKeyPair();
  keys.catch(() => undefined); // awaited when the files are written
  return keys;
}

function isCi(env: NodeJS.ProcessEnv): boolean {
  return env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false';
}

async function ask(args: CliArgs, stdin: NodeJS.ReadableStream, stderr: NodeJS.WritableStream): Promise<CliArgs> {
  const asker = createAsker(stdin, stderr);
  try {
    const out: CliArgs = { ...args };
    out.directory ??= await asker.ask('Project name', {
      fallback: 'my-connector',
      check: (a) => packageNameProblem(resolveProjectName(a).packageName),
    });
    out.connectorId ??= await asker.ask('Connector id (from the workspace, e.g. 1234)', { check: connectorIdProblem });
    out.target ??= await asker.choose('Where will it run', TARGETS, 'on-prem');
    out.auth ??= await asker.choose('How does it sign in to the API', AUTH_KINDS, 'none');
    return out;
  } finally {
    asker.close();
  }
}

function checkAnswers(
  answers: CliArgs,
  cwd: string,
  scriptName: string,
): Pick<ProjectOptions, 'dir' | 'packageName' | 'displayName' | 'connectorId'> {
  if (answers.directory === undefined) {
    throw new CreateError('USAGE', `name the project: ${scriptName} my-connector --connector-id <id>`, { exitCode: 2 });
  }
  const name = resolveProjectName(answers.directory, cwd);
  const nameProblem = packageNameProblem(name.packageName);
  if (nameProblem !== undefined) {
    throw new CreateError(
      'NAME_INVALID',
      `"${name.packageName}" is not a valid npm package name: ${nameProblem}. Use lower case letters, digits and "-", e.g. my-connector`,
    );
  }
  if (answers.connectorId === undefined) {
    throw new CreateError(
      'CONNECTOR_ID_MISSING',
      `--connector-id is required: pass the id the workspace gave the connector, e.g. ${scriptName} ${answers.directory} --connector-id 1234`,
      { exitCode: 2 },
    );
  }
  const idProblem = connectorIdProblem(answers.connectorId);
  if (idProblem !== undefined) throw new CreateError('USAGE', `${idProblem}`, { exitCode: 2 });
  return { ...name, connectorId: answers.connectorId };
}

function checkFolder(dir: string, force: boolean): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new CreateError('DIR_NOT_EMPTY', `${dir} exists and is not a folder: pick another name`);
  // A fresh `git init` counts as empty.
  const entries = readdirSync(dir).filter((entry) => entry !== '.git');
  if (entries.length > 0 && !force) {
    const listed = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
    throw new CreateError('DIR_NOT_EMPTY', `${dir} is not empty (${listed}): pick another name, or pass --force to write into it`);
  }
}
