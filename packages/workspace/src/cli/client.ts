/**
 * The CLI's link to a running workspace: its admin API, with the token found the documented
 * way (`--token`, `WORKSPACE_TOKEN`, then `<data>/admin-token`).
 */
import { readFile } from 'node:fs/promises';
import { adminTokenPath } from '../server/admin-token.js';
import { ApiError, CliError } from '../errors.js';
import type { GlobalArgs } from './output.js';

async function readTokenFile(dataDir: string): Promise<string | undefined> {
  try {
    const token = (await readFile(adminTokenPath(dataDir), 'utf8')).trim();
    return token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}

/** A client of the admin API at `args.url`. */
export class AdminClient {
  /** The workspace base URL, with a trailing slash. */
  readonly url: string;
  private token: string | undefined;
  private tokenLoaded = false;

  constructor(private readonly args: GlobalArgs) {
    this.url = args.url.endsWith('/') ? args.url : `${args.url}/`;
    try {
      new URL(this.url);
    } catch {
      throw new CliError('BAD_ARGUMENT', `--url "${args.url}" is not a URL: use e.g. http://127.0.0.1:4700`, { exitCode: 2 });
    }
  }

  /** `DEVICE_ENDPOINT` and `WEBSOCKET_ENDPOINT` for connectors of this workspace (§2, §3). */
  endpoints(): { deviceEndpoint: string; websocketEndpoint: string } {
    const ws = new URL('transport/', this.url);
    ws.protocol = ws.protocol === 'https:' ? 'wss:' : 'ws:';
    return { deviceEndpoint: this.url, websocketEndpoint: ws.href };
  }

  private async loadToken(): Promise<string | undefined> {
    if (!this.tokenLoaded) {
      // An empty flag or variable counts as unset.
      this.token = this.args.token || process.env.WORKSPACE_TOKEN || (await readTokenFile(this.args.data));
      this.tokenLoaded = true;
    }
    return this.token;
  }

  /**
   * Sends one admin request and answers the JSON body.
   * @throws CliError when the workspace cannot be reached; ApiError for an error answer
   */
  async request<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await this.loadToken();
    let res: Response;
    try {
      res = await fetch(new URL(`api/v1/${path}`, this.url), {
        method,
        headers: {
          'content-type': 'application/json',
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new CliError('UNREACHABLE', `cannot reach the workspace at ${this.url}: is \`workspace serve\` running?`);
    }
    const parsed = await this.json(res);
    if (res.ok) return parsed as T;
    throw this.failure(res.status, parsed, token, method, path);
  }

  /**
   * Sends a GET whose answer streams NDJSON and yields its lines as they arrive, until the
   * workspace ends the answer.
   * @throws CliError when the workspace cannot be reached; ApiError for an error answer
   */
  async *lines(path: string): AsyncGenerator<string> {
    const token = await this.loadToken();
    let res: Response;
    try {
      res = await fetch(new URL(`api/v1/${path}`, this.url), {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
    } catch {
      throw new CliError('UNREACHABLE', `cannot reach the workspace at ${this.url}: is \`workspace serve\` running?`);
    }
    if (!res.ok || res.body === null) throw this.failure(res.status, await this.json(res), token, 'GET', path);
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of res.body) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n')) >= 0) {
          yield buffered.slice(0, end);
          buffered = buffered.slice(end + 1);
        }
      }
    } catch {
      // The connection broke (the workspace stopped): the caller says so.
    }
  }

  private async json(res: Response): Promise<any> {
    const text = await res.text();
    try {
      return text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new CliError('BAD_ANSWER', `${this.url} answered ${res.status} with something that is not JSON: is it a workspace?`);
    }
  }

  /** The error of an answer that is not 2xx. */
  private failure(status: number, parsed: any, token: string | undefined, method: string, path: string): ApiError {
    const res = { status };
    // Admin-token codes of their own: a connector's AUTH_FAILED (its credentials for an outside
    // system) answered through `workspace call` must not read like a wrong admin token.
    if (res.status === 401 && token === undefined) {
      return new ApiError(
        'ADMIN_TOKEN_MISSING',
        `no admin token: pass --token, set WORKSPACE_TOKEN, or point --data at the workspace's data folder (${adminTokenPath(this.args.data)} does not exist)`,
        { status: 401 },
      );
    }
    if (res.status === 401) {
      return new ApiError(
        'ADMIN_TOKEN_INVALID',
        `the workspace at ${this.url} rejected the admin token: use the one in its <data>/admin-token (the --data folder it was started with)`,
        { status: 401 },
      );
    }
    const error = parsed?.error;
    return new ApiError(
      typeof error?.code === 'string' ? error.code : `HTTP_${res.status}`,
      typeof error?.message === 'string' ? error.message : `${method} ${path} answered ${res.status}`,
      { status: res.status, details: error?.details },
    );
  }
}
