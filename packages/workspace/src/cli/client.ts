/**
 * The CLI's link to a running workspace: its admin API, with the token found the documented
 * way (`--token`, `WORKSPACE_TOKEN`, then `<data>/admin-token`).
 */
import { readFile } from 'node:fs/promises';
import { adminTokenPath } from '../server/admin-token.js';
import { CliError, type GlobalArgs } from './output.js';

/** An error answer of the admin API: `{"error": {code, message, details?}}`. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    details?: unknown,
  ) {
    super(message, 1, code, details);
    this.name = 'ApiError';
  }
}

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
      throw new CliError(`--url "${args.url}" is not a URL: use e.g. http://127.0.0.1:4700`, 2, 'BAD_ARGUMENT');
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
      throw new CliError(`cannot reach the workspace at ${this.url}: is \`workspace serve\` running?`, 1, 'UNREACHABLE');
    }
    const text = await res.text();
    let parsed: any;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new CliError(`${this.url} answered ${res.status} with something that is not JSON: is it a workspace?`, 1, 'BAD_ANSWER');
    }
    if (res.ok) return parsed as T;
    // Admin-token codes of their own: a connector's AUTH_FAILED (its credentials for an outside
    // system) answered through `workspace call` must not read like a wrong admin token.
    if (res.status === 401 && token === undefined) {
      throw new ApiError(
        401,
        'ADMIN_TOKEN_MISSING',
        `no admin token: pass --token, set WORKSPACE_TOKEN, or point --data at the workspace's data folder (${adminTokenPath(this.args.data)} does not exist)`,
      );
    }
    if (res.status === 401) {
      throw new ApiError(
        401,
        'ADMIN_TOKEN_INVALID',
        `the workspace at ${this.url} rejected the admin token: use the one in its <data>/admin-token (the --data folder it was started with)`,
      );
    }
    const error = parsed?.error;
    throw new ApiError(
      res.status,
      typeof error?.code === 'string' ? error.code : `HTTP_${res.status}`,
      typeof error?.message === 'string' ? error.message : `${method} ${path} answered ${res.status}`,
      error?.details,
    );
  }
}
