// The seams of the protocol core: everything MeshEngine takes from outside, in one place (Lodestar's habit).
// The daemon passes SQLite, sockets, libsodium and the system clock; tests and the simulator pass core/memory.
export type { ProposalLog, ProposalRecord } from './consensus/proposals.js';
export type { Crypto, KeyPair } from './crypto.js';
export type { EngineEvents, EngineModules, EngineOptions, EngineOutput } from './engine/types.js';
export type { Ledger, LedgerPage } from './ledger.js';
export type { SignatureVerifier } from './signature-verifier.js';
export type { SignatureCheck, Signer } from './signing.js';
export type { Clock, Entropy } from './time.js';
