/**
 * The one reading of an error answer (protocol.md §3, §8) into an error, used by both sides: the
 * SDK's request table, the test harness and `connector call` on the connector side, the hub on
 * the workspace side. Each passes its own error class; the rule below is the same for all.
 */
import { isRecord } from './json.js';
import type { ErrorAnswer } from './packet.js';

/**
 * The code of an error answer that carries none (a v1 peer sends only `{"error": text}`, §3):
 * the side that answered it. Local codes: they never travel on the wire.
 */
export const AnswerFallbackCode = {
  /** A connector answered with an error (seen by the workspace, the harness, `connector call`). */
  connector: 'CONNECTOR_ERROR',
  /** The workspace answered a connector's request with an error (seen by the SDK). */
  workspace: 'WORKSPACE_ERROR',
} as const;
export type AnswerFallbackCodeName = (typeof AnswerFallbackCode)[keyof typeof AnswerFallbackCode];

/** What an error answer says, read by {@link errorFromAnswer}: every member filled. */
export interface AnswerErrorFacts {
  /** The `error` text; a value that is not a string as its JSON text. */
  message: string;
  /** `code` when it is a non-empty string (§8 structured errors), else the fallback code. */
  code: string;
  /** `details` as sent (§8), else undefined. */
  details: unknown;
  /** `retryable: true` as sent (§8); anything else is false. */
  retryable: boolean;
}

/** An answer packet's error members: its `a` and the rarely used packet-level `e` (§3). */
export interface AnswerParts {
  a?: unknown;
  e?: string | undefined;
}

/**
 * The error an answer carries, made by `create`, or undefined when the answer is a result.
 *
 * The rule (§3, §8): an answer is an error when its `a` is an object with an `error` member that
 * is neither null nor undefined, or, failing that, when the packet's `e` is a non-empty string
 * (some v1 peers). The message is `error` (its JSON text when it is not a string); the code is
 * `a.code` when it is a non-empty string, else `fallbackCode` (see {@link AnswerFallbackCode});
 * `details` pass as sent; `retryable` is true only when `a.retryable` is `true`. Structured
 * fields are read whatever was negotiated: a peer that did not negotiate them never sends them.
 */
export function errorFromAnswer<E>(answer: { a: ErrorAnswer }, fallbackCode: string, create: (facts: AnswerErrorFacts) => E): E;
export function errorFromAnswer<E>(answer: AnswerParts, fallbackCode: string, create: (facts: AnswerErrorFacts) => E): E | undefined;
export function errorFromAnswer<E>(answer: AnswerParts, fallbackCode: string, create: (facts: AnswerErrorFacts) => E): E | undefined {
  const { a, e } = answer;
  if (isRecord(a) && a.error !== undefined && a.error !== null) {
    const message = typeof a.error === 'string' ? a.error : JSON.stringify(a.error);
    const code = typeof a.code === 'string' && a.code !== '' ? a.code : fallbackCode;
    return create({ message, code, details: a.details, retryable: a.retryable === true });
  }
  if (typeof e === 'string' && e !== '') return create({ message: e, code: fallbackCode, details: undefined, retryable: false });
  return undefined;
}
