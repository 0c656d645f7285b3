/**
 * `workspace call <name> <method> [json]`: runs one method of a connected connector and prints
 * its result; failures say what to do next.
 */
import type { Argv } from 'yargs';
import { AdminClient } from './client.js';
import { ApiError, CliError } from '../errors.js';
import { methodNames } from './connector.js';
import { printJson, type GlobalArgs } from './output.js';

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
    throw new CliError('BAD_ARGUMENT', `the arguments are not JSON (${(error as Error).message}): quote them, e.g. '{"name": "Ada"}'`, {
      exitCode: 2,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError('BAD_ARGUMENT', `the arguments must be a JSON object, e.g. '{"name": "Ada"}', got ${input}`, { exitCode: 2 });
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

/**
 * The field errors of an answer that follows the SDK's convention (`details.fields`: a list of
 * `{ field, message, code? }`, as `validationFailed()` makes), one line each; [] when it has none.
 */
export function formatFieldErrors(details: unknown): string[] {
  const fields = (details as { fields?: unknown } | undefined)?.fields;
  if (!Array.isArray(fields)) return [];
  return fields.map((entry: unknown) => {
    const { field, message, code } = (entry ?? {}) as { field?: unknown; message?: unknown; code?: unknown };
    const name = typeof field === 'string' && field !== '' ? field : '(input)';
    const text = typeof message === 'string' ? message : JSON.stringify(entry);
    return `  - ${name}: ${text}${typeof code === 'string' && code !== '' ? ` (${code})` : ''}`;
  });
}

/** Rewrites an error answer of the call into a message that says what to do. */
async function explain(error: ApiError, client: AdminClient, args: CallArgs): Promise<CliError> {
  const wrap = (message: string): CliError => new CliError(error.code, message, { details: error.details });
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
    default: {
      const head = error.status === 404 || error.status === 400 ? error.message : `the call failed (${error.code}): ${error.message}`;
      // Field errors (VALIDATION_FAILED with details.fields, or any code with them) one per line.
      const fields = formatFieldErrors(error.details);
      return wrap(fields.length > 0 ? [`${head}:`, ...fields].join('\n') : head);
    }
  }
}

async function call(args: CallArgs): Promise<void> {
  const input = parseCallInput(args.input);
  if (!Number.isFinite(args.timeout) || args.timeout <= 0)
    throw new CliError('BAD_ARGUMENT', '--timeout must be a positive number of seconds', { exitCode: 2 });
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
