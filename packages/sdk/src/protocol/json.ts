/**
 * The one test for a JSON object that every parser of wire shapes (protocol.md §2–§4) and of
 * other JSON documents in the SDK and the workspace uses.
 */

/** True for a plain JSON object: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
