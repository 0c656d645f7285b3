import { ConnectorError, defineConnector, field, oauth2, validationFailed, z, type HttpErrorResponse } from '@connector-kit/sdk';

/**
 * A connector for a CRM API, as its authors would write one: each account (tenant) has its own
 * host (`https://<subdomain>.crm.example/api/v1`), people connect with OAuth 2.0 (authorization
 * code, 60 s access tokens, refresh tokens that rotate on every use), lists come in cursor
 * pages, and the CRM's error answers become codes a caller can act on: 404 → `NOT_FOUND`, 422
 * with its field errors → `VALIDATION_FAILED` with `details.fields`, 429 → waits its
 * `Retry-After` (then `RATE_LIMITED`). The connector subscribes the CRM's REST hooks itself when
 * the workspace attaches a webhook to it; the CRM signs its events (Standard Webhooks) with the
 * webhook's secret, and the workspace checks them. No token, retry or paging code of its own.
 */

/** A contact as the CRM sends it. */
const contact = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
});
export type Contact = z.infer<typeof contact>;

/** One page of `GET /contacts`. */
export interface ContactPage {
  data: Contact[];
  next_cursor: string | null;
}

/** The CRM's error body: `{ error: { type, message, errors? } }`; 422s list the refused fields. */
interface CrmError {
  error?: { type?: string; message?: string; errors?: Array<{ attribute: string; detail: string; code?: string }> };
}

/** A tenant's subdomain: one DNS label, so it can never point the credentials at another host. */
const SUBDOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The default site: tenants live at `https://<subdomain>.crm.example`. */
export const DEFAULT_SITE = 'https://crm.example';

/**
 * The API's base URL for the account: its subdomain on the site (protocol.md §2: both are plain
 * config fields, no secret). A bad value is `CONFIG_INVALID` before any request leaves.
 */
export function apiBaseUrl(config: { readonly subdomain: string; readonly site?: string | undefined }): string {
  const subdomain = String(config.subdomain ?? '').trim();
  if (!SUBDOMAIN.test(subdomain)) {
    throw new ConnectorError(
      'CONFIG_INVALID',
      'the subdomain must be the first label of your CRM address (acme for https://acme.crm.example): lower-case letters, digits and dashes',
    );
  }
  let site: URL;
  try {
    site = new URL(config.site ?? DEFAULT_SITE);
  } catch {
    throw new ConnectorError('CONFIG_INVALID', `the site is not a URL: write it as ${DEFAULT_SITE}`);
  }
  if ((site.protocol !== 'https:' && site.protocol !== 'http:') || site.pathname !== '/' || site.search !== '' || site.username !== '') {
    throw new ConnectorError('CONFIG_INVALID', `the site must be an http(s) origin without a path, such as ${DEFAULT_SITE}`);
  }
  return `${site.protocol}//${subdomain}.${site.host}/api/v1`;
}

/** The CRM's error answers as codes a caller can act on; anything else stays the SDK's `HttpError`. */
export function mapCrmError(response: HttpErrorResponse): Error | undefined {
  const body = (typeof response.data === 'object' && response.data !== null ? response.data : {}) as CrmError;
  const path = new URL(response.url).pathname;
  if (response.status === 404) {
    return new ConnectorError('NOT_FOUND', body.error?.message ?? `the CRM has nothing at ${path}`, { details: { path } });
  }
  if (response.status === 422 && Array.isArray(body.error?.errors)) {
    return validationFailed(
      body.error.errors.map((e) => ({ field: e.attribute, message: e.detail, ...(e.code === undefined ? {} : { code: e.code }) })),
      body.error.message ?? 'the CRM refused the input',
    );
  }
  return undefined;
}

export default defineConnector({
  name: 'CRM',
  summary: 'Contacts of a CRM account, and its events as tasks',
  description:
    'Lists, reads and creates contacts of one CRM account (OAuth 2.0), and subscribes the CRM to the webhooks the workspace attaches to it.',
  config: {
    subdomain: field.line({
      label: 'Subdomain',
      description: 'The first label of your CRM address: acme for https://acme.crm.example',
      placeholder: 'acme',
      plain: true,
    }),
    site: field.line({
      label: 'Site',
      description: `Where the CRM's accounts live, for a regional or sandbox site; ${DEFAULT_SITE} when empty`,
      placeholder: DEFAULT_SITE,
      optional: true,
      plain: true,
    }),
  },
  // Each workspace brings its own OAuth app: clientId and clientSecret become config fields.
  auth: oauth2({
    authorizationUrl: 'https://login.crm.example/oauth/authorize',
    tokenUrl: 'https://login.crm.example/oauth/token',
    scopes: ['openid', 'contacts'],
    configurableClient: true,
  }),
  http: {
    baseUrl: ({ config }) => apiBaseUrl(config),
    // Declared once: every `page` and `paginate` of the connector reads the CRM's envelope.
    pagination: { type: 'cursor', items: (page: ContactPage) => page.data, next: (page) => page.next_cursor, param: 'cursor' },
    mapError: mapCrmError,
    // A 429 means the CRM did not process the request: safe to send a POST again after it.
    retry: { rateLimited: 'always' },
  },
  webhooks: {
    async subscribe(ctx, { url, secret }) {
      const hook = await ctx.http.post<{ id: string }>('/hooks', { url, secret, events: ['contact.created'] });
      return { hookId: hook.id };
    },
    async unsubscribe(ctx, state) {
      const { hookId } = state as { hookId: string };
      await ctx.http.delete(`/hooks/${encodeURIComponent(hookId)}`).catch((error: unknown) => {
        // Already gone at the CRM (deleted there by hand): the subscription has ended all the same.
        if (error instanceof ConnectorError && error.code === 'NOT_FOUND') return;
        throw error;
      });
    },
  },
  async healthCheck(ctx) {
    await ctx.http.get('/contacts', { query: { limit: 1 } });
  },
  methods: (method) => ({
    'contacts.list': method({
      description: 'One page of contacts; pass `next` back as `cursor` for the following page',
      input: z.object({
        cursor: z.string().min(1).optional().describe('The `next` of the previous page'),
        limit: z.number().int().min(1).max(100).default(25).describe('Contacts per page'),
      }),
      output: z.object({ contacts: z.array(contact), next: z.string().nullable() }),
      idempotent: true,
      handler: async ({ cursor, limit }, ctx) => {
        const { items, next } = await ctx.http.page<Contact>('/contacts', { cursor, query: { limit } });
        return { contacts: items, next };
      },
    }),
    'contacts.all': method({
      description: 'Every contact, page after page, up to maxItems',
      input: z.object({
        maxItems: z.number().int().min(1).max(10_000).default(1000).describe('Stop after this many contacts'),
        pageSize: z.number().int().min(1).max(100).default(100).describe('Contacts per request'),
      }),
      output: z.object({ contacts: z.array(contact), truncated: z.boolean() }),
      idempotent: true,
      handler: async ({ maxItems, pageSize }, ctx) => {
        const contacts: Contact[] = [];
        // Leaving the loop stops the walk: no page is fetched beyond the one that filled maxItems.
        for await (const item of ctx.http.paginate<Contact>('/contacts', { query: { limit: pageSize } })) {
          if (contacts.length === maxItems) return { contacts, truncated: true };
          contacts.push(item);
        }
        return { contacts, truncated: false };
      },
    }),
    'contacts.get': method({
      description: 'One contact by id (NOT_FOUND when the CRM has none)',
      input: z.object({ id: z.string().min(1).describe('The contact id, e.g. c_1') }),
      output: contact,
      idempotent: true,
      handler: ({ id }, ctx) => ctx.http.get<Contact>(`/contacts/${encodeURIComponent(id)}`),
    }),
    'contacts.create': method({
      description: 'A new contact; VALIDATION_FAILED lists the fields the CRM refused',
      input: z.object({
        name: z.string().describe('Full name'),
        email: z.string().describe('Email address (the CRM checks it)'),
      }),
      output: contact,
      handler: (input, ctx) => ctx.http.post<Contact>('/contacts', input),
    }),
  }),
});
