// Container HEALTHCHECK (and any probe that runs a command): healthy only while the connector
// itself is ready, i.e. connected to the workspace with its last health check ok. It asks the
// connector's health endpoint, `GET /ready` on HEALTH_PORT (the Containerfile turns it on; it
// listens on 127.0.0.1 inside the container). Without HEALTH_PORT it falls back to checking that
// the workspace answers at all, which says nothing about the connector.
const port = process.env.HEALTH_PORT;
if (port) {
  const url = `http://${process.env.HEALTH_HOST || '127.0.0.1'}:${port}/ready`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) {
      console.error(`unhealthy: ${url} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
      process.exit(1);
    }
  } catch (error) {
    console.error(`unhealthy: the connector's health endpoint ${url} does not answer: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
} else {
  const endpoint = process.env.DEVICE_ENDPOINT || 'https://connect.aloma.io/';
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(5_000) });
  } catch (error) {
    console.error(`unhealthy: cannot reach the workspace at ${endpoint}: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
}
