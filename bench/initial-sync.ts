// Initial sync on loopback (one process): a fresh node downloads N ledger entries from 3 full peers; entries/s and
// Ed25519 checks/s beside the one-core verify rate of the same run and the 2-core ceiling (2 × that rate).
import type { LedgerEntry } from '../src/core/messages/schemas.js';
import type { Verified } from '../src/core/verified.js';
import { internals } from '../src/node/internals.js';
import type { TrustMeshNode } from '../src/node/node.js';
import { EntryMaker } from '../test/support/entries.js';
import { ManualClock, testKeyPair, testNetwork } from '../test/support/fixtures.js';
import { TestMesh } from '../test/support/mesh.js';
import type { Bench, BenchOptions, BenchResult } from './support.js';
import { round, sleep, UNLIMITED } from './support.js';
import { verifyRate } from './verify-rate.js';

const PEERS = 3;
const CORES = 2;
/** One block per 10 s epoch, one entry per 10 ms: 1,000 entries per block (one page of SYNC_BLOCK at most). */
const EPOCH_MS = 10_000;
const SPACING_MS = 10;
/** Entries are signed and stored in chunks so 1,000,000 of them never sit in memory at once. */
const CHUNK = 10_000;

/** Signs `count` revocations (one signature each, distinct agents) and stores them into every peer's store. */
function fillStores(mesh: TestMesh, peers: TrustMeshNode[], count: number): void {
  const span = count * SPACING_MS;
  // Ends two minutes ago; with blockGraceMs 0 on every node, every entry's block is closed when the joiner asks.
  const maker = new EntryMaker({
    network: mesh.network,
    clock: new ManualClock(Date.now() - span - 120_000),
  });
  for (let done = 0; done < count; done += CHUNK) {
    const chunk: Verified<LedgerEntry>[] = [];
    for (let i = done; i < Math.min(count, done + CHUNK); i++) {
      chunk.push(maker.revocation({ agentId: `agent-${i}`, principalId: 'p' }, { origin: i % PEERS }));
      maker.clock.advance(SPACING_MS);
    }
    for (const peer of peers) {
      const { store } = internals(peer);
      store.transaction(() => {
        for (const entry of chunk) store.append(entry);
      });
    }
  }
}

interface Run {
  seconds: number;
  entries: number;
  verified: number;
  cached: number;
  sources: number;
}

async function joinOnce(
  mesh: TestMesh,
  peers: TrustMeshNode[],
  keyIndex: number,
  threads: number,
  timeoutMs: number,
): Promise<Run> {
  const started = performance.now();
  const joiner = await mesh.start(testKeyPair(keyIndex), {
    sync: { blockGraceMs: 0, settleMs: 500, aloneGraceMs: 60_000 },
    peers: peers.map((peer) => peer.endpoint),
    verifierThreads: threads,
  });
  const deadline = started + timeoutMs;
  while (!joiner.syncStatus().ready) {
    if (performance.now() > deadline) throw new Error('bench timed out waiting for the initial sync');
    await sleep(20);
  }
  const seconds = (performance.now() - started) / 1000;
  const status = joiner.syncStatus();
  const { signatures } = joiner.stats();
  await joiner.stop();
  return {
    seconds,
    entries: status.entriesApplied,
    verified: signatures.verified,
    cached: signatures.cached,
    sources: status.peers.filter((peer) => peer.blocks > 0).length,
  };
}

export const initialSyncBench: Bench = {
  name: 'initial-sync',
  title: 'Initial sync of a fresh node from 3 full peers on loopback (one process)',
  async run({ full, log }: BenchOptions): Promise<BenchResult> {
    const count = full ? 1_000_000 : 100_000;
    const verify = verifyRate();
    const ceiling = CORES * verify;
    const figures: Record<string, number> = {
      ed25519VerifyPerSecond: Math.round(verify),
      ceilingVerifiesPerSecond2Cores: Math.round(ceiling),
    };
    const units: Record<string, string> = {
      ed25519VerifyPerSecond: 'verifies/s (one core)',
      ceilingVerifiesPerSecond2Cores: 'verifies/s (2 × one core)',
    };
    // Validators 0–2 serve; 3 and 4 join (a fresh key per run: a node that synced once would not start empty).
    const mesh = new TestMesh(testNetwork([10, 10, 10, 10, 10], { epochMs: EPOCH_MS }, UNLIMITED));
    let generationSeconds = 0;
    let serverRootsSeconds = 0;
    try {
      const peers: TrustMeshNode[] = [];
      for (let i = 0; i < PEERS; i++)
        peers.push(
          await mesh.start(testKeyPair(i), {
            sync: { blockGraceMs: 0 },
            peers: peers.map((node) => node.endpoint),
          }),
        );
      const begun = performance.now();
      fillStores(mesh, peers, count);
      generationSeconds = (performance.now() - begun) / 1000;
      log(`${count} revocations signed and stored into ${PEERS} peers in ${round(generationSeconds, 1)} s`);
      // Serving peers that have been up keep their block roots current in the background (RootWarmer); these had
      // the history written into their stores directly, so they compute them now, before the clock starts.
      const warming = performance.now();
      while (!peers.every((peer) => internals(peer).sync?.rootsWarm === true)) {
        if (performance.now() - warming > 600_000) throw new Error('serving peers never warmed their roots');
        await sleep(20);
      }
      serverRootsSeconds = (performance.now() - warming) / 1000;
      log(`serving peers' block roots computed in the background in ${round(serverRootsSeconds, 1)} s`);
      for (const [index, threads] of [0, 1].entries()) {
        const run = await joinOnce(mesh, peers, PEERS + index, threads, full ? 1_800_000 : 600_000);
        if (run.entries !== count) throw new Error(`joiner applied ${run.entries} of ${count} entries`);
        const label = threads === 0 ? 'inline' : `pool${threads}`;
        const perSecond = run.verified / run.seconds;
        log(
          `${label}: ${run.entries} entries in ${round(run.seconds, 1)} s from ${run.sources} peers, ${run.verified} checks (${run.cached} cached hits)`,
        );
        figures[`seconds_${label}`] = round(run.seconds, 1);
        figures[`entriesPerSecond_${label}`] = Math.round(run.entries / run.seconds);
        figures[`verifiesPerSecond_${label}`] = Math.round(perSecond);
        figures[`signaturesPerEntry_${label}`] = round(run.verified / run.entries, 3);
        figures[`verifiesVsCeiling_${label}`] = round(perSecond / ceiling, 3);
        figures[`sourcePeers_${label}`] = run.sources;
        units[`seconds_${label}`] = 's (start → ready)';
        units[`entriesPerSecond_${label}`] = 'entries/s';
        units[`verifiesPerSecond_${label}`] = 'Ed25519 checks/s';
        units[`signaturesPerEntry_${label}`] = 'Ed25519 checks';
        units[`verifiesVsCeiling_${label}`] = 'ratio';
        units[`sourcePeers_${label}`] = 'peers';
      }
    } finally {
      await mesh.cleanup();
    }
    return {
      name: 'initial-sync',
      title: this.title,
      setup: {
        entries: count,
        mode: full ? 'full: 1,000,000 entries' : 'quick: 100,000 entries (--full runs 1,000,000)',
        peers: PEERS,
        entryType: 'REVOCATION (one Ed25519 signature each), distinct agents, origins 0–2',
        entriesPerBlock: EPOCH_MS / SPACING_MS,
        epochMs: EPOCH_MS,
        storeFill:
          'signed once in this process, appended to each of the 3 running peers’ SQLite stores (not copied)',
        generationSeconds: round(generationSeconds, 1),
        serverRootsSeconds: round(serverRootsSeconds, 1),
        storageSync: 'normal',
      },
      figures,
      units,
      notes: [
        'time runs from the joiner’s start to syncStatus().ready; signing and storing the history is not counted, nor the serving peers computing their block roots in the background afterwards (serverRootsSeconds: a peer that has been up has them)',
        'checks = the joiner’s MessageVerifier count of Ed25519 checks made (inline or on the pool); cached hits are the engine’s checks answered by a result the pool settled ahead',
        'ceiling = 2 cores × the one-core Ed25519 verify rate measured in this run',
        'inline: verifierThreads 0; pool1: verifierThreads 1',
      ],
    };
  },
};
