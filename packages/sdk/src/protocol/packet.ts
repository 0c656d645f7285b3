/**
 * Packet and frame shapes of the WebSocket transport (protocol.md §3).
 *
 * Pure shapes and functions: no I/O. Both the connector runtime and the workspace
 * import this module, so the two sides can never drift apart.
 */
import { isRecord } from './json.js';

/**
 * A request or notice: it names a method in `m`, and its `a` is an object (§3). A request that
 * expects an answer carries `c`; the answer carries the same `c`.
 */
export interface RequestPacket {
  /** Unique per packet. */
  id: string;
  /** Callback id the answer must carry; absent on a notice. */
  c?: string;
  /** Method name, e.g. `connector.query`. */
  m: string;
  /** Arguments. */
  a?: Record<string, unknown>;
  /** Error text (rarely used by v1 peers; errors normally travel as `a.error`). */
  e?: string;
}

/**
 * An answer: no `m`, the `c` of the request it answers, and the result in `a`, which may be any
 * JSON value (§3): v1 workspaces answer `connector.task.new` with the bare task id string.
 */
export interface AnswerPacket {
  /** Unique per packet. */
  id: string;
  /** The request's callback id. */
  c: string;
  m?: undefined;
  /** The result: any JSON value; an object with an `error` member is an error answer. */
  a?: unknown;
  /** Error text (rarely used by v1 peers; errors normally travel as `a.error`). */
  e?: string;
}

/** One packet of a frame (§3): a request (it has `m`) or an answer (it has none). */
export type Packet = RequestPacket | AnswerPacket;

/** A text frame: `{"p": [packet, …]}` (§3). */
export interface Frame {
  p: Packet[];
}

/** The `a` of an error answer (§3). `code`, `details` and `retryable` are the structured-errors extension (§8). */
export interface ErrorAnswer {
  error: string;
  code?: string;
  details?: unknown;
  retryable?: boolean;
}

/** Why a frame or packet was not accepted by {@link parseFrame}. */
export interface FrameProblem {
  /** Index of the packet in the frame, or -1 when the frame itself is bad. */
  index: number;
  /** What was wrong, in words fit for a log line. */
  message: string;
  /**
   * The callback id of a bad request, when it had one, so an error answer can still be sent.
   * Never set for a bad answer (a packet without `m`): an answer is never answered.
   */
  c?: string;
}

/** The outcome of {@link parseFrame}: the packets that are well formed and what was wrong with the rest. */
export interface ParsedFrame {
  packets: Packet[];
  problems: FrameProblem[];
}

/**
 * Parses one text frame. Never throws: a frame that is not JSON or not `{"p": [...]}` yields a
 * problem at index -1; each malformed packet yields a problem carrying its `c` (when it had a
 * string one) so the receiver can answer it with an error instead of leaving the caller waiting.
 */
export function parseFrame(text: string): ParsedFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // Not the parser's message: in current V8 it quotes part of the frame, which may hold secrets.
    return { packets: [], problems: [{ index: -1, message: `frame is not JSON (${text.length} characters)` }] };
  }
  if (!isRecord(raw) || !Array.isArray(raw.p)) {
    return { packets: [], problems: [{ index: -1, message: 'frame is not of the form {"p": [packet, ...]}' }] };
  }
  const packets: Packet[] = [];
  const problems: FrameProblem[] = [];
  raw.p.forEach((item: unknown, index: number) => {
    const problem = checkPacket(item);
    if (problem === undefined) {
      packets.push(item as Packet);
    } else {
      // Only a request is answered with an error: a packet without `m` is itself an answer, and
      // answering it would start a ping-pong of error answers between the peers (§3).
      const c = isRecord(item) && item.m !== undefined && typeof item.c === 'string' ? item.c : undefined;
      problems.push(c === undefined ? { index, message: problem } : { index, message: problem, c });
    }
  });
  return { packets, problems };
}

/** Returns why `item` is not a packet, or undefined when it is one. */
function checkPacket(item: unknown): string | undefined {
  if (!isRecord(item)) return 'packet is not an object';
  // v1 peers always send an id, but an answer is still routable by `c` alone: accept a missing id.
  if (item.id !== undefined && typeof item.id !== 'string') return '"id" must be a string';
  if (item.c !== undefined && typeof item.c !== 'string') return '"c" must be a string';
  if (item.m !== undefined && typeof item.m !== 'string') return '"m" must be a string';
  if (item.m === undefined && item.c === undefined) return 'packet has neither "m" nor "c"';
  // §3: a request's `a` is an object; an answer's `a` may be any JSON value.
  if (item.m !== undefined && item.a !== undefined && item.a !== null && !isRecord(item.a)) return '"a" of a request must be an object';
  return undefined;
}

/** Serializes packets into one frame. */
export function encodeFrame(packets: readonly Packet[]): string {
  return JSON.stringify({ p: packets });
}

/** True when an answer's `a` is an error (§3: it has an `error` member). */
export function isErrorAnswer(a: unknown): a is ErrorAnswer {
  return isRecord(a) && a.error !== undefined && a.error !== null;
}

/**
 * Makes packet ids: a short random prefix per process plus a counter. Unique per sender,
 * and cheap: the call path never pays for a long random id (benchmark issue).
 */
export function createIdGenerator(prefix = ''): () => string {
  const base = prefix + Math.random().toString(36).slice(2, 8) + '-';
  let counter = 0;
  return () => base + (++counter).toString(36);
}
