// Kademlia discovery for one node: drives the pure routing table, lookups and peer selection from sockets and
// timers — FIND_NODE through the request tracker, dials for lookups and outbound slots, known peers stored.
import { PROTOCOL_VERSION } from '../../core/messages/fields.js';
import type { Nodes, PeerAnnounce, PeerInfo } from '../../core/messages/schemas.js';
import { idInBucket } from '../../core/routing/ids.js';
import { Lookup, type LookupPeer } from '../../core/routing/lookup.js';
import { checkNodes } from '../../core/routing/nodes-check.js';
import { type Contact, RoutingTable } from '../../core/routing/routing-table.js';
import { chooseDials, type OutboundPeer } from '../../core/routing/selection.js';
import { hostOf } from '../../core/routing/subnet.js';
import type { PeerSession } from '../peers/interface.js';
import { type RequestOutcome, SYSTEM_TIMERS, type TimerScheduler } from '../reqresp/interface.js';
import { RequestTracker } from '../reqresp/request-tracker.js';
import { CandidateBook } from './candidates.js';
import { PendingDials } from './dials.js';
import type { DiscoveryModules, DiscoveryOptions, RoutingSnapshot } from './interface.js';

/** Requests for NODES outstanding to one peer at once. */
const MAX_FIND_NODE_PER_PEER = 4;
/** Dials for outbound slots under way at once. */
const MAX_SLOT_DIALS = 4;
/** Tries of one FIND_NODE whose connection closed under it (see ask). */
const ASK_ATTEMPTS = 3;

const infoOf = (contact: Contact | LookupPeer): PeerInfo => ({
  nodeId: contact.nodeId,
  publicKey: contact.publicKey,
  endpoints: [...contact.endpoints],
  capabilities: [...contact.capabilities],
});

const dialableEndpoint = (info: { endpoints: readonly string[] }): string | undefined =>
  info.endpoints.find((endpoint) => hostOf(endpoint) !== null);

export class Discovery {
  readonly table: RoutingTable;
  private readonly candidates: CandidateBook;
  private readonly requests: RequestTracker<Nodes>;
  private readonly scheduler: TimerScheduler;
  private readonly dials: PendingDials;
  private ticker: unknown = null;
  private lookupRunning = false;
  private selfLookedUp = false;
  private stopped = false;
  readonly stats = { lookups: 0, lookupHops: 0, nodesDropped: 0, dialsFailed: 0 };

  constructor(
    readonly selfId: string,
    private readonly options: DiscoveryOptions,
    private readonly modules: DiscoveryModules,
  ) {
    this.table = new RoutingTable(selfId, options);
    this.candidates = new CandidateBook(selfId);
    this.scheduler = modules.scheduler ?? SYSTEM_TIMERS;
    this.dials = new PendingDials(modules.peers, this.scheduler, options.connectTimeoutMs, (nodeId) => {
      this.stats.dialsFailed++;
      this.candidates.failed(nodeId, modules.clock.now());
    });
    this.requests = new RequestTracker<Nodes>(
      { timeoutMs: options.requestTimeoutMs, maxOutstandingPerPeer: MAX_FIND_NODE_PER_PEER },
      {
        nextId: () => `fn-${modules.clock.now().toString(36)}-${(this.counter++).toString(36)}`,
        scheduler: this.scheduler,
      },
    );
  }

  private counter = 0;

  /** Reads the stored peers (they are dial candidates vouched for by this node's own past) and starts ticking. */
  start(): void {
    for (const peer of this.modules.store.loadPeers(this.options.storedPeers)) {
      const { lastSeenMs: _, ...info } = peer;
      this.candidates.heard(info, 'store');
    }
    if (!this.options.enabled) return;
    const loop = () => {
      this.ticker = this.scheduler.setTimeout(() => {
        if (this.stopped) return;
        this.tick();
        loop();
      }, this.options.tickMs);
    };
    this.tick();
    loop();
  }

  stop(): void {
    this.stopped = true;
    if (this.ticker !== null) this.scheduler.clearTimeout(this.ticker);
    this.requests.stop();
    this.dials.stop();
  }

  // ---- Events from the peer manager and the engine -----------------------------------------------------------

  /**
   * A handshake completed: the node proved its key, so it is reached and offered to the table. Dialled by us, its
   * subnet is the dialled endpoint's; dialled by it, the socket's address (what it claims to serve at is then
   * unproven: a dial candidate, reported in NODES as it claims it). A node serving no endpoint is of no use there.
   */
  established(session: PeerSession): void {
    if (this.stopped) return;
    const peer = session.peer;
    const nodeId = session.nodeId;
    if (peer === null || nodeId === null) return;
    const info: PeerInfo = {
      nodeId,
      publicKey: peer.publicKey,
      endpoints: [...peer.endpoints],
      capabilities: [...peer.capabilities],
    };
    const dialled = session.connection.outbound && session.dialTarget !== null;
    this.candidates.heard(info, dialled ? 'reached' : nodeId);
    if (dialled) this.candidates.reached(nodeId);
    if (dialableEndpoint(info) !== undefined) {
      const address = dialled ? session.dialTarget!.url : session.connection.remoteAddress;
      this.offer({ ...info, address, lastSeen: 0 });
    }
    this.dials.settle(nodeId, true);
  }

  /** A session ended: its requests fail now; the table keeps the node (a disconnect is not death). */
  closed(nodeId: string): void {
    this.requests.peerGone(nodeId);
  }

  /** A NODES answer from a neighbour: it ends the FIND_NODE it answers, if there is one. */
  nodes(from: string, answer: Nodes): void {
    this.requests.respond(from, answer.id, answer);
  }

  /** An accepted (signed, verified) PEER_ANNOUNCE, forwarded by `from`. */
  announced(from: string, announce: PeerAnnounce): void {
    const { nodeId, publicKey, endpoints, capabilities } = announce;
    this.candidates.heard({ nodeId, publicKey, endpoints, capabilities }, from);
  }

  // ---- The table ---------------------------------------------------------------------------------------------

  /** NODES entries this node vouches for: nodes it reached itself, closest to `target` first. */
  closest(target: string, k: number): PeerInfo[] {
    return this.table.closest(target, k).map(infoOf);
  }

  private offer(contact: Contact): void {
    const now = this.modules.clock.now();
    const result = this.table.offer(contact, now);
    if (result.kind === 'added' || result.kind === 'updated') this.save(contact, now);
    else if (result.kind === 'ping')
      this.ping(result.oldest).catch((error: Error) =>
        this.modules.logger.warn({ err: error.message }, 'routing table ping failed'),
      );
    else
      this.modules.logger.debug(
        { peer: contact.nodeId.slice(0, 12), reason: result.reason },
        'not in routing table',
      );
  }

  /** Ping-before-evict: a connected oldest entry is alive; otherwise it must take a dial within the deadline. */
  private async ping(oldest: Contact): Promise<void> {
    const alive = this.modules.peers.isConnected(oldest.nodeId) || (await this.reach(oldest));
    if (this.stopped) return;
    const now = this.modules.clock.now();
    const entered = this.table.pingResult(oldest.nodeId, alive, now);
    if (entered !== null) {
      this.modules.store.forgetPeer(oldest.nodeId);
      this.save(entered, now);
    }
  }

  /** Remembers a reached node across restarts; a storage failure costs only that memory, so it is logged. */
  private save(contact: Contact, now: number): void {
    if (this.stopped) return;
    try {
      this.modules.store.savePeer({ ...infoOf(contact), lastSeenMs: now });
    } catch (error) {
      this.modules.logger.warn({ err: (error as Error).message }, 'could not store a peer');
    }
  }

  snapshot(): RoutingSnapshot {
    return {
      selfId: this.selfId,
      size: this.table.size,
      buckets: this.table.fill(),
      candidates: this.candidates.size,
      lookups: this.stats.lookups,
    };
  }

  // ---- Dialling ----------------------------------------------------------------------------------------------

  /** Dials a node once and resolves whether a session with it was established within the connect timeout. */
  private reach(info: LookupPeer): Promise<boolean> {
    const { peers } = this.modules;
    if (peers.isConnected(info.nodeId)) return Promise.resolve(true);
    const url = dialableEndpoint(info);
    if (url === undefined || this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => this.dials.dial(info.nodeId, url, info.publicKey, resolve));
  }

  // ---- Lookups -----------------------------------------------------------------------------------------------

  /** The k closest nodes to `target` that answered, found by asking α at a time (dialling those not connected). */
  async lookup(target: string): Promise<LookupPeer[]> {
    const { peers } = this.modules;
    const seeds: LookupPeer[] = this.table.closest(target, this.options.k);
    for (const nodeId of peers.connectedIds()) {
      const peer = peers.session(nodeId)?.peer;
      if (peer)
        seeds.push({
          nodeId,
          publicKey: peer.publicKey,
          endpoints: peer.endpoints,
          capabilities: peer.capabilities,
        });
    }
    const lookup = new Lookup(this.selfId, target, seeds, {
      alpha: this.options.alpha,
      k: this.options.k,
      maxPerSubnet: this.options.lookupMaxPerSubnet,
      exemptLoopback: this.options.exemptLoopback,
    });
    await new Promise<void>((resolve) => {
      const pump = () => {
        if (this.stopped || lookup.done) {
          resolve();
          return;
        }
        for (const peer of lookup.next()) {
          void this.ask(peer, target)
            .catch(() => null)
            .then((entries) => {
              if (entries === null) lookup.failed(peer.nodeId);
              else lookup.answered(peer.nodeId, entries);
              pump();
            });
        }
      };
      pump();
    });
    this.stats.lookups++;
    this.stats.lookupHops += lookup.hops;
    this.modules.onLookup?.(lookup.hops, lookup.asked);
    return lookup.result();
  }

  /** One FIND_NODE to one node (reached first if need be); its checked entries, or null when it did not answer. */
  private async ask(peer: LookupPeer, target: string): Promise<PeerInfo[] | null> {
    const { peers, crypto } = this.modules;
    const findNode = () =>
      this.requests.request(peer.nodeId, (id) =>
        peers.send(peer.nodeId, { type: 'FIND_NODE', version: PROTOCOL_VERSION, id, target }),
      );
    // A connection can close under a request for reasons routine in discovery, and they chain: the other end lets
    // its idle outbound link to us go (it cannot see our request in flight), our redial races its own dial and
    // loses to the duplicate. Each attempt asks on whichever session is up then; a refusal or timeout ends it.
    let outcome: RequestOutcome<Nodes> | null = null;
    for (let attempt = 0; attempt < ASK_ATTEMPTS; attempt++) {
      if (!(await this.reach(peer))) return null;
      outcome = await findNode();
      if (outcome.kind !== 'failed' || outcome.code !== 'TM_ERR_PEER_DISCONNECTED') break;
    }
    if (outcome?.kind !== 'answered') return null;
    this.table.seen(peer.nodeId, this.modules.clock.now());
    const tally = checkNodes(crypto, this.selfId, outcome.response.nodes, this.options.k);
    const dropped = tally.overflow + tally.malformed + tally.duplicate;
    if (dropped > 0) {
      this.stats.nodesDropped += dropped;
      this.modules.logger.debug(
        { peer: peer.nodeId.slice(0, 12), ...tally, kept: tally.kept.length },
        'NODES entries dropped',
      );
    }
    for (const info of tally.kept) this.candidates.heard(info, peer.nodeId);
    return tally.kept;
  }

  // ---- Time --------------------------------------------------------------------------------------------------

  /** Refills outbound slots, lets excess go, and starts the next due lookup (one at a time). */
  tick(): void {
    if (this.stopped || !this.options.enabled) return;
    this.fillSlots();
    if (this.lookupRunning) return;
    this.trimSlots();
    const target = this.nextLookupTarget();
    if (target === null) return;
    this.lookupRunning = true;
    void this.lookup(target)
      .catch((error: Error) => this.modules.logger.warn({ err: error.message }, 'lookup failed'))
      .finally(() => {
        this.lookupRunning = false;
      });
  }

  private nextLookupTarget(): string | null {
    const now = this.modules.clock.now();
    if (this.modules.peers.connectedIds().length === 0 && this.table.size === 0) return null;
    // A fresh node first looks itself up: that fills the buckets near it, as Kademlia joins do.
    if (!this.selfLookedUp) {
      this.selfLookedUp = true;
      return this.selfId;
    }
    const [due] = this.table.refreshDue(now);
    if (due === undefined) return null;
    this.table.refreshed(due, now);
    return idInBucket(this.selfId, due, this.modules.randomBytes());
  }

  private outbound(): { fixed: OutboundPeer[]; removable: OutboundPeer[] } {
    const { peers } = this.modules;
    const fixed: OutboundPeer[] = [];
    const removable: OutboundPeer[] = [];
    for (const nodeId of peers.connectedIds()) {
      const session = peers.session(nodeId);
      if (!session?.connection.outbound || session.dialTarget === null) continue;
      const peer: OutboundPeer = { nodeId, address: session.dialTarget.url, vouched: this.isVouched(nodeId) };
      (session.dialTarget.oneShot ? removable : fixed).push(peer);
    }
    return { fixed, removable };
  }

  private isVouched(nodeId: string): boolean {
    const candidate = this.candidates.get(nodeId);
    return this.table.has(nodeId) || (candidate !== undefined && this.candidates.vouched(candidate));
  }

  private selection() {
    return {
      target: this.options.targetOutbound,
      maxPerSubnet: this.options.maxOutboundPerSubnet,
      exemptLoopback: this.options.exemptLoopback,
    };
  }

  private fillSlots(): void {
    const { peers, clock } = this.modules;
    const { fixed, removable } = this.outbound();
    const current = [...fixed, ...removable];
    // Dials under way take their slots already.
    const free = this.options.targetOutbound - current.length - this.dials.size;
    if (free <= 0) return;
    const pool: OutboundPeer[] = [];
    const seen = new Set<string>();
    for (const contact of this.table.entries()) {
      if (peers.isConnected(contact.nodeId) || this.dials.has(contact.nodeId)) continue;
      const candidate = this.candidates.get(contact.nodeId);
      if (candidate !== undefined && candidate.retryAt > clock.now()) continue;
      const url = dialableEndpoint(contact);
      if (url === undefined) continue;
      seen.add(contact.nodeId);
      pool.push({ nodeId: contact.nodeId, address: url, vouched: true });
    }
    for (const candidate of this.candidates.dialable(clock.now())) {
      const { nodeId } = candidate.info;
      const url = dialableEndpoint(candidate.info);
      if (seen.has(nodeId) || url === undefined || peers.isConnected(nodeId) || this.dials.has(nodeId))
        continue;
      pool.push({ nodeId, address: url, vouched: this.candidates.vouched(candidate) });
    }
    const chosen = chooseDials(this.selfId, current, pool, this.selection());
    for (const peer of chosen.slice(0, Math.min(free, MAX_SLOT_DIALS))) {
      const info = this.table.get(peer.nodeId) ?? this.candidates.get(peer.nodeId)?.info;
      if (info !== undefined) this.dials.dial(peer.nodeId, peer.address, info.publicKey);
    }
  }

  /**
   * Discovered outbound connections (made for lookups or slots, never configured ones) that the selection would
   * not keep — past the target, or past a subnet or single-source limit — are closed once idle.
   */
  private trimSlots(): void {
    const { fixed, removable } = this.outbound();
    const busy = removable.filter((peer) => this.requests.outstanding(peer.nodeId) > 0);
    const idle = removable.filter((peer) => !busy.includes(peer));
    const keep = new Set(
      chooseDials(this.selfId, [...fixed, ...busy], idle, this.selection()).map((peer) => peer.nodeId),
    );
    for (const peer of idle)
      if (!keep.has(peer.nodeId)) this.modules.peers.disconnect(peer.nodeId, 'TM_ERR_PEER_NOT_NEEDED');
  }
}
