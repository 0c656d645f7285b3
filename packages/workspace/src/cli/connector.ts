/**
 * `workspace connector add|token|tokens|revoke-token|list|instances|show|approve|rm|endpoint`.
 */
import type { Argv } from 'yargs';
import { AdminClient } from './client.js';
import { ApiError, CliError } from '../errors.js';
import { age, printJson, printTable, say, type GlobalArgs } from './output.js';

type Run = (fn: () => Promise<void>, json: boolean) => Promise<void>;

interface InstanceView {
  id: string;
  name: string;
  version: string;
  connectedSince: string;
  health: { ok: boolean; error: string | null } | null;
  methods: string[];
}

interface ConnectorView {
  name: string;
  connectorId: string;
  instances: InstanceView[];
}

function envLines(client: AdminClient, token: string): void {
  const { deviceEndpoint, websocketEndpoint } = client.endpoints();
  say("Put these lines in the connector's .env:");
  say(`  REGISTRATION_TOKEN=${token}`);
  say(`  DEVICE_ENDPOINT=${deviceEndpoint}`);
  say(`  WEBSOCKET_ENDPOINT=${websocketEndpoint}`);
}

function health(instance: InstanceView): string {
  if (instance.health === null) return 'no health report yet';
  return instance.health.ok ? 'healthy' : `unhealthy: ${instance.health.error ?? 'no reason given'}`;
}

function instanceLine(instance: InstanceView): string {
  return `${instance.name} v${instance.version}, connected ${age(instance.connectedSince)}, ${health(instance)}`;
}

/** Options of the commands that make a registration token. */
interface TokenArgs {
  ttl?: string | undefined;
  uses?: number | undefined;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * `--ttl` as the admin API's `ttlSeconds`: `90s`, `30m`, `2h`, `7d`, plain seconds, or `never` (0).
 * @throws CliError BAD_ARGUMENT for anything else
 */
export function parseTtl(ttl: string): number {
  if (ttl === 'never') return 0;
  const match = /^(\d+)([smhd]?)$/.exec(ttl.trim());
  const seconds = match ? Number(match[1]) * DURATION_UNITS[match[2] || 's']! : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1) {
    throw new CliError('BAD_ARGUMENT', `--ttl "${ttl}" is not a lifetime: use e.g. 30m, 2h, 7d, 3600 (seconds) or never`, { exitCode: 2 });
  }
  return seconds;
}

function tokenBody(args: TokenArgs): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (args.ttl !== undefined) body.ttlSeconds = parseTtl(args.ttl);
  if (args.uses !== undefined) {
    if (!Number.isInteger(args.uses) || args.uses < 1) {
      throw new CliError('BAD_ARGUMENT', `--uses must be a positive integer (1: single use), got ${String(args.uses)}`, { exitCode: 2 });
    }
    body.maxUses = args.uses;
  }
  return body;
}

interface TokenView {
  id: string;
  state: string;
  created: string;
  expires: string | null;
  maxUses: number | null;
  uses: number;
  lastUsed: string | null;
}

function tokenLimitsLine(token: TokenView): string {
  const expires = token.expires === null ? 'never expires' : `expires ${token.expires}`;
  const uses = token.maxUses === null ? 'any number of registrations' : `${token.maxUses} registration${token.maxUses === 1 ? '' : 's'}`;
  return `${token.id}: ${expires}, ${uses}`;
}

async function add(args: GlobalArgs & TokenArgs & { name: string; connectorId: string }): Promise<void> {
  const client = new AdminClient(args);
  const answer = await client.request('POST', 'connectors', { name: args.name, connectorId: args.connectorId, ...tokenBody(args) });
  if (args.json) return printJson({ ...answer, ...client.endpoints() });
  say(`Added connector "${answer.connector.name}" (connector id ${answer.connector.connectorId}).`);
  say();
  say('Registration token (shown once; make another with `workspace connector token`):');
  say(`  ${answer.registrationToken}`);
  say(`  (${tokenLimitsLine(answer.token)}; a started connector keeps its own key, the token is only for registering)`);
  say();
  envLines(client, answer.registrationToken);
}

async function token(args: GlobalArgs & TokenArgs & { name: string }): Promise<void> {
  const client = new AdminClient(args);
  const answer = await client.request('POST', `connectors/${encodeURIComponent(args.name)}/tokens`, tokenBody(args));
  if (args.json) return printJson({ ...answer, ...client.endpoints() });
  say(`New registration token for "${args.name}" (earlier tokens keep working until they expire or are revoked):`);
  say(`  ${answer.registrationToken}`);
  say(`  (${tokenLimitsLine(answer.token)})`);
  say();
  envLines(client, answer.registrationToken);
}

async function tokens(args: GlobalArgs & { name: string }): Promise<void> {
  const client = new AdminClient(args);
  const answer = await client.request<{ tokens: TokenView[] }>('GET', `connectors/${encodeURIComponent(args.name)}/tokens`);
  if (args.json) return printJson({ tokens: answer.tokens });
  if (answer.tokens.length === 0) {
    say(`"${args.name}" has no registration tokens: make one with 'workspace connector token ${args.name}'.`);
    return;
  }
  printTable(
    ['ID', 'STATE', 'CREATED', 'EXPIRES', 'USES', 'LAST USED'],
    answer.tokens.map((t) => [
      t.id,
      t.state,
      age(t.created),
      t.expires ?? 'never',
      t.maxUses === null ? `${t.uses}` : `${t.uses}/${t.maxUses}`,
      t.lastUsed === null ? 'never' : age(t.lastUsed),
    ]),
  );
}

async function revokeToken(args: GlobalArgs & { name: string; id?: string | undefined; all: boolean }): Promise<void> {
  if ((args.id === undefined) === !args.all) {
    throw new CliError('BAD_ARGUMENT', 'name one token id (see `workspace connector tokens <name>`), or pass --all', { exitCode: 2 });
  }
  const client = new AdminClient(args);
  const base = `connectors/${encodeURIComponent(args.name)}/tokens`;
  const answer = await client.request('DELETE', args.all ? base : `${base}/${encodeURIComponent(args.id!)}`);
  if (args.json) return printJson(answer);
  say(
    args.all
      ? `Revoked ${answer.revoked} registration token${answer.revoked === 1 ? '' : 's'} of "${args.name}". Registered instances keep their keys (revoke one with 'workspace instance revoke').`
      : answer.revoked > 0
        ? `Revoked registration token ${args.id} of "${args.name}".`
        : `Registration token ${args.id} of "${args.name}" was already revoked.`,
  );
}

async function approve(args: GlobalArgs & { name: string; instance: string }): Promise<void> {
  const client = new AdminClient(args);
  const answer = await client.request(
    'POST',
    `connectors/${encodeURIComponent(args.name)}/instances/${encodeURIComponent(args.instance)}/approve`,
  );
  if (args.json) return printJson(answer);
  say(
    `Approved instance ${args.instance}: its config schema, methods and public key are now those of "${args.name}" (secrets set from now on are encrypted to its key).`,
  );
}

async function remove(args: GlobalArgs & { name: string; yes: boolean }): Promise<void> {
  if (!args.yes) {
    throw new CliError(
      'BAD_ARGUMENT',
      `removing "${args.name}" deletes its tokens, instances, config (secrets included), tasks and blobs, and disconnects its instances: add --yes to do it`,
      { exitCode: 2 },
    );
  }
  const client = new AdminClient(args);
  const answer = await client.request('DELETE', `connectors/${encodeURIComponent(args.name)}`);
  if (args.json) return printJson(answer);
  say(
    `Removed connector "${args.name}" with its ${answer.instances} instance${answer.instances === 1 ? '' : 's'} (${answer.disconnected} disconnected), tokens, config and tasks.`,
  );
}

async function list(args: GlobalArgs): Promise<void> {
  const client = new AdminClient(args);
  const { connectors } = await client.request<{ connectors: ConnectorView[] }>('GET', 'connectors');
  if (args.json) return printJson({ connectors });
  if (connectors.length === 0) {
    say("No connectors yet: add one with 'workspace connector add <name> --connector-id <id>'.");
    return;
  }
  printTable(
    ['NAME', 'CONNECTOR ID', 'ONLINE', 'INSTANCES'],
    connectors.map((c) => [c.name, c.connectorId, String(c.instances.length), c.instances.map(instanceLine).join('; ') || '-']),
  );
}

/** One registered instance, as `GET connectors/:name/instances` answers it. */
export interface RegisteredInstanceView {
  id: string;
  name: string;
  version: string;
  registered: string;
  lastSeen: string | null;
  revoked: string | null;
  keyAccepted: boolean;
  manifestAccepted: boolean;
  online: boolean;
  connectedSince?: string;
  health?: InstanceView['health'];
}

/** "online", "offline" or "revoked", and whether its key is not the accepted one. */
export function instanceState(i: RegisteredInstanceView): string {
  const state = i.revoked !== null ? 'revoked' : i.online ? 'online' : 'offline';
  return i.keyAccepted || i.revoked !== null ? state : `${state}, key not accepted`;
}

async function instances(args: GlobalArgs & { name: string; offline: boolean }): Promise<void> {
  const client = new AdminClient(args);
  const answer = await client.request<{ instances: RegisteredInstanceView[] }>(
    'GET',
    `connectors/${encodeURIComponent(args.name)}/instances`,
  );
  const shown = args.offline ? answer.instances.filter((i) => !i.online) : answer.instances;
  if (args.json) return printJson({ instances: shown });
  if (shown.length === 0) {
    say(args.offline ? `No offline instances of "${args.name}".` : `"${args.name}" has no registered instances yet.`);
    return;
  }
  printTable(
    ['ID', 'NAME', 'VERSION', 'STATE', 'REGISTERED', 'LAST SEEN'],
    shown.map((i) => [
      i.id,
      i.name,
      i.version,
      instanceState(i),
      age(i.registered),
      i.online ? 'now' : i.lastSeen === null ? 'never connected' : age(i.lastSeen),
    ]),
  );
}

interface MethodView {
  name: string;
  signature?: string;
  description?: string;
}

interface ConfigFieldView {
  field: string;
  label?: string;
  type?: string;
  optional: boolean;
  secret: boolean;
  set: boolean;
  value?: unknown;
}

async function show(args: GlobalArgs & { name: string }): Promise<void> {
  const client = new AdminClient(args);
  const path = `connectors/${encodeURIComponent(args.name)}`;
  const [{ connector }, config, registered] = await Promise.all([
    client.request<{
      connector: ConnectorView & { manifest: { version: string; methods: MethodView[] } | null; endpoint?: { url: string } | null };
    }>('GET', path),
    client.request<{ fields: ConfigFieldView[] }>('GET', `${path}/config`),
    client.request<{ instances: RegisteredInstanceView[] }>('GET', `${path}/instances`),
  ]);
  if (args.json) return printJson({ connector, config: config.fields });

  say(`${connector.name} (connector id ${connector.connectorId})`);
  say(`Online instances: ${connector.instances.length}`);
  for (const instance of connector.instances) say(`  ${instanceLine(instance)}`);
  const offline = registered.instances.filter((i) => !i.online).length;
  if (offline > 0) say(`Offline instances: ${offline} (see 'workspace connector instances ${connector.name} --offline')`);
  const otherKeys = registered.instances.filter((i) => i.revoked === null && !i.keyAccepted);
  if (otherKeys.length > 0) {
    say(
      `Instances with another public key than the accepted one: ${otherKeys.map((i) => `${i.id} (${i.name})`).join(', ')}; their config schema and methods are not shown. Approve one with 'workspace connector approve ${connector.name} <id>', or revoke it with 'workspace instance revoke ${connector.name} <id>'.`,
    );
  }
  if (connector.manifest === null) {
    say();
    say("It has not registered yet: start it with the REGISTRATION_TOKEN printed by 'workspace connector add'.");
    return;
  }
  say();
  say(`Config (from version ${connector.manifest.version}):`);
  if (config.fields.length === 0) say('  (no fields)');
  else {
    printTable(
      ['  FIELD', 'TYPE', 'KIND', 'VALUE'],
      config.fields.map((f) => [
        `  ${f.field}`,
        f.type ?? '',
        `${f.secret ? 'secret' : 'plain'}${f.optional ? ', optional' : ''}`,
        f.set ? String(f.value) : '(not set)',
      ]),
    );
  }
  // §7: where outside systems post data for the connector's endpoint handler.
  if (connector.endpoint) {
    say();
    say(`Endpoint: POST ${connector.endpoint.url}`);
    say(`  (the URL is its credential; 'workspace connector endpoint ${connector.name} --rotate' makes a new one)`);
  }
  say();
  say('Methods:');
  if (connector.manifest.methods.length === 0) say('  (none declared)');
  for (const method of connector.manifest.methods) {
    say(`  ${method.signature ?? method.name}`);
    if (method.description) say(`      ${method.description}`);
  }
}

async function endpoint(args: GlobalArgs & { name: string; rotate: boolean }): Promise<void> {
  const client = new AdminClient(args);
  const path = `connectors/${encodeURIComponent(args.name)}/endpoint`;
  const answer = args.rotate
    ? await client.request<{ endpoint: { url: string } }>('POST', `${path}/rotate`)
    : await client.request<{ endpoint: { url: string } | null }>('GET', path);
  if (args.json) return printJson(answer);
  if (answer.endpoint === null) {
    say(`${args.name} has no endpoint: it declares none (give it an \`endpoint\` handler), or has not registered yet.`);
    return;
  }
  if (args.rotate) say('New endpoint URL (the old one no longer works):');
  say(`POST ${answer.endpoint.url}`);
}

/** The method names of a connector, for error messages; empty when they cannot be fetched. */
export async function methodNames(client: AdminClient, name: string): Promise<string[]> {
  try {
    const { connector } = await client.request('GET', `connectors/${encodeURIComponent(name)}`);
    return (connector.manifest?.methods ?? []).map((m: MethodView) => m.name);
  } catch (error) {
    if (error instanceof ApiError) return [];
    throw error;
  }
}

function tokenOptions<T>(b: Argv<T>): Argv<T> {
  return b
    .option('ttl', { type: 'string', describe: "the token's lifetime: 30m, 2h, 7d, seconds, or never (default: the workspace's, 1h)" })
    .option('uses', { type: 'number', describe: 'how many instances it may register (1: single use; default: any number)' });
}

/** Adds `connector <add|token|tokens|revoke-token|list|instances|show|approve|rm|endpoint>`. */
export function connectorCommands(y: Argv<GlobalArgs>, run: Run): Argv<GlobalArgs> {
  return y.command('connector', 'add connectors and see them', (c) =>
    c
      .command(
        'add <name>',
        'add a connector and print its registration token',
        (b) =>
          tokenOptions(
            b
              .positional('name', { type: 'string', demandOption: true, describe: 'name in this workspace' })
              .option('connector-id', { type: 'string', demandOption: true, describe: 'the connectorId of its package.json' }),
          ),
        (argv) => run(() => add(argv as never), argv.json),
      )
      .command(
        'token <name>',
        'make a new registration token',
        (b) => tokenOptions(b.positional('name', { type: 'string', demandOption: true })),
        (argv) => run(() => token(argv as never), argv.json),
      )
      .command(
        'tokens <name>',
        'list the registration tokens of a connector (never the tokens themselves): state, expiry, uses',
        (b) => b.positional('name', { type: 'string', demandOption: true }),
        (argv) => run(() => tokens(argv as never), argv.json),
      )
      .command(
        'revoke-token <name> [id]',
        'revoke a registration token (or --all of them); registered instances keep their keys',
        (b) =>
          b
            .positional('name', { type: 'string', demandOption: true })
            .positional('id', { type: 'string', describe: "the token's id, from 'workspace connector tokens'" })
            .option('all', { type: 'boolean', default: false, describe: 'every token of the connector' }),
        (argv) => run(() => revokeToken(argv as never), argv.json),
      )
      .command(
        'approve <name> <instance>',
        "make an instance's config schema, methods and public key the accepted ones",
        (b) => b.positional('name', { type: 'string', demandOption: true }).positional('instance', { type: 'string', demandOption: true }),
        (argv) => run(() => approve(argv as never), argv.json),
      )
      .command(
        'rm <name>',
        'remove a connector: its tokens, instances (disconnected), config, tasks and blobs',
        (b) =>
          b
            .positional('name', { type: 'string', demandOption: true })
            .option('yes', { type: 'boolean', default: false, describe: 'yes, delete all of it' }),
        (argv) => run(() => remove(argv as never), argv.json),
      )
      .command('list', 'list connectors and their online instances', {}, (argv) => run(() => list(argv as never), argv.json === true))
      .command(
        'instances <name>',
        'list every registered instance, offline ones too, with when each was last seen',
        (b) =>
          b
            .positional('name', { type: 'string', demandOption: true })
            .option('offline', { type: 'boolean', default: false, describe: 'only the instances that are not connected' }),
        (argv) => run(() => instances(argv as never), argv.json),
      )
      .command(
        'show <name>',
        'show a connector: instances, config fields, methods',
        (b) => b.positional('name', { type: 'string', demandOption: true }),
        (argv) => run(() => show(argv as never), argv.json),
      )
      .command(
        'endpoint <name>',
        "print the URL of the connector's endpoint (protocol.md §7), or make a new one with --rotate",
        (b) =>
          b
            .positional('name', { type: 'string', demandOption: true })
            .option('rotate', { type: 'boolean', default: false, describe: 'replace the token: the old URL stops working at once' }),
        (argv) => run(() => endpoint(argv as never), argv.json),
      )
      .demandCommand(1, 'pick a subcommand: add, token, tokens, revoke-token, list, instances, show, approve, rm or endpoint'),
  );
}
