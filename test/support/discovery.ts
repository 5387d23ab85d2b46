// Discovery settings for tests: fast timers so a small mesh settles in a second or two, and a strict variant that
// applies the subnet limits to 127.0.x.y addresses (loopback is exempt by default).
import type { DiscoveryOptions } from '../../src/net/kad/interface.js';

export const FAST: Partial<DiscoveryOptions> = {
  tickMs: 50,
  requestTimeoutMs: 1_000,
  connectTimeoutMs: 2_000,
};

export const STRICT: Partial<DiscoveryOptions> = {
  ...FAST,
  // Several nodes and a Sybil crowd share one test process: answers can wait behind each other.
  requestTimeoutMs: 3_000,
  exemptLoopback: false,
  maxPerSubnet: 2,
  maxOutboundPerSubnet: 2,
  lookupMaxPerSubnet: 3,
};
