/**
 * Frame limits and the one batching rule of both sides (protocol.md §3: a sender may batch
 * several packets in one frame). The SDK's outbox and the workspace's connection both use it.
 */
import { DEFAULT_FRAME_BYTES } from './blobs.js';

/** Largest frame either side accepts by default (its WebSocket max payload), in bytes: 8 MiB. */
export const MAX_FRAME_BYTES = DEFAULT_FRAME_BYTES;

/** Unsent bytes in a socket above which a sender holds back (reliability.md item 10): 4 MiB. */
export const SEND_HIGH_WATER_MARK = 4 * 1024 * 1024;

/** Most packets a sender puts in one frame. */
export const MAX_PACKETS_PER_FRAME = 256;

/** Most characters of packet text (commas included) a sender puts in one frame: about 1 MiB; a bigger packet travels alone. */
export const MAX_FRAME_CHARS = 1024 * 1024;

/**
 * Whether a frame that holds `packets` packets of `chars` characters (their JSON texts and the
 * commas between them) must be sent before a packet of `nextChars` characters joins it.
 * An empty frame is never full: a packet bigger than the limit travels alone. A sender with
 * configured limits passes them as `maxPackets` and `maxChars`.
 */
export function frameIsFull(
  packets: number,
  chars: number,
  nextChars: number,
  maxPackets: number = MAX_PACKETS_PER_FRAME,
  maxChars: number = MAX_FRAME_CHARS,
): boolean {
  if (packets === 0) return false;
  return packets >= maxPackets || chars + 1 + nextChars > maxChars;
}
