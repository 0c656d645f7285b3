/**
 * `ctx.blobs` (protocol.md §4, connector → workspace: `connector.blob.create`, `.get`,
 * `.get-content`). One request per operation; content is base64 inside the packet, so its size
 * is checked against the frame limit before anything is sent: a frame over the workspace's limit
 * would close the socket (1009) and fail every call on it (reliability.md item 9).
 */
import {
  ConnectorMethod,
  checkBlobContentAnswer,
  checkBlobCreateAnswer,
  checkBlobMetadata,
  type BlobCreateArgs,
  type BlobIdArgs,
  type Checked,
} from '../protocol/index.js';
import { DEFAULT_FRAME_BYTES, maxBlobBytes } from '../protocol/blobs.js';
import { ConnectorError } from '../errors.js';
import type { BlobApi, BlobInfo, CreateBlobOptions } from '../connector/context.js';

/** The part of the link that blob requests need. */
export interface BlobRequestSender {
  request(m: string, a: Record<string, unknown>): Promise<unknown>;
}

/** Options of {@link createBlobApi}. */
export interface BlobApiOptions {
  /** Largest frame the workspace accepts, in bytes (the link's `maxSendPayload`). @default 8 MiB */
  frameBytes?: number;
}

/** Content as bytes: a string is UTF-8 text. */
export function blobBytes(content: Uint8Array | string): Buffer {
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  if (content instanceof Uint8Array) return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  throw new ConnectorError('BLOB_INVALID', `blob content must be a Uint8Array (e.g. a Buffer) or a string, got ${typeof content}`);
}

/** The `connector.blob.create` arguments for `bytes`, after the frame check. */
export function blobCreateArgs(bytes: Buffer, options: CreateBlobOptions, frameBytes: number): BlobCreateArgs {
  const args: Omit<BlobCreateArgs, 'content' | 'size'> = {};
  if (options.name !== undefined) args.name = options.name;
  if (options.mimetype !== undefined) args.mimetype = options.mimetype;
  if (options.meta !== undefined) args.meta = options.meta;
  if (options.taskId !== undefined) args.taskId = options.taskId;
  let extra: number;
  try {
    extra = Buffer.byteLength(JSON.stringify(args));
  } catch (error) {
    throw new ConnectorError('BLOB_INVALID', `blob meta cannot be sent as JSON (${(error as Error).message}): use plain JSON values`);
  }
  const limit = maxBlobBytes(frameBytes, extra);
  if (bytes.length > limit) {
    throw new ConnectorError(
      'BLOB_TOO_LARGE',
      `blob${options.name === undefined ? '' : ` "${options.name}"`} is ${bytes.length} bytes, more than the ${limit} bytes one ` +
        `frame to the workspace can carry (frames of ${frameBytes} bytes, base64 adds a third): store a smaller file, or split it`,
      { details: { size: bytes.length, limit } },
    );
  }
  // size (§4) lets the workspace check that nothing was lost on the way.
  return { content: bytes.toString('base64'), size: bytes.length, ...args };
}

/**
 * The checked value of a workspace answer (protocol/connector-calls.ts).
 * @throws ConnectorError `BAD_ANSWER` naming the method, the blob and what was wrong
 */
function answerOf<T>(method: string, what: string, result: Checked<T>): T {
  if (!result.ok) throw new ConnectorError('BAD_ANSWER', `the workspace answered ${method}${what} ${result.problem.message}`);
  return result.value;
}

/** Checks a `connector.blob.get` answer. @throws ConnectorError `BAD_ANSWER` without the blob's size */
export function parseBlobInfo(answer: unknown, id: string): BlobInfo {
  return answerOf(ConnectorMethod.blobGet, ` of "${id}" without the blob's size:`, checkBlobMetadata(answer, id));
}

/** Blobs over the workspace link. */
export function createBlobApi(link: BlobRequestSender, options: BlobApiOptions = {}): BlobApi {
  const frameBytes = options.frameBytes ?? DEFAULT_FRAME_BYTES;
  return {
    maxBytes: maxBlobBytes(frameBytes, 256),
    async create(content, createOptions = {}) {
      const args = blobCreateArgs(blobBytes(content), createOptions, frameBytes);
      const answer = await link.request(ConnectorMethod.blobCreate, args);
      // §4 answers `{id}`; a bare id string is accepted too, as for tasks (§3: `a` may be any value).
      return answerOf(ConnectorMethod.blobCreate, ' without a blob id:', checkBlobCreateAnswer(answer)).id;
    },
    async get(id) {
      const args: BlobIdArgs = { id };
      return parseBlobInfo(await link.request(ConnectorMethod.blobGet, args), id);
    },
    async content(id) {
      const args: BlobIdArgs = { id };
      const answer = await link.request(ConnectorMethod.blobGetContent, args);
      return answerOf(ConnectorMethod.blobGetContent, ` of "${id}" without base64 content:`, checkBlobContentAnswer(answer)).bytes;
    },
  };
}
