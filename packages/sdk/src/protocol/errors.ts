/**
 * Error codes that travel on the wire in structured error answers (protocol.md §8).
 * Local-only codes (e.g. NOT_CONNECTED) live with the code that raises them.
 */
export const WireErrorCode = {
  /** The arguments did not match the method's input schema. `details` holds the issues. */
  inputInvalid: 'INPUT_INVALID',
  /** The handler's result did not match its output schema: a bug in the connector. */
  outputInvalid: 'OUTPUT_INVALID',
  /** No method of that name. */
  methodNotFound: 'METHOD_NOT_FOUND',
  /** The handler threw. */
  handlerFailed: 'HANDLER_FAILED',
  /** The request itself was malformed (bad packet, missing fields). */
  badRequest: 'BAD_REQUEST',
  /** The connector is shutting down and takes no new calls. */
  shuttingDown: 'SHUTTING_DOWN',
  /** No answer within the deadline (§3: 5 minutes by default). */
  timeout: 'TIMEOUT',
  /** The link dropped while the request was in flight. */
  connectionLost: 'CONNECTION_LOST',
} as const;
export type WireErrorCodeName = (typeof WireErrorCode)[keyof typeof WireErrorCode];
