/**
 * `node:http` agents that go through a proxy, for the connections made with `node:http`/`https`:
 * the device requests (protocol.md §2), the WebSocket (§3, through `ws`'s `agent` option) and
 * the OAuth token requests (simple-oauth2's HTTP client). `https-proxy-agent` opens a tunnel with
 * HTTP CONNECT; `http-proxy-agent` sends plain-HTTP requests to the proxy in absolute form, as
 * curl does, since many proxies allow CONNECT to port 443 only. Both are loaded on first use: a
 * connector without a proxy never loads them.
 */
import type { Agent, ClientRequest } from 'node:http';
import { proxyFor, type ProxyRoute } from './route.js';

/** An agent for one proxy, and what the proxy answered to each tunnel it was asked for. */
export interface ProxiedAgent {
  agent: Agent;
  route: ProxyRoute;
  /** True when the agent opens a CONNECT tunnel (else the proxy forwards plain requests). */
  tunnel: boolean;
  /**
   * The proxy's status for the CONNECT of `request`, when it answered one. A refused CONNECT
   * reaches the caller as an ordinary response with the proxy's status (https-proxy-agent
   * replays it), so this tells the proxy's 403 from the destination's.
   */
  connectStatus(request: ClientRequest | undefined): number | undefined;
  /**
   * The proxy's status when the proxy, not the destination, refused `request` that was answered
   * `status`: a CONNECT answered with anything but 200, or a 407 to a forwarded request (only
   * proxies send 407). Undefined when the answer is the destination's.
   */
  refusal(request: ClientRequest | undefined, status: number): number | undefined;
}

interface ConnectInfo {
  statusCode: number;
}

const agents = new Map<string, Promise<ProxiedAgent>>();

/**
 * The agent for a connection to `target`, or undefined to connect directly (see {@link proxyFor}).
 * WebSockets need `tunnel: true`: an upgrade cannot be forwarded as a plain request.
 * @throws ProxyError `PROXY_INVALID` when the proxy variable is not an http(s) URL
 */
export function proxyAgentFor(target: URL, options: { tunnel?: boolean } = {}): Promise<ProxiedAgent> | undefined {
  const route = proxyFor(target);
  if (route === undefined) return undefined;
  const tunnel = options.tunnel === true || target.protocol === 'https:' || target.protocol === 'wss:';
  const key = `${tunnel ? 'tunnel' : 'forward'} ${route.url.href}`;
  let agent = agents.get(key);
  if (agent === undefined) {
    agent = makeAgent(route, tunnel);
    agents.set(key, agent);
    // A failed load is not kept: the next connection tries again.
    agent.catch(() => agents.delete(key));
  }
  return agent;
}

async function makeAgent(route: ProxyRoute, tunnel: boolean): Promise<ProxiedAgent> {
  const statuses = new WeakMap<ClientRequest, number>();
  let agent: Agent;
  if (tunnel) {
    const { HttpsProxyAgent } = await import('https-proxy-agent');
    const tunnelAgent = new HttpsProxyAgent(route.url);
    tunnelAgent.on('proxyConnect', (connect: ConnectInfo, request: ClientRequest) => statuses.set(request, connect.statusCode));
    agent = tunnelAgent;
  } else {
    const { HttpProxyAgent } = await import('http-proxy-agent');
    agent = new HttpProxyAgent(route.url);
  }
  const connectStatus = (request: ClientRequest | undefined): number | undefined =>
    request === undefined ? undefined : statuses.get(request);
  return {
    agent,
    route,
    tunnel,
    connectStatus,
    refusal: (request, status) => {
      if (!tunnel) return status === 407 ? 407 : undefined;
      const connect = connectStatus(request);
      return connect !== undefined && connect !== 200 ? connect : undefined;
    },
  };
}

/** Forgets the agents made so far (tests change the proxy variables between cases). */
export function resetProxyAgents(): void {
  for (const agent of agents.values()) void agent.then((a) => a.agent.destroy()).catch(() => undefined);
  agents.clear();
}
