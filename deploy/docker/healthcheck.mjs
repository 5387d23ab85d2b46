// The image's HEALTHCHECK: GET /healthz from this container's own node; exit 0 on a 200, 1 otherwise.
// Which port: TRUST_MESH_HEALTH_URL if set, else the bridge API's port, else a full/light node's admin port.
const env = process.env;
const port = env.TRUST_MESH_API_PORT ?? env.TRUST_MESH_ADMIN_PORT ?? '8081';
// The bridge API binds api.host (0.0.0.0 in the compose file) and the admin port 127.0.0.1: loopback reaches both.
const url = env.TRUST_MESH_HEALTH_URL ?? `http://127.0.0.1:${port}/healthz`;
try {
  const answer = await fetch(url, { signal: AbortSignal.timeout(4000) });
  if (answer.status !== 200) {
    console.error(`${url}: HTTP ${answer.status}`);
    process.exit(1);
  }
} catch (error) {
  console.error(`${url}: ${error.cause?.message ?? error.message}`);
  process.exit(1);
}
