// Container HEALTHCHECK: healthy while the workspace's device endpoint answers (any HTTP status).
// A connector that cannot reach its workspace cannot serve calls; the connector process itself
// exits on fatal errors (e.g. a rejected REGISTRATION_TOKEN), which stops the container.
const endpoint = process.env.DEVICE_ENDPOINT || 'https://connect.aloma.io/';
try {
  await fetch(endpoint, { signal: AbortSignal.timeout(5_000) });
} catch (error) {
  console.error(`unhealthy: cannot reach the workspace at ${endpoint}: ${error.cause?.message ?? error.message}`);
  process.exit(1);
}
