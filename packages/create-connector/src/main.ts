/**
 * The `create-connector` flow: read the command line, ask for what is missing, check, write,
 * install, and print the next steps.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { generateKeyPair } from '@connector-kit/sdk/secrets';
import { parseArgs, type CliArgs } from './args.js';
import { CreateError } from './errors.js';
import { createProject } from './generate.js';
import { installDependencies } from './install.js';
import { Journal } from './journal.js';
import { packageNameProblem, resolveProjectName } from './names.js';
import { AUTH_KINDS, TARGETS, connectorIdProblem, dependencySpecOf, type ProjectOptions } from './options.js';
import { commandsOf, detectPackageManager, probeYarnVersion, yarnVersionOf } from './package-manager.js';
import { createAsker } from './prompts.js';
import { findPacks } from './packs.js';
import { initRepository } from './git.js';

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
  /**
   * Generates the methods of a `--from-openapi` project in this process (what `connector create`
   * passes). @default the project's own `connector generate`, once its dependencies are installed
   */
  generate?: (dir: string) => Promise<GenerationSummary>;
}

/** What a generation reports. */
export interface GenerationSummary {
  methods: number;
  files: string[];
  warnings: string[];
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
  // Set once the files are written: where a failed install leaves the project, and how to retry.
  let keptDir: string | undefined;
  let keptInstall = 'npm install';

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
    const yarnVersion = packageManager === 'yarn' ? (yarnVersionOf(env.npm_config_user_agent) ?? probeYarnVersion(cwd, env)) : undefined;
    const projectOptions: ProjectOptions = {
      ...project,
      packageManager,
      ...(yarnVersion === undefined ? {} : { yarnVersion }),
      target: answers.target ?? 'on-prem',
      auth: answers.auth ?? 'none',
      ...(args.sdkVersion === undefined ? {} : { sdkSpec: dependencySpecOf('--sdk-version', args.sdkVersion, cwd) }),
      ...(args.workspaceVersion === undefined
        ? {}
        : { workspaceSpec: dependencySpecOf('--workspace-version', args.workspaceVersion, cwd) }),
      ...(args.from === undefined ? {} : { packs: findPacks(args.from, cwd) }),
      ...(args.fromOpenApi === undefined ? {} : { openapi: openapiDocument(args.fromOpenApi, cwd) }),
    };
    checkFolder(project.dir, args.force);
    keys ??= startKeys();
    const shown = relative(cwd, project.dir) || '.';
    say(`Creating ${project.packageName} in ${project.dir}`);
    const authShown = projectOptions.openapi === undefined ? projectOptions.auth : 'from the document';
    say(`  connector id ${project.connectorId}, target ${projectOptions.target}, auth ${authShown}, ${packageManager}`);

    // 4. Write the files (templates, package.json, .env with the key pair).
    let started = Date.now();
    const { files } = await createProject({ ...projectOptions, keys, journal });
    say(`  ✔ wrote ${files.length} files and a new key pair in ${Date.now() - started} ms`);

    // 4b. --from-openapi in this process (`connector create`): before the install, so a bad document fails fast.
    const generate = options.generate;
    if (projectOptions.openapi !== undefined && generate !== undefined) {
      journal.expect(join(project.dir, 'src'));
      journal.expect(join(project.dir, 'test'));
      journal.expect(join(project.dir, 'test', 'generated.test.ts'));
      const summary = await generate(project.dir).catch((error: unknown) => {
        // The document's fault (OPENAPI_INVALID, …): said as it is, without a stack; what was written goes.
        const code = (error as { code?: unknown }).code;
        throw new CreateError(typeof code === 'string' ? code : 'GENERATE_FAILED', (error as Error).message, { cause: error });
      });
      reportGeneration(summary, say);
    }

    // 5. Install dependencies.
    const pm = commandsOf(packageManager, yarnVersion);
    keptDir = project.dir;
    keptInstall = pm.install;
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

    // 5b. --from-openapi from `npx create-connector`: the project's own SDK generates.
    let generateLater = false;
    if (projectOptions.openapi !== undefined && generate === undefined) {
      if (args.install) reportGeneration(await generateWithProjectSdk(project.dir, env), say);
      else generateLater = true;
    }

    // 6. A git repository with a first commit (.env and .connector/ are ignored, so no secret goes in).
    if (args.git) {
      const git = await initRepository(project.dir, env);
      if (git.outcome === 'committed') say('  ✔ made a git repository with a first commit');
      else if (git.outcome === 'initialized') say(`  ✔ made a git repository; no first commit: ${git.reason}`);
    }

    // 7. Next steps.
    say();
    say(`Done. Next steps:`);
    if (shown !== '.') say(`  cd ${shellWord(shown)}`);
    if (!args.install) say(`  ${pm.install}`);
    if (generateLater)
      say(`  ${pm.run('generate').padEnd(22)} generate the methods from ${relative(project.dir, projectOptions.openapi!)}`);
    say(`  ${pm.run('test').padEnd(22)} run the example method's test, offline`);
    say(`  ${pm.run('dev').padEnd(22)} build, serve and reload against a local workspace`);
    if (projectOptions.target === 'cloud') say(`  ${pm.run('build').padEnd(22)} write dist/connector.mjs, the one file to upload`);
    else say(`  ${'podman build .'.padEnd(22)} the container image (Containerfile; see DEPLOYMENT.md)`);
    say(`README.md says how to connect to a real workspace.`);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A failed install keeps a new project (its key pair is in .env): the fix is usually
    // outside (network, registry, a package manager) and a retry needs nothing else. With
    // --force over files of the person's own, everything goes back as it was.
    if (error instanceof CreateError && error.code === 'GENERATE_FAILED' && keptDir !== undefined) {
      stderr.write(`${scriptName}: ${message}\n`);
      stderr.write(`${scriptName}: the project is kept in ${keptDir}. Fix the document (openapi/), then:\n`);
      stderr.write(`  cd ${shellWord(relative(cwd, keptDir) || '.')} && npx connector generate\n`);
      return 1;
    }
    if (error instanceof CreateError && error.code === 'INSTALL_FAILED' && keptDir !== undefined && !journal.replacedAny()) {
      stderr.write(`${scriptName}: ${message}\n`);
      stderr.write(`${scriptName}: the project is kept in ${keptDir}, with its key pair in .env. Fix what the output above says, then:\n`);
      stderr.write(`  cd ${shellWord(relative(cwd, keptDir) || '.')} && ${keptInstall}\n`);
      return 1;
    }
    await journal.rollback();
    stderr.write(`${scriptName}: ${message}\n`);
    if (!(error instanceof CreateError)) stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    return error instanceof CreateError ? error.exitCode : 1;
  }
}

/** The absolute path of `--from-openapi`'s document. @throws CreateError `OPENAPI_NOT_FOUND` */
function openapiDocument(file: string, cwd: string): string {
  const path = resolve(cwd, file);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new CreateError(
      'OPENAPI_NOT_FOUND',
      `--from-openapi ${file}: no such file; pass the path of an OpenAPI document (.json, .yaml or .yml)`,
    );
  }
  return path;
}

/** Prints what a generation did: its warnings (each names the operation), then a summary. */
function reportGeneration(summary: GenerationSummary, say: (line?: string) => void): void {
  for (const warning of summary.warnings) say(`  warning: ${warning}`);
  say(`  ✔ generated ${summary.methods} method(s) from the OpenAPI document`);
}

/**
 * Runs the installed project's `connector generate`.
 * @throws CreateError `GENERATE_FAILED` with what it printed
 */
async function generateWithProjectSdk(dir: string, env: NodeJS.ProcessEnv): Promise<GenerationSummary> {
  const cli = join(dir, 'node_modules', '@connector-kit', 'sdk', 'bin', 'connector.js');
  const { execFile } = await import('node:child_process');
  return new Promise((done, fail) => {
    execFile(process.execPath, [cli, 'generate'], { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 }, (error, _stdout, stderr) => {
      const lines = String(stderr).split('\n');
      if (error) {
        fail(new CreateError('GENERATE_FAILED', `connector generate failed: ${lines.filter(Boolean).join('\n') || error.message}`));
        return;
      }
      const warnings = lines.filter((l) => l.startsWith('warning: ')).map((l) => l.slice('warning: '.length));
      const methods = Number(/generated (\d+) method/.exec(String(stderr))?.[1] ?? 0);
      done({ methods, files: [], warnings });
    });
  });
}

/** `path` as one word of a shell command line. */
function shellWord(path: string): string {
  return /\s/.test(path) ? JSON.stringify(path) : path;
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
    if (args.fromOpenApi === undefined) out.auth ??= await asker.choose('How does it sign in to the API', AUTH_KINDS, 'none');
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
