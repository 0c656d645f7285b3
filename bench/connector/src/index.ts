import { defineConnector, z } from '@connector-kit/sdk';

/** Replies by size, built once: the benchmark measures the call path, not string building. */
const blobs = new Map<number, string>();

function blobOf(bytes: number): string {
  let data = blobs.get(bytes);
  if (data === undefined) {
    // Printable ASCII that JSON needs no escapes for, so one character is one byte on the wire.
    data = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(bytes / 36)).slice(0, bytes);
    blobs.set(bytes, data);
  }
  return data;
}

/**
 * The benchmark's connector (bench/run.mjs): the same two methods the raw baseline
 * (bench/raw-connector.mjs) answers, so both sides carry the same frames.
 */
export default defineConnector({
  name: 'Bench',
  summary: 'Answers the benchmark: a no-op and a blob of N bytes',
  methods: (method) => ({
    noop: method({
      description: 'Returns an empty object',
      input: z.object({}),
      handler: () => ({}),
    }),
    blob: method({
      description: 'Returns a string of `bytes` bytes (cached, so generating it is not measured)',
      input: z.object({
        bytes: z
          .number()
          .int()
          .min(0)
          .max(8 * 1024 * 1024),
      }),
      handler: ({ bytes }) => ({ data: blobOf(bytes) }),
    }),
  }),
});
