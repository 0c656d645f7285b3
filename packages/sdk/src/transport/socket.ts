/**
 * Opens the transport's WebSocket (protocol.md §3): sub-protocol `connector`, the connector key
 * in `Authorization`, no compression, a bounded frame size; through a CONNECT tunnel when
 * `HTTPS_PROXY`/`HTTP_PROXY` apply to `WEBSOCKET_ENDPOINT` (proxy/agents.ts).
 */
import WebSocket from 'ws';
import { AUTH_SCHEME, WEBSOCKET_SUBPROTOCOL } from '../protocol/index.js';
import { ConnectorError } from '../errors.js';
import { proxyAgentFor, proxyAnswerError, proxyUnreachableError, type ProxiedAgent } from '../proxy/index.js';

/** A frame as `ws` emits it. */
export interface RawFrame {
  data: WebSocket.RawData;
  isBinary: boolean;
}

/** An open socket, and the frames that arrived before anyone listened. */
export interface OpenedSocket {
  ws: WebSocket;
  /**
   * Stops holding frames and returns those held so far, in order. Frames that arrive in the same
   * read as the handshake's answer are emitted before any promise continuation runs, so a
   * listener added after awaiting 'open' would miss them: a call the workspace sends the moment
   * it accepts the socket would be lost. Call once, after adding the `message` listener.
   */
  takeHeld: () => RawFrame[];
}

/** What {@link openSocket} needs. */
export interface OpenSocketOptions {
  url: string;
  key: string;
  /** `User-Agent`: `<connector id>/<version>` (§2). */
  userAgent: string;
  maxPayload: number;
  /** The whole upgrade (TCP, TLS, the HTTP exchange) must end within this, in ms. @default 10000 */
  handshakeTimeoutMs?: number;
  /** Terminates the socket while it is opening. */
  signal: AbortSignal;
  /** The workspace answered the upgrade with an HTTP status instead of 101. */
  onRefused?: (status: number | undefined) => void;
  /** More headers of the upgrade (e.g. the key proof). @default none */
  headers?: Record<string, string>;
}

/**
 * Opens the socket.
 * @throws ConnectorError `NOT_CONNECTED` when `signal` already fired, `WORKSPACE_UNAVAILABLE` (retryable) when it cannot open;
 *   ProxyError `PROXY_AUTH_FAILED`, `PROXY_REFUSED` (permanent) or `PROXY_UNAVAILABLE` (retryable) from a proxy in the way
 */
export async function openSocket(options: OpenSocketOptions): Promise<OpenedSocket> {
  // The link may have closed while connect/register was in flight: its abort will not fire again.
  if (options.signal.aborted) throw closedWhileConnecting();
  const proxied = await proxyAgentFor(new URL(options.url), { tunnel: true });
  if (options.signal.aborted) throw closedWhileConnecting();
  return open(options, proxied);
}

function closedWhileConnecting(): ConnectorError {
  return new ConnectorError('NOT_CONNECTED', 'the link was closed while connecting', { retryable: true });
}

function open(options: OpenSocketOptions, proxied: ProxiedAgent | undefined): Promise<OpenedSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(options.url, WEBSOCKET_SUBPROTOCOL, {
      headers: { ...options.headers, authorization: `${AUTH_SCHEME} ${options.key}`, 'user-agent': options.userAgent },
      maxPayload: options.maxPayload,
      perMessageDeflate: false,
      // Bounded, so a black-holed path fails fast and the next attempt goes out (issue 13 finding 3).
      handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
      ...(proxied === undefined ? {} : { agent: proxied.agent }),
    });
    const held: RawFrame[] = [];
    const hold = (data: WebSocket.RawData, isBinary: boolean): void => void held.push({ data, isBinary });
    ws.on('message', hold);
    const takeHeld = (): RawFrame[] => {
      ws.off('message', hold);
      return held;
    };
    const onAbort = (): void => ws.terminate();
    options.signal.addEventListener('abort', onAbort, { once: true });
    ws.once('unexpected-response', (req, res) => {
      res.resume();
      ws.terminate();
      // A tunnel the proxy refused is replayed as the upgrade's answer: the proxy's, not the workspace's.
      const refused = proxied?.refusal(req, res.statusCode ?? 0);
      if (refused !== undefined) {
        reject(proxyAnswerError(proxied!.route, refused, options.url));
        return;
      }
      options.onRefused?.(res.statusCode);
      if (res.statusCode === 409) {
        // One connector key serves one process: the workspace keeps the live holder's socket.
        reject(
          new ConnectorError(
            'CONNECTOR_KEY_IN_USE',
            `${options.url} refused the socket (409): another process is connected with this connector key and answers pings. ` +
              'Give each process its own registration (do not share CONNECTOR_KEY or a kept key file), or stop the other; retrying until it is gone',
            { retryable: true },
          ),
        );
        return;
      }
      reject(new ConnectorError('WORKSPACE_UNAVAILABLE', `${options.url} refused the socket (${res.statusCode})`, { retryable: true }));
    });
    ws.once('open', () => {
      options.signal.removeEventListener('abort', onAbort);
      resolve({ ws, takeHeld });
    });
    ws.once('error', (error) => {
      options.signal.removeEventListener('abort', onAbort);
      if (proxied !== undefined) {
        reject(proxyUnreachableError(proxied.route, options.url, error.message, error));
        return;
      }
      reject(
        new ConnectorError('WORKSPACE_UNAVAILABLE', `cannot open ${options.url}: ${error.message}`, { retryable: true, cause: error }),
      );
    });
  });
}
