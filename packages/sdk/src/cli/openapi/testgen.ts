/**
 * The generated test of a project made from an OpenAPI document (`test/generated.test.ts`): a
 * few operations called through the test harness with inputs made from their schemas, nock
 * checking the request that goes out (method, path, query, credentials, JSON body) and answering
 * with a response made from the document's success schema.
 */
import { serializePath, serializeQuery } from '../../openapi/serialize.js';
import type { Json, OperationModel, ParamModel } from './model.js';
import { resolvePointer } from './model.js';
import { literal, quote } from './quote.js';
import { usableDefault } from './zod.js';
import { isRecord } from '../../protocol/json.js';

/** A generated method, as the test generator needs it. */
export interface MethodInfo {
  name: string;
  op: OperationModel;
  /** Input key of each parameter. */
  keys: Map<ParamModel, string>;
  bodyKey: string;
  /** The host in front of the path, for a resource on another host; '' otherwise. */
  host: string;
  /** The schemes of the connector's choice the operation accepts, when not all. @default all */
  accepts?: string[];
}

/** What the test needs to know of the connector's auth and base URL. */
export interface TestTarget {
  /** The `auth` expression of the generated index (of a choice: its default option's), if any. */
  auth?: string;
  /** The default option of a choice: only operations that accept it are called. */
  scheme?: string;
  /** The default base URL, when the document has an absolute one. */
  baseUrl?: string;
}

/** A value that the schema accepts, made up: required members only, first enum values, `[]` for arrays. */
export function sample(doc: Json, schema: unknown, depth = 0): unknown {
  if (!isRecord(schema) || depth > 12) return undefined;
  if (typeof schema.$ref === 'string') return sample(doc, resolvePointer(doc, schema.$ref), depth + 1);
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum.find((v) => v !== null) ?? null;
  if (Array.isArray(schema.allOf)) {
    const parts = (schema.allOf as unknown[]).map((s) => sample(doc, s, depth + 1));
    const own = isRecord(schema.properties) ? sample(doc, { ...schema, allOf: undefined }, depth + 1) : undefined;
    const objects = [...parts, own].filter(isRecord);
    if (objects.length > 0) return Object.assign({}, ...objects);
    return parts.find((p) => p !== undefined);
  }
  const union = (schema.oneOf ?? schema.anyOf) as unknown[] | undefined;
  if (Array.isArray(union) && union.length > 0) {
    const first = union.find((m) => !(isRecord(m) && m.type === 'null')) ?? union[0];
    const value = sample(doc, first, depth + 1);
    // Members beside oneOf narrow every branch: they must be in the value too.
    const own = isRecord(schema.properties) ? sample(doc, { ...schema, oneOf: undefined, anyOf: undefined }, depth + 1) : undefined;
    return isRecord(value) && isRecord(own) ? { ...own, ...value } : value;
  }
  const types = Array.isArray(schema.type) ? (schema.type as unknown[]) : [schema.type];
  const type =
    types.find((t) => t !== 'null' && t !== undefined) ?? (isRecord(schema.properties) ? 'object' : schema.items ? 'array' : undefined);
  switch (type) {
    case 'string':
      return (
        {
          'date-time': '2024-01-02T03:04:05Z',
          date: '2024-01-02',
          email: 'user@example.com',
          uuid: '0f8fad5b-d9cb-469f-a165-70867728950e',
          uri: 'https://example.com/',
        }[String(schema.format)] ?? 'string'
      );
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' && schema.minimum > 1 ? Math.ceil(schema.minimum) : 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = Array.isArray(schema.required) ? (schema.required as unknown[]) : [];
      for (const [key, prop] of Object.entries(isRecord(schema.properties) ? schema.properties : {})) {
        if (!required.includes(key)) continue;
        const p = isRecord(prop) && typeof prop.$ref === 'string' ? resolvePointer(doc, prop.$ref) : prop;
        if (isRecord(p) && (p.readOnly === true || p.writeOnly === true)) continue;
        const value = sample(doc, prop, depth + 1);
        if (value !== undefined) out[key] = value;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** Whether the test can check this operation end to end. */
function testable(m: MethodInfo, scheme: string | undefined): boolean {
  const { op } = m;
  if (m.accepts !== undefined && (scheme === undefined || !m.accepts.includes(scheme))) return false;
  if (op.response.kind === 'binary') return false;
  if (op.body !== undefined && op.body.required && op.body.kind === 'binary') return false;
  return !op.params.some((p) => p.required && p.in === 'cookie');
}

/** Up to three operations: the first read, the first write with a JSON body, one more. */
function pick(methods: readonly MethodInfo[], scheme: string | undefined): MethodInfo[] {
  const ok = methods.filter((m) => testable(m, scheme));
  const chosen: MethodInfo[] = [];
  const add = (m: MethodInfo | undefined): void => void (m !== undefined && !chosen.includes(m) && chosen.push(m));
  add(ok.find((m) => m.op.method === 'GET'));
  add(ok.find((m) => m.op.body?.kind === 'json'));
  add(ok.find((m) => !chosen.includes(m)));
  return chosen;
}

/** The config and credential checks for the connector's auth. */
function credentials(target: TestTarget): {
  config: Record<string, unknown>;
  headers: Record<string, string>;
  query: Record<string, string>;
  env?: Record<string, string>;
  token?: string;
} {
  const auth = target.auth ?? '';
  const config: Record<string, unknown> = target.baseUrl === undefined ? { baseUrl: 'https://api.example.test' } : {};
  if (auth.startsWith('basic(')) {
    Object.assign(config, { username: 'user', password: 'secret' });
    return { config, headers: { authorization: `Basic ${Buffer.from('user:secret').toString('base64')}` }, query: {} };
  }
  if (auth.startsWith('apiKey(')) {
    config[/field: '((?:[^'\\]|\\.)*)'/.exec(auth)?.[1] ?? 'apiKey'] = 'test-key';
    if (auth.includes("in: 'bearer'")) return { config, headers: { authorization: 'Bearer test-key' }, query: {} };
    const name = /name: '((?:[^'\\]|\\.)*)'/.exec(auth)?.[1] ?? 'X-API-Key';
    if (auth.includes("in: 'query'")) return { config, headers: {}, query: { [name]: 'test-key' } };
    return { config, headers: { [name.toLowerCase()]: 'test-key' }, query: {} };
  }
  if (auth.includes("grant: 'client_credentials'")) {
    Object.assign(config, { clientId: 'client', clientSecret: 'secret' });
    const token = /tokenUrl: '((?:[^'\\]|\\.)*)'/.exec(auth)?.[1];
    return { config, headers: { authorization: 'Bearer test-token' }, query: {}, ...(token === undefined ? {} : { token }) };
  }
  if (auth.startsWith('oauth2(')) {
    config.oauthResult = { access_token: 'test-token', refresh_token: 'test-refresh' };
    return {
      config,
      headers: { authorization: 'Bearer test-token' },
      query: {},
      env: { OAUTH_CLIENT_ID: 'client', OAUTH_CLIENT_SECRET: 'secret' },
    };
  }
  return { config, headers: {}, query: {} };
}

/**
 * The source of `test/generated.test.ts`, or undefined when no operation can be checked offline.
 * `importPath` is the author's entry as the test imports it.
 */
export function generatedTest(
  doc: Json,
  methods: readonly MethodInfo[],
  target: TestTarget,
  source: string,
  importPath = '../src/index.js',
): string | undefined {
  const chosen = pick(methods, target.scheme);
  if (chosen.length === 0) return undefined;
  const creds = credentials(target);
  const base = (target.baseUrl ?? 'https://api.example.test').replace(/\/+$/, '');
  const cases: string[] = [];
  for (const m of chosen) {
    const { op } = m;
    const input: Record<string, unknown> = {};
    let path = op.path;
    const query: Record<string, string | string[]> = { ...creds.query };
    for (const p of op.params) {
      const schema = isRecord(p.schema) && typeof p.schema.$ref === 'string' ? resolvePointer(doc, p.schema.$ref) : p.schema;
      const fallback = usableDefault(schema);
      const value = p.required ? (sample(doc, p.schema) ?? 'string') : undefined;
      if (value !== undefined) input[m.keys.get(p)!] = value;
      const sent = value ?? fallback;
      if (sent === undefined) continue;
      if (p.in === 'path')
        path = path.split(`{${p.name}}`).join(
          serializePath(
            {
              name: p.name,
              in: 'path',
              ...(p.style ? { style: p.style } : {}),
              ...(p.explode !== undefined ? { explode: p.explode } : {}),
            },
            sent,
          ),
        );
      if (p.in === 'query') {
        for (const [k, v] of serializeQuery(
          { name: p.name, in: 'query', ...(p.style ? { style: p.style } : {}), ...(p.explode !== undefined ? { explode: p.explode } : {}) },
          sent,
        )) {
          const prior = query[k];
          query[k] = prior === undefined ? String(v) : [...(Array.isArray(prior) ? prior : [prior]), String(v)];
        }
      }
    }
    let body: unknown;
    if (op.body !== undefined && (op.body.required || op.body.kind === 'json')) {
      body = sample(doc, op.body.schema) ?? (op.body.kind === 'text' ? 'text' : {});
      input[m.bodyKey] = body;
    }
    const status = /^2\d\d$/.test(op.response.status) ? Number(op.response.status) : 200;
    const answer = op.response.kind === 'json' ? (sample(doc, op.response.schema) ?? {}) : op.response.kind === 'text' ? 'text' : undefined;
    const url = m.host === '' ? `${base}${path}` : `${m.host}${path}`;
    const { origin, pathname } = new URL(url);
    const interceptor = [
      `nock(${quote(origin)}${Object.keys(creds.headers).length > 0 ? `, { reqheaders: ${literal(creds.headers)} }` : ''})`,
      `.${op.method.toLowerCase()}(${quote(pathname)}${body !== undefined && op.body?.kind === 'json' ? `, ${literal(body)}` : ''})`,
      Object.keys(query).length > 0 ? `.query(${literal(query)})` : '',
      answer === undefined
        ? `.reply(${status})`
        : op.response.kind === 'text'
          ? `.reply(${status}, 'text', { 'content-type': 'text/plain' })`
          : `.reply(${status}, ${literal(answer)})`,
    ].join('');
    const call = `harness.call(${quote(m.name)}, ${literal(input)})`;
    cases.push(
      [
        `  it(${quote(`${m.name} sends ${op.method} ${op.path}`)}, async () => {`,
        `    const api = ${interceptor};`,
        ...(creds.token === undefined
          ? []
          : [
              `    nock(${quote(new URL(creds.token, base).origin)}).post(${quote(new URL(creds.token, base).pathname)}).reply(200, { access_token: 'test-token', token_type: 'Bearer', expires_in: 3600 });`,
            ]),
        `    const harness = createTestHarness(connector, { config: ${literal(creds.config)}${creds.env === undefined ? '' : `, env: ${literal(creds.env)}`} });`,
        answer === undefined || op.response.kind === 'text'
          ? `    await ${call};`
          : `    await expect(${call}).resolves.toEqual(${literal(answer)});`,
        '    api.done();',
        '  });',
      ].join('\n'),
    );
  }
  return [
    `// Generated by \`connector generate\` from ${source}.`,
    '// Do not edit: regeneration replaces this file. Tests of your own go in other files.',
    "import nock from 'nock';",
    "import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';",
    "import { createTestHarness } from '@connector-kit/sdk/testing';",
    `import connector from ${quote(importPath)};`,
    '',
    '// Offline: nock intercepts ctx.http; anything not intercepted fails the test.',
    'beforeAll(() => nock.disableNetConnect());',
    'afterEach(() => nock.cleanAll());',
    'afterAll(() => nock.enableNetConnect());',
    '',
    `describe(${quote(`generated from ${source}`)}, () => {`,
    cases.join('\n\n'),
    '});',
    '',
  ]
    .filter((line, i, all) => !(line === '' && all[i - 1] === ''))
    .join('\n')
    .replace('expect, it', chosenUsesExpect(cases) ? 'expect, it' : 'it');
}

function chosenUsesExpect(cases: readonly string[]): boolean {
  return cases.some((c) => c.includes('await expect('));
}
