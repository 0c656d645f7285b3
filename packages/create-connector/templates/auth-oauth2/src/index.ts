import { defineConnector, field, z } from '@connector-kit/sdk';
import { DEFAULT_BASE_URL, getJson } from './api.js';

/**
 * __DISPLAY_NAME__: the connector definition. Every method here can be called from the workspace
 * once the connector runs; `npm run validate` checks names and descriptions.
 *
 * OAuth 2.0 here is the client-credentials grant (server to server): the connector trades its
 * client id and secret for an access token. The authorization-code flow (a person clicks
 * "connect" in the workspace, protocol §6) comes with the SDK's `oauth2` auth kind.
 */
export default defineConnector({
  name: '__DISPLAY_NAME__',
  summary: 'Reads items from the __DISPLAY_NAME__ API',
  description: 'Connects the workspace to the __DISPLAY_NAME__ API with OAuth 2.0 client credentials.',
  config: {
    baseUrl: field.line({
      label: 'API URL',
      description: `Base URL of the API. Default: ${DEFAULT_BASE_URL}`,
      placeholder: DEFAULT_BASE_URL,
      optional: true,
      plain: true,
    }),
    tokenUrl: field.line({
      label: 'Token URL',
      description: 'Where access tokens are issued. Default: <API URL>/oauth/token',
      optional: true,
      plain: true,
    }),
    clientId: field.line({
      label: 'Client id',
      description: 'The OAuth client id registered for this connector',
      plain: true,
    }),
    // Not `plain`: the workspace encrypts it to this connector's public key.
    clientSecret: field.line({
      label: 'Client secret',
      description: 'The secret of that OAuth client',
    }),
    scope: field.line({
      label: 'Scope',
      description: 'Space-separated scopes to ask for, if the API needs any',
      optional: true,
      plain: true,
    }),
  },
  methods: (method) => ({
    'items.get': method({
      description: 'Fetch one item by its id',
      input: z.object({ id: z.string().min(1).describe('Id of the item') }),
      output: z.object({ id: z.string(), name: z.string() }),
      examples: [{ input: { id: '42' }, output: { id: '42', name: 'Example item' } }],
      idempotent: true,
      handler: async ({ id }, ctx) => getJson(ctx.config, `items/${encodeURIComponent(id)}`),
    }),
  }),
});
