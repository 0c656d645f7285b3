/**
 * Members of the controller base class that are hooks or helpers, never methods of the connector.
 * Shared by the runtime (which methods a class answers) and `connector build` (which it declares).
 */
export const CONTROLLER_MEMBERS: ReadonlySet<string> = new Set([
  'constructor',
  'start',
  'stop',
  'healthCheck',
  'autocomplete',
  'fallback',
  'endpoint',
  'newTask',
  'updateTask',
  'getClient',
  'createBlob',
  'getBlob',
  'getBlobContent',
  'config',
  'context',
]);
