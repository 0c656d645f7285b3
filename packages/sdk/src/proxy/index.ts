/**
 * Outgoing connections through an HTTP(S) proxy (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`), for
 * the transport, `ctx.http` and the OAuth token requests alike. Knows nothing of either.
 */
export { proxyFor, parseProxyValue, checkProxyEnv, type ProxyRoute } from './route.js';
export { proxyAgentFor, resetProxyAgents, type ProxiedAgent } from './agents.js';
export { proxyDispatcherFor, proxyStatusOf, type ProxiedDispatcher } from './dispatcher.js';
export {
  ProxyError,
  proxyAnswerError,
  proxyUnreachableError,
  describeRoute,
  withoutProxyCredentials,
  untrustedCertificateHint,
  isProxyConnectFailure,
  type ProxyErrorCode,
  type ProxyErrorOptions,
} from './errors.js';
export { checkExtraCaCerts } from './trust.js';
