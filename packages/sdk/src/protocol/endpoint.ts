/**
 * The connector endpoint (protocol.md §7): data posted to a connector's endpoint URL reaches it
 * as `connector.query` of `_endpoint`; the URL's secret is the config field `_endpointToken`,
 * which the workspace manages.
 */
import type { ConfigFieldSchema } from './config-schema.js';

/** The config field that holds the endpoint's token (§7). */
export const ENDPOINT_TOKEN_FIELD = '_endpointToken';

/** `_endpointToken` as a connector with an endpoint declares it: managed by the workspace, plain (§2, §7). */
export const ENDPOINT_TOKEN_SCHEMA: ConfigFieldSchema = {
  name: 'Endpoint Token',
  type: 'managed',
  plain: true,
  description: "Set by the workspace: the secret part of this connector's endpoint URL (rotate it there)",
};
