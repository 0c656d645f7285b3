import { Feature } from './handshake.js';
import type { ErrorAnswer } from './packet.js';

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
  /** The workspace cancelled the call: its caller gave up (§8 `cancellation`). */
  cancelled: 'CANCELLED',
  /** The link dropped while the request was in flight. */
  connectionLost: 'CONNECTION_LOST',
} as const;
export type WireErrorCodeName = (typeof WireErrorCode)[keyof typeof WireErrorCode];

/** What an error answer says before negotiation decides how much of it travels: an Error with a code fits. */
export interface WireErrorFacts {
  /** The text of `error` (§3). */
  message: string;
  code?: string;
  /** Structured facts (e.g. validation issues); never secret values. */
  details?: unknown;
  retryable?: boolean;
}

/**
 * The `a` of an error answer for a peer (§3, §8): `{"error": text}` for a v1 peer; with `code`,
 * `details` and `retryable` (each when known) only when the peer negotiated structured errors.
 * `negotiated` is the set of extensions both sides listed.
 */
export function errorAnswer(negotiated: ReadonlySet<string>, error: WireErrorFacts): ErrorAnswer {
  const answer: ErrorAnswer = { error: error.message };
  if (!negotiated.has(Feature.structuredErrors)) return answer;
  if (error.code !== undefined && error.code !== '') answer.code = error.code;
  if (error.details !== undefined) answer.details = error.details;
  if (error.retryable !== undefined) answer.retryable = error.retryable;
  return answer;
}
