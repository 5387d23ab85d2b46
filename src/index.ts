// The package's library entry: what `import … from 'trust-mesh'` offers to embedders and integrators.
// Bridge API client first; node, devnet and protocol exports are added beside it as they settle.
export { paths as apiPaths } from './api/links.js';
export type {
  AgentRecords,
  ApiErrorBody,
  EventInput,
  Health,
  HistoryPage,
  NodeStatus,
  PeerList,
  RevocationInput,
  RevocationResult,
  StreamEvent,
  SubmitResult,
  TrustRecord,
  UpdateStatus,
} from './api/schemas.js';
export { type BridgeApi, type BridgeApiOptions, startBridgeApi } from './api/server.js';
export {
  type ChangeEvent,
  type StreamOptions,
  TrustMeshApiError,
  TrustMeshClient,
  type TrustMeshClientOptions,
  type WaitOptions,
} from './client/client.js';
