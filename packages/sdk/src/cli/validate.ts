/**
 * `connector validate`: lint the connector's manifest (protocol.md §2) before a workspace sees it:
 * missing descriptions, invalid or reserved names, secret-looking fields sent in clear text,
 * examples that do not match their schema.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build as esbuild } from 'esbuild';
import type { Connector } from '../connector/define.js';
import { buildManifest } from '../connector/manifest.js';
import { ConnectorError } from '../errors.js';
import { checkMethodName, SpecialQuery } from '../protocol/index.js';
import { importConnector, sourceEntry } from './project.js';
import { readControllerTypes } from './controller.js';

/** One finding. Errors fail `connector validate`; warnings fail it only with `--strict`. */
export interface LintIssue {
  severity: 'error' | 'warning';
  /** What it is about: `connector`, `config.apiKey`, `method items.get`, `method items.get: id`. */
  where: string;
  message: string;
}

/** Last words of a field name or label that mark a secret (`apiKey`, `client_secret`, `Access token`). */
const SECRET_WORDS = new Set(['password', 'passwd', 'pwd', 'passphrase', 'secret', 'token', 'key', 'apikey', 'credential', 'credentials']);
/** Config field names the SDK or the workspace set themselves (§2 `managed`, §6, §7). */
const RESERVED_FIELDS = new Set(['oauthResult', '_endpointToken']);
const FIELD_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Method names §7 gives a meaning, with the option of defineConnector that does the same. */
const PROTOCOL_METHODS = new Map<string, { what: string; option: string }>([
  [SpecialQuery.endpoint, { what: 'endpoint data', option: 'endpoint' }],
  [SpecialQuery.endpointV1, { what: 'endpoint data', option: 'endpoint' }],
  [SpecialQuery.autocomplete, { what: 'autocomplete', option: 'autocomplete' }],
  [SpecialQuery.fallback, { what: 'unknown names', option: 'fallback' }],
]);

/** Splits `clientSecret`, `CLIENT_SECRET`, `client-secret` and `Client secret` into lower-case words. */
export function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/**
 * True when a field's name or label ends in a secret word: `apiKey`, `password`, `Access token`;
 * not `tokenUrl` or `keyId`, whose last word says they are something else.
 */
export function looksSecret(...names: Array<string | undefined>): boolean {
  return names.some((name) => name !== undefined && SECRET_WORDS.has(words(name).at(-1) ?? ''));
}

const blank = (text: unknown): boolean => typeof text !== 'string' || text.trim() === '';

/** Lints a defined connector. */
export function lintConnector(connector: Connector): LintIssue[] {
  const issues: LintIssue[] = [];
  const error = (where: string, message: string): void => void issues.push({ severity: 'error', where, message });
  const warn = (where: string, message: string): void => void issues.push({ severity: 'warning', where, message });
  const manifest = buildManifest(connector);

  // 1. The connector itself.
  if (blank(connector.definition.name)) error('connector', 'has no name: set `name` in defineConnector()');
  if (blank(connector.definition.summary)) warn('connector', 'has no summary: add `summary`, one line the workspace shows in lists');
  if (blank(connector.definition.description))
    warn('connector', 'has no description: add `description`, a paragraph for its page in the workspace');

  // 2. Config fields (§2), as the manifest sends them: the declared ones and those the auth kind
  // adds (`apiKey`, `username`/`password`, `clientId`/`clientSecret`, the managed `oauthResult`).
  // Names and reserved words apply to declared fields only; descriptions and secrets to all.
  for (const [key, wire] of Object.entries(manifest.configSchema.fields)) {
    const where = `config.${key}`;
    const declared = Object.hasOwn(connector.fields, key);
    if (declared && !FIELD_NAME.test(key)) error(where, `"${key}" is not a valid field name: use letters, digits, _ and $ (e.g. apiKey)`);
    if (declared && RESERVED_FIELDS.has(key)) error(where, `"${key}" is reserved for the workspace (§2 managed fields): pick another name`);
    if (blank(wire.description)) {
      const fix = declared ? 'add `description`' : 'set `description` in the options of `auth`';
      error(where, `has no description: ${fix}, one sentence on what to enter and where to find it`);
    }
    // Managed fields are the workspace's (§7 `_endpointToken` is plain by definition), not the author's to encrypt.
    if (wire.plain && wire.type !== 'managed' && looksSecret(key, wire.name)) {
      error(
        where,
        `looks like a secret ("${wire.name}") but is marked plain, so the workspace would send it in clear text: ` +
          'remove `plain: true` so it travels encrypted (protocol.md §5)',
      );
    }
  }

  // 3. Methods: names, descriptions, documented arguments, examples that parse.
  if (connector.methods.size === 0) warn('connector', 'has no methods: add one with `connector add method <name>`');
  for (const [name, method] of connector.methods) {
    const where = `method ${name}`;
    const problem = checkMethodName(name);
    if (problem !== undefined) error(where, problem);
    const hook = PROTOCOL_METHODS.get(name);
    if (hook !== undefined) {
      // §7 names are what v1 (ALOMA) connectors declare: they work, the typed option says more.
      warn(
        where,
        `"${name}" answers §7 ${hook.what}: it works, but the \`${hook.option}\` option of defineConnector is typed and documented`,
      );
    } else if (name.startsWith('_')) {
      error(where, `names starting with "_" are reserved for the protocol (§7 _endpoint, __autocomplete, __default): rename "${name}"`);
    }
    // A method with `schemas` is a controller's: its documentation is JSDoc.
    const fromClass = method.schemas !== undefined;
    if (blank(method.description)) {
      const fix = fromClass ? 'add a JSDoc comment above the method' : 'add `description`';
      error(where, `has no description: ${fix}, what the method does (the workspace shows it)`);
    } else if (/^\s*todo\b/i.test(method.description)) warn(where, `description is still a placeholder: "${method.description}"`);
    const input = manifest.methods?.[name]?.input as { properties?: Record<string, { description?: unknown }> } | undefined;
    for (const [arg, schema] of Object.entries(input?.properties ?? {})) {
      if (blank(schema.description)) {
        const fix = fromClass ? `a JSDoc comment to the member, or @param args.${arg}` : ".describe('…') to its schema";
        warn(`${where}: ${arg}`, `argument has no description: add ${fix}`);
      }
    }
    (method.examples ?? []).forEach((example, i) => {
      const parsed = method.input.safeParse(example.input);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        error(
          where,
          `example ${i + 1} does not match the input schema: ${first ? `${first.path.join('.') || '(input)'}: ${first.message}` : 'invalid'}`,
        );
      }
    });
  }
  return issues;
}

/**
 * Compiles the project's source (without touching dist/), loads the connector and lints it. A
 * definition that `defineConnector` itself rejects is reported as one error.
 */
export async function validateProject(dir: string, entry?: string): Promise<LintIssue[]> {
  const source = sourceEntry(dir, entry);
  // Inside node_modules so that the compiled file resolves the project's packages.
  const cache = join(dir, 'node_modules', '.cache', 'connector-kit');
  const outfile = join(cache, `validate-${process.pid}.mjs`);
  await mkdir(cache, { recursive: true });
  try {
    await esbuild({
      entryPoints: [join(dir, source)],
      outfile,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'error',
    });
    let connector: Connector;
    try {
      connector = await importConnector(outfile);
    } catch (error) {
      // By code, not instanceof: the project's SDK copy has its own ConnectorError class.
      if ((error as { code?: unknown }).code === 'DEFINITION_INVALID')
        return [{ severity: 'error', where: source, message: (error as Error).message }];
      throw error;
    }
    // A controller class: its methods, JSDoc and types, or what of them a manifest cannot express.
    const read = readControllerTypes(connector, dir, source);
    if (read.problems.length > 0) return read.problems.map((p) => ({ severity: 'error' as const, where: p.where, message: p.message }));
    return lintConnector(read.connector);
  } finally {
    await rm(outfile, { force: true });
  }
}

/** The report `connector validate` prints. */
export function formatIssues(issues: readonly LintIssue[]): string {
  const errors = issues.filter((i) => i.severity === 'error').length;
  const warnings = issues.length - errors;
  if (issues.length === 0) return 'no problems found';
  const width = Math.max(...issues.map((i) => i.where.length));
  const lines = issues.map((i) => `  ${i.severity.padEnd(7)} ${i.where.padEnd(width)}  ${i.message}`);
  return [...lines, `${errors} error(s), ${warnings} warning(s)`].join('\n');
}
