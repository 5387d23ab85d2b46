// The bridge API's own Prometheus counter, in the node's registry so /metrics shows node and API together.
// Labels are bounded: the route pattern (never the raw URL), the method and the status code.
import type { FastifyInstance } from 'fastify';
import { Counter, type Registry } from 'prom-client';

const NAME = 'trustmesh_api_requests_total';

export function installApiMetrics(app: FastifyInstance, registry: Registry): void {
  // An API restarted around the same node finds its counter already registered: keep counting on it.
  const requests =
    (registry.getSingleMetric(NAME) as Counter<'route' | 'method' | 'status'> | undefined) ??
    new Counter({
      name: NAME,
      help: 'Bridge API requests answered, by route pattern, method and status code',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    });
  app.addHook('onResponse', (request, reply, done) => {
    requests.inc({
      route: request.routeOptions.url ?? 'unmatched',
      method: request.method,
      status: String(reply.statusCode),
    });
    done();
  });
}
