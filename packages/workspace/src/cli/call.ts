/**
 * `workspace call <name> <method> [json]`: runs one method of a connected connector and prints
 * its result; failures say what to do next.
 */
import type { Argv } from 'yargs';
import { AdminClient, ApiError } from './client.js';
import { methodNames } from './connector.js';
import { CliError, printJson, type GlobalArgs } from './output.js';

type Run = (fn: () => Promise<void>, json: boolean) => Promise<void>;

interface CallArgs extends GlobalArgs {
  name: string;
  method: string;
  input?: string | undefined;
  timeout: number;
}

/** Parses the JSON argument of `call`: an object, or nothing. @throws CliError exit 2 */
export function parseCallInput(input: string | undefined): Record<string, unknown> {
  if (input === undefined || input.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(input);
  } catch (error) {
    throw new CliError(`the arguments are not JSON (${(error as Error).message}): quote them, e.g. '{"name": "Ada"}'`, 2, 'BAD_ARGUMENT');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(`the arguments must be a JSON object, e.g. '{"name": "Ada"}', got ${input}`, 2, 'BAD_ARGUMENT');
  }
  return value as Record<string, unknown>;
}

function formatIssues(details: unknown): string[] {
  if (!Array.isArray(details)) return details === undefined ? [] : [`  ${JSON.stringify(details)}`];
  return details.map((issue: { path?: unknown; message?: unknown }) => {
    const path = Array.isArray(issue?.path) && issue.path.length > 0 ? issue.path.join('.') : '(input)';
    return `  - ${path}: ${typeof issue?.message === 'string' ? issue.message : JSON.stringify(issue)}`;
  });
}

/** Rewrites an error answer of the call into a message that says what to do. */
async function explain(error: ApiError, client: AdminClient, args: CallArgs): Promise<CliError> {
  const wrap = (message: string): CliError => new CliError(message, 1, error.code, error.details);
  switch (error.code) {
    case 'CONNECTOR_OFFLINE': {
      const { deviceEndpoint, websocketEndpoint } = client.endpoints();
      return wrap(
        `connector "${args.name}" is offline: start it (e.g. 'npm start' in its project) with DEVICE_ENDPOINT=${deviceEndpoint} and WEBSOCKET_ENDPOINT=${websocketEndpoint}`,
      );
    }
    case 'METHOD_NOT_FOUND': {
      // The method list once: from the manifest when there is one (the connector's own message
      // lists them too, so it is shown only when the manifest names none).
      const names = await methodNames(client, args.name);
      return wrap(
        `connector "${args.name}" has no method "${args.method}". ` +
          (names.length > 0
            ? `Its methods: ${names.join(', ')}`
            : `It says: ${error.message}. See 'workspace connector show ${args.name}'`),
      );
    }
    case 'INPUT_INVALID': {
      // With structured details (§8) the issues are listed one per line, and the connector's
      // message, which says the same in one line, is left out.
      const issues = formatIssues(error.details);
      const head = `invalid input for ${args.method} of "${args.name}"`;
      return wrap(issues.length > 0 ? [`${head}:`, ...issues].join('\n') : `${head}: ${error.message}`);
    }
    case 'TIMEOUT':
      return wrap(`connector "${args.name}" did not answer within ${args.timeout} s: raise --timeout, or check the connector's log`);
    case 'CONNECTION_LOST':
      return wrap(`connector "${args.name}" went offline during the call: ${error.message}`);
    default:
      return wrap(error.status === 404 || error.status === 400 ? error.message : `the call failed (${error.code}): ${error.message}`);
  }
}

async function call(args: CallArgs): Promise<void> {
  const input = parseCallInput(args.input);
  if (!Number.isFinite(args.timeout) || args.timeout <= 0)
    throw new CliError('--timeout must be a positive number of seconds', 2, 'BAD_ARGUMENT');
  const client = new AdminClient(args);
  try {
    const { result } = await client.request('POST', `connectors/${encodeURIComponent(args.name)}/call`, {
      method: args.method,
      args: input,
      timeoutMs: Math.round(args.timeout * 1000),
    });
    printJson(args.json ? { result } : result);
  } catch (error) {
    throw error instanceof ApiError ? await explain(error, client, args) : error;
  }
}

/** Adds `call`. */
export function callCommand(y: Argv<GlobalArgs>, run: Run): Argv<GlobalArgs> {
  return y.command(
    'call <name> <method> [input]',
    'call a method of a connected connector and print its result',
    (b) =>
      b
        .positional('name', { type: 'string', demandOption: true, describe: 'connector name' })
        .positional('method', { type: 'string', demandOption: true, describe: 'method name, e.g. contacts.list' })
        .positional('input', { type: 'string', describe: 'arguments as a JSON object' })
        .option('timeout', { type: 'number', default: 60, describe: 'seconds to wait for the answer' }),
    (argv) => run(() => call(argv as unknown as CallArgs), argv.json),
  );
}
