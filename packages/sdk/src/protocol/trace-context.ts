/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) as the extension `trace-context`
 * carries it (§8): `connector.query` gets `a.traceparent` and, when there is one,
 * `a.tracestate`. Only sent to a peer that negotiated the feature; a v1 peer sees neither.
 */

/** A parsed `traceparent`: version 00, 32 + 16 lowercase hex ids, flags. */
export interface TraceParent {
  traceId: string;
  spanId: string;
  /** Bit 0: sampled. */
  flags: number;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Reads a `traceparent` value; undefined for anything malformed, all-zero ids or another
 * version (a receiver starts a new trace then, as the spec says).
 */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  if (typeof value !== 'string' || value.length !== 55) return undefined;
  const match = TRACEPARENT.exec(value);
  if (!match) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, flags: Number.parseInt(flags, 16) };
}

/** Writes a `traceparent` value (version 00). */
export function formatTraceparent(parent: TraceParent): string {
  return `00-${parent.traceId}-${parent.spanId}-${(parent.flags & 0xff).toString(16).padStart(2, '0')}`;
}

/** A `tracestate` fit to pass on: at most 512 characters of printable ASCII, else undefined. */
export function cleanTracestate(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '' || value.length > 512 || !/^[\x20-\x7e]*$/.test(value)) return undefined;
  return value;
}
