// The iterative lookup, driven by hand over a simulated network: α in flight, stops when nothing closer turns
// up, matches a brute-force search, survives silent nodes, and ignores far-away and repeated entries.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { closestFirst } from '../../../src/core/routing/ids.js';
import { Lookup, type LookupPeer } from '../../../src/core/routing/lookup.js';
import { RoutingTable } from '../../../src/core/routing/routing-table.js';

const idOf = (n: number) => createHash('sha256').update(`node-${n}`).digest('hex');
const peer = (nodeId: string): LookupPeer => ({ nodeId, publicKey: 'k', endpoints: [], capabilities: [] });

/** A converged network: every node's k-buckets filled from all the others, answering with its closest. */
function network(size: number, k = 20): Map<string, RoutingTable> {
  const ids = Array.from({ length: size }, (_, n) => idOf(n));
  return new Map(
    ids.map((nodeId) => {
      const table = new RoutingTable(nodeId, { k, maxPerSubnet: size });
      for (const [n, other] of ids.entries())
        table.offer({ ...peer(other), address: `10.${n >> 8}.${n & 255}.1:1`, lastSeen: 0 }, 0);
      return [nodeId, table];
    }),
  );
}

/** Runs a lookup to completion; `silent` nodes never answer; returns the most queries in flight seen. */
function drive(lookup: Lookup, tables: Map<string, RoutingTable>, silent = new Set<string>()) {
  let maxInFlight = 0;
  const inFlight: LookupPeer[] = [];
  for (let round = 0; round < 10_000 && !lookup.done; round++) {
    inFlight.push(...lookup.next());
    maxInFlight = Math.max(maxInFlight, inFlight.length);
    const asked = inFlight.shift();
    if (asked === undefined) break;
    if (silent.has(asked.nodeId)) lookup.failed(asked.nodeId);
    else lookup.answered(asked.nodeId, tables.get(asked.nodeId)?.closest(lookup.target, 20) ?? []);
  }
  return { maxInFlight };
}

describe('Lookup', () => {
  it('finds the same k closest nodes as a brute-force search, α at a time', () => {
    const tables = network(300);
    const all = [...tables.keys()];
    const self = all[0]!;
    const target = idOf(10_000);
    const seeds = tables.get(self)!.closest(self, 3);
    const lookup = new Lookup(self, target, seeds, { alpha: 3, k: 20 });
    const { maxInFlight } = drive(lookup, tables);
    assert.ok(lookup.done);
    assert.equal(maxInFlight, 3);
    const expected = closestFirst(
      target,
      all.filter((id) => id !== self),
      (x) => x,
    ).slice(0, 20);
    assert.deepEqual(
      lookup.result().map((p) => p.nodeId),
      expected,
    );
    assert.ok(lookup.hops >= 1 && lookup.hops < 12, `hops ${lookup.hops}`);
    assert.ok(lookup.asked < 300, 'it did not crawl the whole network');
  });

  it('routes around nodes that never answer', () => {
    const tables = network(100);
    const all = [...tables.keys()];
    const self = all[0]!;
    const target = idOf(5_000);
    const silent = new Set(closestFirst(target, all.slice(1), (x) => x).slice(0, 3));
    const lookup = new Lookup(self, target, tables.get(self)!.closest(target, 20));
    drive(lookup, tables, silent);
    assert.ok(lookup.done);
    const result = lookup.result().map((p) => p.nodeId);
    assert.equal(result.length, 20);
    for (const id of silent) assert.ok(!result.includes(id));
    // Every honest node among the true 20 closest is found, despite the silent ones ahead of it.
    const honestTop = closestFirst(target, all.slice(1), (x) => x)
      .slice(0, 20)
      .filter((id) => !silent.has(id));
    for (const id of honestTop) assert.ok(result.includes(id), id.slice(0, 8));
  });

  it('counts repeated, self and far-away entries; far ones wait in reserve and stand in for failed ones', () => {
    const self = idOf(0);
    const target = '0'.repeat(64);
    const near = Array.from({ length: 4 }, (_, n) => `0${n + 1}`.padEnd(64, '0'));
    const lookup = new Lookup(self, target, [peer(near[0]!)], { k: 3, alpha: 1 });
    assert.deepEqual(
      lookup.next().map((p) => p.nodeId),
      [near[0]],
    );
    const tally = lookup.answered(near[0]!, [
      peer(near[1]!),
      peer(near[1]!),
      peer(self),
      peer(near[2]!),
      peer('f'.repeat(64)),
      peer(near[3]!),
    ]);
    assert.deepEqual(tally, { added: 2, duplicate: 1, far: 2, self: 1, subnet: 0 });
    // An answer from a node that was not asked changes nothing.
    assert.deepEqual(lookup.answered(near[3]!, [peer(`${'0'.repeat(63)}1`)]), {
      added: 0,
      duplicate: 0,
      far: 0,
      self: 0,
      subnet: 0,
    });
    const asked: string[] = [];
    for (let step = 0; step < 2; step++) {
      const [next] = lookup.next();
      asked.push(next!.nodeId);
      lookup.failed(next!.nodeId);
    }
    // With both closer ones failed, the reserve stands in.
    assert.deepEqual(asked, [near[1], near[2]]);
    assert.deepEqual(
      lookup.next().map((p) => p.nodeId),
      [near[3]],
    );
  });

  it('takes at most maxPerSubnet candidates of one subnet from answers, so Sybils cannot crowd the result', () => {
    const self = idOf(0);
    const target = '0'.repeat(64);
    const at = (nodeId: string, host: string): LookupPeer => ({
      ...peer(nodeId),
      endpoints: [`ws://${host}:1/mesh`],
    });
    const honest = at('f'.repeat(64), '10.1.1.1');
    const lookup = new Lookup(self, target, [honest], {
      alpha: 1,
      k: 20,
      maxPerSubnet: 3,
      exemptLoopback: false,
    });
    lookup.next();
    const sybils = Array.from({ length: 20 }, (_, n) =>
      at(`00${n.toString(16).padStart(2, '0')}`.padEnd(64, '1'), '10.6.6.6'),
    );
    const tally = lookup.answered(honest.nodeId, [...sybils, at('8'.repeat(64), '10.2.2.2')]);
    assert.equal(tally.subnet, 17);
    assert.equal(tally.added, 4);
  });

  it('ends at once with no seeds, and when every seed fails', () => {
    assert.ok(new Lookup(idOf(0), idOf(1), []).done);
    const lookup = new Lookup(idOf(0), idOf(1), [peer(idOf(2)), peer(idOf(3))]);
    for (const asked of lookup.next()) lookup.failed(asked.nodeId);
    assert.ok(lookup.done);
    assert.deepEqual(lookup.result(), []);
  });
});
