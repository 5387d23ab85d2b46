// Paths of the bridge API's resources, built in one place so responses, the client and the CLI agree on them.
const segment = encodeURIComponent;

export const paths = {
  events: '/v1/events',
  revocations: '/v1/revocations',
  update: (id: string) => `/v1/updates/${segment(id)}`,
  agent: (agentId: string) => `/v1/agents/${segment(agentId)}`,
  record: (agentId: string, principalId: string) =>
    `/v1/agents/${segment(agentId)}/principals/${segment(principalId)}`,
  history: (agentId: string, principalId: string) =>
    `/v1/agents/${segment(agentId)}/principals/${segment(principalId)}/history`,
  stream: '/v1/stream',
  status: '/v1/status',
  peers: '/v1/peers',
  keys: '/v1/keys',
  health: '/healthz',
  ready: '/readyz',
  metrics: '/metrics',
  openapi: '/openapi.json',
} as const;
