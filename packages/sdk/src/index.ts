export { ConnectorError, RemoteError } from './errors.js';
