#!/usr/bin/env node
// `npm start`: a local workspace on the embedded store, the hello-world and SQL connectors
// registered with it and connected, one call to each through the workspace — then all three keep
// running until Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const workspaceCli = join(root, 'packages/workspace/dist/cli/index.js');
const connectorCli = join(root, 'packages/sdk/dist/cli/index.js');
const secretsModule = join(root, 'packages/sdk/dist/secrets/index.js');
const helloDir = join(root, 'examples/hello-world');
const sqlDir = join(root, 'examples/sql');
const dataDir = process.env.WORKSPACE_DATA || join(homedir(), '.connector-kit', 'workspace');
const port = process.env.WORKSPACE_PORT || '4700';
const url = `http://127.0.0.1:${port}`;
const children = [];
const say = (line = '') => process.stdout.write(`${line}\n`);

function start(name, args, options) {
  const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  const keep = (chunk) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', (code, signal) => {
    if (!shuttingDown) {
      say(`\n${name} exited (${signal ?? code}). Its last lines:\n${lines.slice(-15).join('\n')}`);
      void shutdown(1);
    }
  });
  children.push({ name, child });
  return child;
}

async function api(path, init = {}) {
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const response = await fetch(`${url}/api/v1/${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
  const body = await response.json().catch(() => ({}));
  return { status: response.status, body };
}

async function until(what, check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function run(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [workspaceCli, ...args], {
      env: { ...process.env, WORKSPACE_URL: url, WORKSPACE_DATA: dataDir },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out: out.trim() }));
  });
}

/** Registers `name`, or gets a fresh token for it if it is there from an earlier run. */
async function registrationToken(name) {
  let created = await api('connectors', { method: 'POST', body: JSON.stringify({ name, connectorId: name }) });
  if (created.status === 409) created = await api(`connectors/${name}/tokens`, { method: 'POST' });
  const token = created.body.registrationToken;
  if (!token) throw new Error(`could not get a registration token for ${name}: ${JSON.stringify(created.body)}`);
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
      ...process.env,
      ...env,
      REGISTRATION_TOKEN: token,
      DEVICE_ENDPOINT: `${url}/`,
      WEBSOCKET_ENDPOINT: `ws://127.0.0.1:${port}/transport/`,
      HOSTNAME: `${name}-demo`,
    },
  });
}

function online(name) {
  return until(`${name} to connect`, async () => {
    const { body } = await api(`connectors/${name}`);
    return (body.instances ?? body.connector?.instances ?? []).some((i) => i.online !== false && i.name === `${name}-demo`);
  });
}

/** Calls through the workspace with the CLI a person would use, and prints the command and its answer. */
async function callAndShow(name, method, input) {
  const call = await run(['call', name, method, input]);
  if (call.code !== 0) throw new Error(`the call to ${name} failed:\n${call.out}`);
  say(`\nworkspace call ${name} ${method} '${input}'\n${call.out}`);
}

let shuttingDown = false;
async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  say('\nstopping the connectors and the workspace…');
  // Connectors first, so they can disconnect from a workspace that is still there.
  for (const { child } of [...children].reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
  }
  say('stopped.');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  // 1. The workspace, on the embedded store.
  say(`starting the workspace on ${url} (data in ${dataDir})…`);
  start('the workspace', [workspaceCli, 'serve', '--port', port, '--data', dataDir], { cwd: root });
  await until('the workspace to answer', async () => existsSync(join(dataDir, 'admin-token')) && (await api('connectors')).status === 200);

  // 2. Register both connectors (or get fresh tokens for them if they are there from an earlier run).
  const helloToken = await registrationToken('hello-world');
  const sqlToken = await registrationToken('sql');
  const keys = await sqlKeys();

  // 3. Start them with those tokens. The SQL connector's default config is its embedded database.
  say('starting the hello-world and sql connectors…');
  startConnector('hello-world', helloDir, helloToken);
  startConnector('sql', sqlDir, sqlToken, { PRIVATE_KEY: keys.privateKey, PUBLIC_KEY: keys.publicKey });
  await Promise.all([online('hello-world'), online('sql')]);

  // 4. One call to each through the workspace.
  await callAndShow('hello-world', 'hello', '{"name":"Ada"}');
  await callAndShow(
    'sql',
    'query',
    '{"sql":"SELECT name, orders, total FROM order_totals WHERE total > $1 ORDER BY total DESC","values":[100]}',
  );
  say('\nhello-world and sql are connected and answering. Try, in another terminal:');
  say(`  npx workspace connector show hello-world`);
  say(`  npx workspace call hello-world hello '{"name":"Grace"}'`);
  say(`  npx workspace config set hello-world greeting=Howdy`);
  say(`  npx workspace call hello-world tasks.remind '{"title":"Water the plants"}'`);
  say(`  npx workspace call sql tables`);
  say(`  npx workspace call sql select '{"table":"customers","where":{"country":"US"}}'`);
  say(`  npx workspace task list`);
  say('\nPress Ctrl-C to stop.');
} catch (error) {
  say(`\nnpm start failed: ${error.message}`);
  await shutdown(1);
}
