/**
 * The connector's `auth` from the document's security schemes: apiKey (header, query, cookie) →
 * `apiKey()`, HTTP basic → `basic()`, HTTP bearer → `apiKey({ in: 'bearer' })`, OAuth 2.0
 * authorization code / client credentials → `oauth2()` with the document's URLs and scopes.
 */
import { camel } from './names.js';
import { literal } from './quote.js';
import { propertyKey } from './zod.js';
import type { ApiModel, Json } from './model.js';
import { isRecord } from '../../protocol/json.js';

/** The auth chosen, as source text. */
export interface AuthChoice {
  /** The expression, e.g. `apiKey({ in: 'header', name: 'X-API-Key' })`; undefined for none. */
  code?: string;
  /** SDK functions the expression calls. */
  imports: string[];
  /** The scheme chosen (the default option of a choice). */
  scheme?: string;
  /** The expression of the default option, when `code` is an `authChoice(…)`. */
  defaultCode?: string;
  /** The options of a choice, by scheme name, in order; absent for one scheme. */
  options?: string[];
  warnings: string[];
}

const lit = literal;

/** Config fields of a generated project that no option may take. */
const RESERVED_FIELDS = new Set(['baseUrl', 'authMethod', 'username', 'password', 'clientId', 'clientSecret', 'oauthResult']);

/** Scheme names in order of preference: the document's own requirements first, then operations', then (when none is required) any declared. */
function candidates(api: ApiModel): string[] {
  const names: string[] = [];
  const add = (name: string): void => {
    if (!names.includes(name) && Object.hasOwn(api.securitySchemes, name)) names.push(name);
  };
  for (const requirement of api.security) requirement.forEach(add);
  for (const op of api.operations) for (const requirement of op.security ?? []) requirement.forEach(add);
  if (names.length === 0) Object.keys(api.securitySchemes).forEach(add);
  return names;
}

/**
 * The connector's auth: the one scheme the SDK can express, or, when the document has several,
 * an `authChoice()` whose options are the schemes (each with its own config fields) and whose
 * `authMethod` config field says which one an account uses.
 */
export function chooseAuth(api: ApiModel): AuthChoice {
  const warnings: string[] = [];
  const names = candidates(api);
  const translated: Array<{ name: string; code: string; imports: string[] }> = [];
  for (const name of names) {
    const choice = translate(name, api.securitySchemes[name]!, api.scopes[name] ?? [], warnings);
    if (choice?.code !== undefined) translated.push({ name, code: choice.code, imports: choice.imports });
  }
  for (const requirement of [...api.security, ...api.operations.flatMap((op) => op.security ?? [])]) {
    if (requirement.length > 1) {
      warnings.push(
        `security: a requirement needs ${requirement.map((r) => `"${r}"`).join(' and ')} at once: the connector sends one scheme's credentials per request (the one chosen)`,
      );
      break;
    }
  }
  if (translated.length === 0) return { imports: [], warnings };
  if (translated.length === 1) {
    const only = translated[0]!;
    return { code: only.code, imports: only.imports, scheme: only.name, warnings };
  }
  // Several: each gets its own config fields (apiKey() a field named after the scheme), one OAuth flow at most.
  const options: Array<{ name: string; key: string; code: string; imports: string[] }> = [];
  const fields = new Set<string>();
  let flow: string | undefined;
  for (const t of translated) {
    let code = t.code;
    if (code.startsWith('apiKey({')) {
      let field = camel(t.name, 'key');
      if (RESERVED_FIELDS.has(field) || fields.has(field)) field = `${field}Key`;
      for (let i = 2; RESERVED_FIELDS.has(field) || fields.has(field); i++) field = `${camel(t.name, 'key')}Key${i}`;
      fields.add(field);
      const label = code.includes('label: ') ? '' : `, label: ${lit(`API key (${t.name})`)}`;
      code = code.replace(/^apiKey\(\{ /, `apiKey({ field: ${lit(field)}, `).replace(/ \}\)$/, `${label} })`);
    }
    if (code.startsWith('oauth2({') && !code.includes("grant: 'client_credentials'")) {
      if (flow !== undefined) {
        warnings.push(
          `security "${t.name}": a second OAuth 2.0 authorization code scheme (after "${flow}"): skipped (a connector has one OAuth flow)`,
        );
        continue;
      }
      flow = t.name;
    }
    options.push({ name: t.name, key: propertyKey(t.name), code, imports: t.imports });
  }
  if (options.length === 1) return { code: translated[0]!.code, imports: translated[0]!.imports, scheme: options[0]!.name, warnings };
  const members = options.map((o) => `${o.key}: ${o.code}`).join(', ');
  return {
    code: `authChoice({ options: { ${members} } })`,
    imports: [...new Set(['authChoice', ...options.flatMap((o) => o.imports)])].sort(),
    scheme: options[0]!.name,
    defaultCode: options[0]!.code,
    options: options.map((o) => o.name),
    warnings,
  };
}

/**
 * The schemes an operation accepts (any one of them), when a choice cannot always satisfy it;
 * undefined when every option will do, or the operation needs no auth (an empty requirement).
 */
export function acceptedSchemes(api: ApiModel, security: string[][] | undefined, options: readonly string[]): string[] | undefined {
  const requirements = security ?? api.security;
  if (requirements.length === 0 || requirements.some((r) => r.length === 0)) return undefined;
  const accepted = options.filter((o) => requirements.some((r) => r.includes(o)));
  // None of them: a scheme the SDK cannot express; the chosen credentials go out, as with one auth.
  return accepted.length === options.length || accepted.length === 0 ? undefined : accepted;
}

function translate(name: string, scheme: Json, scopes: string[], warnings: string[]): Omit<AuthChoice, 'warnings' | 'scheme'> | undefined {
  const type = String(scheme.type);
  const description = typeof scheme.description === 'string' && scheme.description.trim() !== '' ? scheme.description.trim() : undefined;
  const described = description === undefined ? '' : `, description: ${lit(description)}`;
  switch (type) {
    case 'apiKey': {
      const where = String(scheme.in);
      const header = typeof scheme.name === 'string' ? scheme.name : 'X-API-Key';
      if (where === 'header') {
        // `Authorization: Bearer …` declared as an apiKey header is common: send it as a bearer token.
        if (header.toLowerCase() === 'authorization' && /bearer/i.test(description ?? ''))
          return { code: `apiKey({ in: 'bearer'${described} })`, imports: ['apiKey'] };
        return { code: `apiKey({ in: 'header', name: ${lit(header)}${described} })`, imports: ['apiKey'] };
      }
      if (where === 'query') return { code: `apiKey({ in: 'query', name: ${lit(header)}${described} })`, imports: ['apiKey'] };
      if (where === 'cookie') {
        // The SDK has no cookie API key: the key goes out as the Cookie header, entered as name=value.
        return {
          code: `apiKey({ in: 'header', name: 'Cookie', label: ${lit(`Cookie (${header}=…)`)}, description: ${lit(`The API key as a cookie: enter ${header}=<your key>.`)} })`,
          imports: ['apiKey'],
        };
      }
      warnings.push(`security "${name}": an apiKey in "${where}" is not supported: skipped`);
      return undefined;
    }
    case 'basic':
      return { code: 'basic()', imports: ['basic'] };
    case 'http': {
      const kind = String(scheme.scheme).toLowerCase();
      if (kind === 'basic') return { code: 'basic()', imports: ['basic'] };
      if (kind === 'bearer') return { code: `apiKey({ in: 'bearer', label: 'Access token'${described} })`, imports: ['apiKey'] };
      warnings.push(`security "${name}": HTTP "${kind}" authentication is not supported: skipped`);
      return undefined;
    }
    case 'oauth2':
      return oauth(name, scheme, scopes, warnings);
    case 'openIdConnect':
      warnings.push(`security "${name}": OpenID Connect discovery is not supported: the connector takes an access token (bearer)`);
      return { code: `apiKey({ in: 'bearer', label: 'Access token'${described} })`, imports: ['apiKey'] };
    default:
      warnings.push(`security "${name}": type "${type}" is not supported: skipped`);
      return undefined;
  }
}

/** OAuth 2.0: Swagger 2's `flow` or OpenAPI 3's `flows`. */
function oauth(name: string, scheme: Json, scopes: string[], warnings: string[]): Omit<AuthChoice, 'warnings' | 'scheme'> | undefined {
  const flows: Record<string, Json> = {};
  if (isRecord(scheme.flows)) {
    for (const [k, v] of Object.entries(scheme.flows)) if (isRecord(v)) flows[k] = v;
  } else if (typeof scheme.flow === 'string') {
    const key = { accessCode: 'authorizationCode', application: 'clientCredentials', implicit: 'implicit', password: 'password' }[
      scheme.flow
    ];
    if (key !== undefined) flows[key] = scheme;
  }
  const scopeList = (flow: Json): string => {
    const declared = isRecord(flow.scopes) ? Object.keys(flow.scopes) : [];
    // The scopes the operations ask for; without any, none (a person can add them in code).
    const chosen = scopes.length > 0 ? scopes : declared.length <= 10 ? declared : [];
    return chosen.length > 0 ? `, scopes: ${lit(chosen)}` : '';
  };
  const code = flows.authorizationCode;
  if (code !== undefined && typeof code.authorizationUrl === 'string' && typeof code.tokenUrl === 'string') {
    return {
      code: `oauth2({ authorizationUrl: ${lit(code.authorizationUrl)}, tokenUrl: ${lit(code.tokenUrl)}${scopeList(code)} })`,
      imports: ['oauth2'],
    };
  }
  const client = flows.clientCredentials;
  if (client !== undefined && typeof client.tokenUrl === 'string') {
    return { code: `oauth2({ grant: 'client_credentials', tokenUrl: ${lit(client.tokenUrl)}${scopeList(client)} })`, imports: ['oauth2'] };
  }
  warnings.push(
    `security "${name}": OAuth 2.0 with the ${Object.keys(flows).join(', ') || 'no'} flow(s) only is not supported: the connector takes an access token (bearer)`,
  );
  return { code: `apiKey({ in: 'bearer', label: 'Access token' })`, imports: ['apiKey'] };
}
