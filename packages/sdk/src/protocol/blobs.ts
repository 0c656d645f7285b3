/**
 * Blob facts both sides share (protocol.md §4 `connector.blob.*`): content travels as base64
 * inside one packet, so the largest blob is what one frame can carry.
 */

/** Default largest frame of either side, in bytes (8 MiB). */
export const DEFAULT_FRAME_BYTES = 8 * 1024 * 1024;

/** Bytes of a frame kept for the envelope: `{"p":[{"id","c","m","a":{…}}]}` and short metadata. */
export const BLOB_FRAME_RESERVE = 1024;

/**
 * The most content bytes one `connector.blob.create` (or `get-content` answer) can carry in a
 * frame of `frameBytes`, with `extraBytes` of other fields (name, meta…) beside the content:
 * base64 turns every 3 bytes into 4 characters.
 */
export function maxBlobBytes(frameBytes: number = DEFAULT_FRAME_BYTES, extraBytes = 0): number {
  const room = frameBytes - BLOB_FRAME_RESERVE - extraBytes;
  return room <= 0 ? 0 : Math.floor(room / 4) * 3;
}

/**
 * Decodes `content` (§4: base64; the URL-safe alphabet and missing padding are accepted) to
 * bytes, or undefined when it is not base64: Node's decoder skips bad characters silently, so
 * the text is checked first and the decoded bytes must encode back to it.
 */
export function decodeBase64(content: string): Buffer | undefined {
  const normalized = content.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(normalized) || normalized.length % 4 === 1) return undefined;
  const bytes = Buffer.from(normalized, 'base64');
  if (bytes.toString('base64').replace(/=+$/, '') !== normalized) return undefined;
  return bytes;
}
