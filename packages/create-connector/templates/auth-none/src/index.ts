import { defineConnector, z } from '@connector-kit/sdk';

/** The API this connector calls; set `API_BASE_URL` where it runs to point it elsewhere (a staging API, a test server). */
export const API_BASE_URL = process.env.API_BASE_URL || 'https://api.example.com/';

/**
 * __DISPLAY_NAME__: the connector definition. Every method here can be called from the workspace
 * once the connector runs; `npm run validate` checks names and descriptions.
 */
export default defineConnector({
  name: '__DISPLAY_NAME__',
  summary: 'Reads items from the __DISPLAY_NAME__ API',
  description: 'Connects the workspace to the __DISPLAY_NAME__ API (no credentials needed).',
  // `ctx.http` joins paths to this URL, retries idempotent requests and throws HttpError on a status that is not 2xx.
  http: { baseUrl: API_BASE_URL },
  methods: (method) => ({
    'items.get': method({
      description: 'Fetch one item by its id',
      input: z.object({ id: z.string().min(1).describe('Id of the item') }),
      output: z.object({ id: z.string(), name: z.string() }),
      examples: [{ input: { id: '42' }, output: { id: '42', name: 'Example item' } }],
      idempotent: true,
      handler: async ({ id }, ctx) => ctx.http.get(`items/${encodeURIComponent(id)}`),
    }),
  }),
});
