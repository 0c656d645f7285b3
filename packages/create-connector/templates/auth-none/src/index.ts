import { defineConnector, field, z } from '@connector-kit/sdk';
import { DEFAULT_BASE_URL, getJson } from './api.js';

/**
 * __DISPLAY_NAME__: the connector definition. Every method here can be called from the workspace
 * once the connector runs; `npm run validate` checks names and descriptions.
 */
export default defineConnector({
  name: '__DISPLAY_NAME__',
  summary: 'Reads items from the __DISPLAY_NAME__ API',
  description: 'Connects the workspace to the __DISPLAY_NAME__ API (no credentials needed).',
  config: {
    baseUrl: field.line({
      label: 'API URL',
      description: `Base URL of the API. Default: ${DEFAULT_BASE_URL}`,
      placeholder: DEFAULT_BASE_URL,
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
