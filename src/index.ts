// The package's library entry: what `import … from 'trust-mesh'` offers to embedders and integrators.
// The bridge client, an embeddable node, the devnet, and the protocol itself (schemas, signing, errors, engine).
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
  CLIENT_CODES,
  type StreamOptions,
  TrustMeshApiError,
  TrustMeshClient,
  type TrustMeshClientOptions,
  type WaitOptions,
} from './client/client.js';
export { type Config, loadConfig } from './config/load.js';
export { readNetworkFile, resolveNetworkPath } from './config/network-file.js';
// ---- The protocol --------------------------------------------------------------------------------------------
export type { ProposalRecord, ProposalState } from './core/consensus/proposals.js';
export type { Crypto, KeyPair } from './core/crypto.js';
export { MeshEngine, type ProposalInput } from './core/engine/engine.js';
export type {
  EngineEvents,
  EngineModules,
  EngineOptions,
  EngineOutput,
  NodeType,
} from './core/engine/types.js';
export { ERROR_CODES, type ErrorCode, isTrustMeshError, TrustMeshError } from './core/errors.js';
export type { Ledger, LedgerPage } from './core/ledger.js';
export { ledgerKey } from './core/ledger.js';
export { ManualClock } from './core/memory/manual-clock.js';
export { MemoryLedger } from './core/memory/memory-ledger.js';
export { MemoryOutput } from './core/memory/memory-output.js';
export { SeededEntropy } from './core/memory/seeded-entropy.js';
export { decodeFrame, decodeValue } from './core/messages/decode.js';
export { PROTOCOL_VERSION, TRUST_EVENTS, type TrustEvent } from './core/messages/fields.js';
export { MESSAGE_INFO } from './core/messages/registry.js';
export * from './core/messages/schemas.js';
export { loadNetwork, type Network, type NetworkFile, type NetworkParams } from './core/network.js';
export type { Outcome } from './core/outcome.js';
export { InlineSignatureVerifier, type SignatureVerifier } from './core/signature-verifier.js';
export {
  canonicalJson,
  messageDigest,
  nodeIdOf,
  type SignedMessage,
  type Signer,
  signingBytes,
  signKeyRotation,
  signMessage,
  verifyMessage,
} from './core/signing.js';
export { deriveRecord, type MeshTrustRecord } from './core/state/record.js';
export type { Clock, Entropy } from './core/time.js';
export { createSigner, generateKeyPair, keyPairFromSeed, sodiumCrypto } from './crypto/sodium.js';
export { VerifierPool } from './crypto/verifier-pool.js';
// ---- Running nodes ------------------------------------------------------------------------------------------
export { Devnet, type DevnetMember, type DevnetOptions, devnetTopology, diameter } from './devnet/devnet.js';
export { runSmoke, type SmokeReport } from './devnet/smoke.js';
export { createLogger, type Logger, silentLogger } from './log.js';
export { createKey, keyPath, loadKey } from './node/key-file.js';
export {
  type NodeEvents,
  type NodeModules,
  type NodeOptions,
  type SyncStatus,
  TrustMeshNode,
} from './node/node.js';
export { runSimulation, type SimulationResult } from './sim/run.js';
export { loadScenario } from './sim/scenario.js';
export { SqliteStore } from './store/sqlite-store.js';
export { VERSION } from './version.js';
