#!/usr/bin/env node
// `npm start`: a local workspace on the embedded store, the hello-world and SQL connectors
// registered with it and connected, one call to each through the workspace — then all three keep
// running until Ctrl-C.
//
// Waits have no short deadline: on a busy machine (load average 7 on 2 cores) a cold start of the
// workspace's store takes ~45 s and the SQL connector's embedded database more than a minute. A
// wait ends when what it waits for is there, when the process it waits on exits (its last lines
// are printed), or after WAIT_LIMIT_MS; every 15 s it says what it still waits for.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const workspaceCli = join(root, 'packages/workspace/dist/cli/index.js');
const connectorCli = join(root, 'packages/sdk/dist/cli/index.js');
const secretsModule = join(root, 'packages/sdk/dist/secrets/index.js');
const helloDir = join(root, 'examples/hello-world');
const sqlDir = join(root, 'examples/sql');
const dataDir = process.env.WORKSPACE_DATA || join(homedir(), '.connector-kit', 'workspace');
// 0 takes any free port: the workspace says which one it got.
const port = process.env.WORKSPACE_PORT || '4700';
const WAIT_LIMIT_MS = 10 * 60_000;
const PROGRESS_EVERY_MS = 15_000;
/** The workspace's URL (with a trailing slash) and the endpoints connectors use, once it listens. */
let endpoints;
const children = [];
const say = (line = '') => process.stdout.write(`${line}\n`);

/** An error with the `code` of what failed (the CLI's, when it failed) and its cause. */
function failure(message, { code, cause } = {}) {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), code === undefined ? {} : { code });
}

/** Every failure in full: code and message, then each cause, so no message ends at a colon. */
function explain(error) {
  const lines = [];
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 5; e = e.cause, depth++) {
    const text = e instanceof Error ? `${e.code ? `${e.code}: ` : ''}${e.message || e.name}` : String(e);
    lines.push(depth === 0 ? text : `  caused by ${text}`);
  }
  return lines.join('\n');
}

function start(name, args, options) {
  // Its own process group: a terminal's Ctrl-C goes to the foreground group, and a child in ours
  // would get it besides the SIGTERM of shutdown() below, which it takes as a second signal
  // ("exit at once", reliability.md item 7) instead of stopping cleanly.
  const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const entry = { name, child, lines: [], stdout: '' };
  const keep = (chunk) => {
    entry.lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (entry.lines.length > 200) entry.lines.splice(0, entry.lines.length - 200);
  };
  child.stdout.on('data', (chunk) => {
    entry.stdout += chunk;
    keep(chunk);
  });
  child.stderr.on('data', keep);
  child.on('exit', (code, signal) => {
    if (!shuttingDown) {
      say(`\n${name} exited (${signal ?? code}). Its last lines:\n${entry.lines.slice(-15).join('\n')}`);
      void shutdown(1);
    }
  });
  children.push(entry);
  return entry;
}

/**
 * Polls `check` every 100 ms until it returns a truthy value, which it returns. `of` is the
 * started process it waits on: its exit ends the demo (see start), and its last lines explain a
 * wait that reaches WAIT_LIMIT_MS.
 */
async function until(what, of, check) {
  const started = Date.now();
  let nextProgress = started + PROGRESS_EVERY_MS;
  let lastError;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error; // not yet
    }
    const waited = Date.now() - started;
    if (waited > WAIT_LIMIT_MS) {
      const last = of ? `\n${of.name}'s last lines:\n${of.lines.slice(-15).join('\n')}` : '';
      throw failure(`gave up waiting for ${what} after ${Math.round(waited / 1000)} s${last}`, { cause: lastError });
    }
    if (Date.now() >= nextProgress) {
      nextProgress += PROGRESS_EVERY_MS;
      say(`  still waiting for ${what} (${Math.round(waited / 1000)} s; load average ${loadavg()[0].toFixed(1)})…`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function api(path, init = {}) {
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const response = await fetch(new URL(`api/v1/${path}`, endpoints.url), {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
  const body = await response.json().catch(() => ({}));
  return { status: response.status, body };
}

/** Runs the workspace CLI with `--json`; resolves once its output is complete ('close', not 'exit'). */
function runCli(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [workspaceCli, '--json', ...args], {
      env: { ...process.env, WORKSPACE_URL: endpoints.url, WORKSPACE_DATA: dataDir },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout: stdout.trim(), stderr: stderr.trim() }));
  });
}

/** Registers `name`, or gets a fresh token for it if it is there from an earlier run. */
async function registrationToken(name) {
  let created = await api('connectors', { method: 'POST', body: JSON.stringify({ name, connectorId: name }) });
  if (created.status === 409) created = await api(`connectors/${name}/tokens`, { method: 'POST' });
  const token = created.body.registrationToken;
  if (!token) throw failure(`could not get a registration token for ${name} (${created.status}): ${JSON.stringify(created.body)}`);
  return token;
}

/**
 * The SQL connector's key pair (its `password` field travels encrypted to it), kept in the
 * demo's data next to the workspace's, so a password set in one run still decrypts in the next.
 */
async function sqlKeys() {
  const file = join(dataDir, 'sql-connector-keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const { generateKeyPair } = await import(pathToFileURL(secretsModule).href);
  const keys = await generateKeyPair();
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify({ privateKey: keys.privateKey, publicKey: keys.publicKey }), { mode: 0o600 });
  return keys;
}

/** Starts a connector from `dir` with a registration token, pointed at the local workspace. */
function startConnector(name, dir, token, env = {}) {
  return start(`the ${name} connector`, [connectorCli, 'start'], {
    cwd: dir,
    env: {
      // Their lines are shown when something fails: in the human format, unless asked otherwise.
      LOG_FORMAT: 'pretty',
      ...process.env,
      ...env,
      REGISTRATION_TOKEN: token,
      DEVICE_ENDPOINT: endpoints.deviceEndpoint,
      WEBSOCKET_ENDPOINT: endpoints.websocketEndpoint,
      HOSTNAME: `${name}-demo`,
      // Their instance keys belong to this workspace: kept in its data, not in the example folders.
      CONNECTOR_STATE_DIR: join(dataDir, 'connectors'),
    },
  });
}

/** This demo's instance of `name` as the workspace lists it, once it is online. */
async function demoInstance(name) {
  const { body } = await api(`connectors/${name}`);
  return (body.instances ?? body.connector?.instances ?? []).find((i) => i.online !== false && i.name === `${name}-demo`);
}

/**
 * Makes the SQL connector boot its embedded database now, not inside the demo's first call: an
 * unconfigured connector defaults to embedded but boots it (PGlite in a worker) on first use, and
 * that cold start took longer than the call's 60 s under load. With `type` set, every set-config
 * boots it in the health check that follows (§4), and its report says the database answered.
 * A `type` set by the user (their own server) is left alone.
 */
async function embeddedDatabaseReady(sqlProcess) {
  const what = "the sql connector's embedded database (PGlite) to start";
  // Its first report follows the set-config of its connect (§4), with the stored config.
  const first = await until(`the sql connector's first health check`, sqlProcess, async () => (await demoInstance('sql'))?.health);
  const { body } = await api('connectors/sql/config');
  const type = body.values?.type;
  if (type !== undefined && type !== 'embedded') return;
  let report = first;
  if (type === undefined) {
    const set = await api('connectors/sql/config', { method: 'PUT', body: JSON.stringify({ values: { type: 'embedded' } }) });
    if (set.status !== 200) throw failure(`could not set the sql connector's type (${set.status}): ${JSON.stringify(set.body)}`);
    say("starting the sql connector's embedded database…");
    // The report of this set-config is the next one: it comes once the database answered.
    report = await until(what, sqlProcess, async () => {
      const health = (await demoInstance('sql'))?.health;
      return health && health.at !== first.at ? health : undefined;
    });
  }
  if (!report.ok) throw failure(`the sql connector's embedded database did not start: ${report.error}`);
}

/** Calls through the workspace with the CLI a person would use, and prints the command and its answer. */
async function callAndShow(name, method, input) {
  const call = await runCli(['call', name, method, input]);
  let printed;
  try {
    printed = JSON.parse(call.stdout);
  } catch {
    // Not the CLI's JSON: it crashed or was killed. Say how it ended and what it wrote.
  }
  if (call.code !== 0 || printed?.result === undefined) {
    const error = printed?.error;
    if (error) {
      const details = error.details === undefined ? '' : `\n  details: ${JSON.stringify(error.details)}`;
      throw failure(`the call to ${name} ${method} failed: ${error.message}${details}`, { code: error.code });
    }
    const how = call.signal ? `was killed by ${call.signal}` : `exited with status ${call.code}`;
    const output = [call.stdout, call.stderr].filter(Boolean).join('\n') || '(no output)';
    throw failure(`the call to ${name} ${method} failed: 'workspace call' ${how}:\n${output}`);
  }
  say(`\nworkspace call ${name} ${method} '${input}'\n${JSON.stringify(printed.result, null, 2)}`);
}

const STOP_GRACE_MS = 15_000;
let shuttingDown = false;
async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  say('\nstopping the connectors and the workspace…');
  let clean = true;
  // Connectors first, so they can disconnect from a workspace that is still there.
  for (const { name, child } of [...children].reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', (status, signal) => resolve(signal ?? status)));
      child.kill('SIGTERM');
      let timer;
      const outcome = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS, 'late')))]);
      clearTimeout(timer);
      if (outcome === 'late') {
        say(`${name} did not stop within ${STOP_GRACE_MS / 1000} s: killed`);
        child.kill('SIGKILL');
        clean = false;
      } else if (outcome !== 0) {
        say(`${name} stopped with status ${outcome}`);
        clean = false;
      }
    }
  }
  say('stopped.');
  process.exit(code === 0 && !clean ? 1 : code);
}
// The children have process groups of their own (see start): whatever ends this process ends them.
process.on('exit', () => {
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
// A second Ctrl-C while stopping exits at once, as it does for the workspace and the connectors.
const onSignal = () => (shuttingDown ? process.exit(1) : void shutdown(0));
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  // 1. The workspace, on the embedded store. With --json it prints its URL and endpoints once it
  //    listens (port 0 included).
  say(`starting the workspace on port ${port} (data in ${dataDir})…`);
  const workspace = start('the workspace', [workspaceCli, 'serve', '--json', '--port', port, '--data', dataDir], { cwd: root });
  endpoints = await until('the workspace to listen', workspace, () =>
    // Parsed once complete (printJson ends it with a line '}'): a half-written one is no error.
    /\n\}\n/.test(workspace.stdout) ? JSON.parse(workspace.stdout) : undefined,
  );
  await until(
    'the workspace to answer',
    workspace,
    async () => existsSync(join(dataDir, 'admin-token')) && (await api('connectors')).status === 200,
  );
  say(`the workspace runs at ${endpoints.url}`);

  // 2. Register both connectors (or get fresh tokens for them if they are there from an earlier run).
  const helloToken = await registrationToken('hello-world');
  const sqlToken = await registrationToken('sql');
  const keys = await sqlKeys();

  // 3. Start them with those tokens. The SQL connector's default config is its embedded database.
  say('starting the hello-world and sql connectors…');
  const hello = startConnector('hello-world', helloDir, helloToken);
  const sql = startConnector('sql', sqlDir, sqlToken, { PRIVATE_KEY: keys.privateKey, PUBLIC_KEY: keys.publicKey });
  await Promise.all([
    until('hello-world to connect', hello, () => demoInstance('hello-world')),
    until('sql to connect', sql, () => demoInstance('sql')),
  ]);
  await embeddedDatabaseReady(sql);

  // 4. One call to each through the workspace.
  await callAndShow('hello-world', 'hello', '{"name":"Ada"}');
  await callAndShow(
    'sql',
    'query',
    '{"sql":"SELECT name, orders, total FROM order_totals WHERE total > $1 ORDER BY total DESC","values":[100]}',
  );
  say('\nhello-world and sql are connected and answering. Try, in another terminal:');
  // A port or data folder other than the CLI's defaults: the commands need them too.
  const env = [port === '4700' ? '' : `WORKSPACE_URL=${endpoints.url}`, process.env.WORKSPACE_DATA ? `WORKSPACE_DATA=${dataDir}` : ''];
  if (env.some(Boolean)) say(`  export ${env.filter(Boolean).join(' ')}`);
  say(`  npx workspace connector show hello-world`);
  say(`  npx workspace call hello-world hello '{"name":"Grace"}'`);
  say(`  npx workspace config set hello-world greeting=Howdy`);
  say(`  npx workspace call hello-world tasks.remind '{"title":"Water the plants"}'`);
  say(`  npx workspace call sql tables`);
  say(`  npx workspace call sql select '{"table":"customers","where":{"country":"US"}}'`);
  say(`  npx workspace task list`);
  say('\nPress Ctrl-C to stop.');
} catch (error) {
  say(`\nnpm start failed: ${explain(error)}`);
  await shutdown(1);
}
