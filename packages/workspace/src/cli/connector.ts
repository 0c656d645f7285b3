/**
 * `workspace connector add|token|list|instances|show`.
 */
import type { Argv } from 'yargs';
import { AdminClient, ApiError } from './client.js';
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

async function add(args: GlobalArgs & { name: string; connectorId: string }): Promise<void> {
  const client = new AdminClient(args);
  const answer = await client.request('POST', 'connectors', { name: args.name, connectorId: args.connectorId });
  if (args.json) return printJson({ ...answer, ...client.endpoints() });
  say(`Added connector "${answer.connector.name}" (connector id ${answer.connector.connectorId}).`);
  say();
  say('Registration token (shown once; make another with `workspace connector token`):');
  say(`  ${answer.registrationToken}`);
  say();
  envLines(client, answer.registrationToken);
}

async function token(args: GlobalArgs & { name: string }): Promise<void> {
  const client = new AdminClient(args);
  const answer = await client.request('POST', `connectors/${encodeURIComponent(args.name)}/tokens`);
  if (args.json) return printJson({ ...answer, ...client.endpoints() });
  say(`New registration token for "${args.name}" (earlier tokens keep working):`);
  say(`  ${answer.registrationToken}`);
  say();
  envLines(client, answer.registrationToken);
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
interface RegisteredInstanceView {
  id: string;
  name: string;
  version: string;
  registered: string;
  lastSeen: string | null;
  online: boolean;
  connectedSince?: string;
  health?: InstanceView['health'];
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
      i.online ? 'online' : 'offline',
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
    client.request<{ connector: ConnectorView & { manifest: { version: string; methods: MethodView[] } | null } }>('GET', path),
    client.request<{ fields: ConfigFieldView[] }>('GET', `${path}/config`),
    client.request<{ instances: RegisteredInstanceView[] }>('GET', `${path}/instances`),
  ]);
  if (args.json) return printJson({ connector, config: config.fields });

  say(`${connector.name} (connector id ${connector.connectorId})`);
  say(`Online instances: ${connector.instances.length}`);
  for (const instance of connector.instances) say(`  ${instanceLine(instance)}`);
  const offline = registered.instances.filter((i) => !i.online).length;
  if (offline > 0) say(`Offline instances: ${offline} (see 'workspace connector instances ${connector.name} --offline')`);
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
  say();
  say('Methods:');
  if (connector.manifest.methods.length === 0) say('  (none declared)');
  for (const method of connector.manifest.methods) {
    say(`  ${method.signature ?? method.name}`);
    if (method.description) say(`      ${method.description}`);
  }
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

/** Adds `connector <add|token|list|instances|show>`. */
export function connectorCommands(y: Argv<GlobalArgs>, run: Run): Argv<GlobalArgs> {
  return y.command('connector', 'add connectors and see them', (c) =>
    c
      .command(
        'add <name>',
        'add a connector and print its registration token',
        (b) =>
          b
            .positional('name', { type: 'string', demandOption: true, describe: 'name in this workspace' })
            .option('connector-id', { type: 'string', demandOption: true, describe: 'the connectorId of its package.json' }),
        (argv) => run(() => add(argv as never), argv.json),
      )
      .command(
        'token <name>',
        'make a new registration token',
        (b) => b.positional('name', { type: 'string', demandOption: true }),
        (argv) => run(() => token(argv as never), argv.json),
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
      .demandCommand(1, 'pick a subcommand: add, token, list, instances or show'),
  );
}
