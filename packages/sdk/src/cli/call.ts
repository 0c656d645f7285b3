/**
 * `connector call`: run one method locally through the test harness, no workspace needed; the
 * harness of the project's own SDK, so errors and mapping behave as under `connector start`.
 */
import { join } from 'node:path';
import { loadDotEnv } from '../runtime/env.js';
import { ConnectorError } from '../errors.js';
import { AnswerFallbackCode, errorFromAnswer } from '../protocol/index.js';
import { importConnector, readProject } from './project.js';
import { loadProjectSdk } from './project-sdk.js';

/** Parses `key=value` pairs; values that are JSON (numbers, booleans) are parsed. */
export function parseAssignments(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new ConnectorError('USAGE', `expected key=value, got ${JSON.stringify(pair)}`);
    const key = pair.slice(0, at);
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    if (raw === 'true' || raw === 'false') value = raw === 'true';
    // Only numbers that read back the same (not `007`, not ids past 2^53) become numbers.
    else if (/^-?\d+(\.\d+)?$/.test(raw) && String(Number(raw)) === raw) value = Number(raw);
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Rewrites advice meant for a connector run by a workspace (`workspace config set <connector>
 * apiKey=…`) into what works for a local call, which has no workspace: `--config apiKey=…`.
 */
export function localAdvice(message: string): string {
  return message
    .replace(/set it in the workspace, e\.g\. /g, 'pass it, e.g. ')
    .replace(/'workspace config set <connector> ([^=' ]+)=…'/g, '--config $1=…');
}

/**
 * Calls `method` with `input` (JSON text) and returns the result.
 * @throws ConnectorError with the answer's code (its message ends with the code), or `USAGE`
 */
export async function callLocally(dir: string, method: string, input: string | undefined, config: readonly string[]): Promise<unknown> {
  loadDotEnv(dir);
  const project = readProject(dir);
  const [connector, sdk] = await Promise.all([importConnector(join(dir, project.main)), loadProjectSdk(dir)]);
  if (sdk.reason !== undefined) process.stderr.write(`warning: ${sdk.reason}\n`);
  let args: unknown = {};
  if (input !== undefined) {
    try {
      args = JSON.parse(input);
    } catch (error) {
      throw new ConnectorError('USAGE', `the input is not JSON (${(error as Error).message}): quote it, e.g. '{"name":"Ada"}'`);
    }
  }
  // The SDK's timers are unref()ed (they only wait), so while ctx.http sleeps before a retry
  // nothing else may keep this process alive: Node would exit with code 13 (unsettled top-level
  // await) and print nothing. This handle holds the process until the call has an outcome.
  const keepAlive = setInterval(() => undefined, 60_000);
  const harness = sdk.createTestHarness(connector, { config: parseAssignments(config) });
  try {
    await harness.start();
    try {
      const outcome = await harness.query(method, args);
      if (!outcome.ok) {
        throw errorFromAnswer(
          { a: outcome.error },
          AnswerFallbackCode.connector,
          ({ code, message, details }) => new ConnectorError(code, `${localAdvice(message)} (${code})`, { details }),
        );
      }
      return outcome.result;
    } finally {
      await harness.stop();
    }
  } finally {
    clearInterval(keepAlive);
  }
}
