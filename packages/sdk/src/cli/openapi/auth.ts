/**
 * The connector's `auth` from the document's security schemes: apiKey (header, query, cookie) →
 * `apiKey()`, HTTP basic → `basic()`, HTTP bearer → `apiKey({ in: 'bearer' })`, OAuth 2.0
 * authorization code / client credentials → `oauth2()` with the document's URLs and scopes.
 */
import { literal } from './quote.js';
import type { ApiModel, Json } from './model.js';
import { isRecord } from '../../protocol/json.js';

/** The auth chosen, as source text. */
export interface AuthChoice {
  /** The expression, e.g. `apiKey({ in: 'header', name: 'X-API-Key' })`; undefined for none. */
  code?: string;
  /** SDK functions the expression calls. */
  imports: string[];
  /** The scheme chosen. */
  scheme?: string;
  warnings: string[];
}

const lit = literal;

/** Scheme names in order of preference: the document's own requirements first, then operations', then any declared. */
function candidates(api: ApiModel): string[] {
  const names: string[] = [];
  const add = (name: string): void => {
    if (!names.includes(name) && Object.hasOwn(api.securitySchemes, name)) names.push(name);
  };
  for (const requirement of api.security) requirement.forEach(add);
  for (const op of api.operations) for (const requirement of op.security ?? []) requirement.forEach(add);
  Object.keys(api.securitySchemes).forEach(add);
  return names;
}

/**
 * Picks the first scheme the SDK can express. The others are named in a warning: the SDK has
 * one `auth` per connector.
 */
export function chooseAuth(api: ApiModel): AuthChoice {
  const warnings: string[] = [];
  const names = candidates(api);
  for (const name of names) {
    const choice = translate(name, api.securitySchemes[name]!, api.scopes[name] ?? [], warnings);
    if (choice === undefined) continue;
    const others = names.filter((n) => n !== name);
    if (others.length > 0)
      warnings.push(
        `security: the connector authenticates with "${name}"; the schemes ${others.map((o) => `"${o}"`).join(', ')} are not offered (one auth per connector)`,
      );
    return { ...choice, scheme: name, warnings };
  }
  return { imports: [], warnings };
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
