// Dissemination between engines wired by hand: the first messages flood and prune the mesh to a tree, after which
// each message crosses each node once; what a tree link loses comes back by IHAVE and GRAFT.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROTOCOL_VERSION } from '../../src/core/messages/fields.js';
import type { Message } from '../../src/core/messages/schemas.js';
import { EngineMesh, type TestEngine } from '../support/engines.js';
import { EntryMaker } from '../support/entries.js';

const N = 8;
const subject = (i: number) => ({ agentId: `agent-${i}`, principalId: 'p' });
const copies = (handled: ReadonlyArray<{ message: Message }>, type: Message['type']) =>
  handled.filter(({ message }) => message.type === type).length;

describe('MeshEngine: dissemination over a tree', () => {
  it('prunes a full mesh to a spanning tree: later updates reach every node with one copy each', () => {
    const mesh = new EngineMesh({ stakes: Array.from({ length: N }, () => 10) });
    const perUpdate: number[] = [];
    for (let i = 0; i < 12; i++) {
      const proposer = mesh.nodes[i % N]!;
      proposer.engine.propose({ ...subject(i), trustScore: 500 + i, event: 'SCORE_UPDATE' });
      const handled = mesh.deliver();
      perUpdate.push(copies(handled, 'TRUST_UPDATE') + copies(handled, 'COMMIT'));
      for (const node of mesh.nodes) assert.equal(node.ledger.size(), i + 1, `update ${i} on every node`);
    }
    // A full mesh of 8 floods 8·7 = 56 copies of each message; a tree carries N − 1 = 7.
    assert.ok(perUpdate[0]! >= 2 * (N - 1) + 10, `the first update floods (${perUpdate[0]} copies)`);
    for (const count of perUpdate.slice(-4)) assert.equal(count, 2 * (N - 1), `steady state: ${perUpdate}`);
  });

  it('repairs a message a tree link lost: announced by IHAVE, asked for by GRAFT, then pushed again', () => {
    const mesh = new EngineMesh({ stakes: Array.from({ length: N }, () => 10) });
    for (let i = 0; i < 8; i++) {
      mesh.nodes[i % N]!.engine.propose({ ...subject(i), trustScore: 500, event: 'SCORE_UPDATE' });
      mesh.deliver();
    }
    const proposer = mesh.nodes[0]!;
    const victim = mesh.nodes[N - 1]!;
    proposer.engine.propose({ ...subject(99), trustScore: 900, event: 'SCORE_UPDATE' });
    // Every COMMIT to the victim is lost on the way, as on a link that drops frames without closing.
    mesh.deliver({
      filter: (_from, to, message) => !(to === victim.engine.nodeId && message.type === 'COMMIT'),
    });
    assert.equal(victim.ledger.size(), 8, 'the victim missed the commit');
    assert.ok(
      mesh.nodes.every((node) => node === victim || node.ledger.size() === 9),
      'everyone else has it',
    );
    let rounds = 0;
    while (victim.ledger.size() < 9 && rounds < 12) {
      mesh.clock.advance(500);
      mesh.tickAll();
      mesh.deliver();
      rounds++;
    }
    assert.equal(victim.ledger.size(), 9, 'repaired');
    assert.ok(rounds <= 8, `within a few lazy rounds (${rounds} half-seconds)`);
    const asked = mesh.handled.filter(
      ({ message, from }) => message.type === 'GRAFT' && from === victim.engine.nodeId,
    );
    assert.ok(asked.length >= 1, 'the victim asked for it');
  });

  it('sends critical events to every neighbour at once, tree or not', () => {
    const mesh = new EngineMesh({ stakes: Array.from({ length: N }, () => 10) });
    for (let i = 0; i < 8; i++) {
      mesh.nodes[i % N]!.engine.propose({ ...subject(i), trustScore: 500, event: 'SCORE_UPDATE' });
      mesh.deliver();
    }
    mesh.nodes[2]!.engine.revoke({ ...subject(1), reason: 'compromised' });
    const handled = mesh.deliver();
    assert.equal(
      copies(handled, 'REVOCATION'),
      N * (N - 1) - (N - 1),
      'each node sends it to all but its sender',
    );
    for (const node of mesh.nodes) assert.equal(node.ledger.size(), 9);
  });

  it('drops a vote for a proposal it never relayed instead of sending it to every neighbour', () => {
    const mesh = new EngineMesh({ stakes: [10, 10, 10] });
    const [a, b, c] = mesh.nodes as [(typeof mesh.nodes)[0], (typeof mesh.nodes)[0], (typeof mesh.nodes)[0]];
    // C votes on a proposal of A's that B never saw, and A is not B's neighbour.
    a.output.setConnected([]);
    b.output.setConnected([c.engine.nodeId]);
    const update = new EntryMaker({ network: mesh.network, clock: mesh.clock }).update(subject(7), {
      origin: 0,
    });
    c.output.setConnected([b.engine.nodeId]);
    c.engine.handle(a.engine.nodeId, update);
    const vote = c.output.drain().find(({ message }) => message.type === 'VOTE')!.message;
    const outcome = b.engine.handle(c.engine.nodeId, vote);
    assert.equal(outcome.kind === 'ignore' && outcome.code, 'TM_ERR_NO_ROUTE');
    assert.equal(b.output.queued, 0, 'nothing sent on');
  });

  it('forwards a live COMMIT that sync stored first, so the nodes below it in the tree still get it', () => {
    // A line a – b – c: b takes the commit from sync before the live copy from a reaches it.
    const mesh = new EngineMesh({ stakes: [10, 10, 10] });
    const [a, b, c] = mesh.nodes as [TestEngine, TestEngine, TestEngine];
    a.output.setConnected([b.engine.nodeId]);
    b.output.setConnected([a.engine.nodeId, c.engine.nodeId]);
    c.output.setConnected([b.engine.nodeId]);
    a.engine.propose({ ...subject(1), trustScore: 700, event: 'SCORE_UPDATE' });
    let held: Message | undefined;
    mesh.deliver({
      filter: (from, to, message) => {
        if (message.type !== 'COMMIT' || from !== a.engine.nodeId || to !== b.engine.nodeId) return true;
        held = message;
        return false;
      },
    });
    assert.ok(held?.type === 'COMMIT', 'the commit was made and held back');
    assert.equal(b.engine.importEntry(held).kind, 'accept', 'sync stores it at b');
    assert.equal(c.ledger.size(), 0, 'c has not got it');
    const outcome = b.engine.handle(a.engine.nodeId, held);
    assert.equal(outcome.kind, 'accept', `the live copy: ${JSON.stringify(outcome)}`);
    mesh.deliver();
    assert.equal(c.ledger.size(), 1, 'c got it through b');
    assert.equal(b.ledger.size(), 1, 'stored once at b');
    assert.equal(mesh.eventsOf(b, 'committed').length, 1, 'one committed event at b (the import)');
    assert.equal(
      mesh.handled.filter(({ message, from }) => message.type === 'PRUNE' && from === b.engine.nodeId).length,
      0,
      'b did not prune the link the live copy came by',
    );
  });

  it('grafts a node cut from a tree back in, and keeps the link when the neighbour answers with a copy', () => {
    const mesh = new EngineMesh({ stakes: [10, 10, 10] });
    const [a, b, c] = mesh.nodes as [TestEngine, TestEngine, TestEngine];
    for (const node of mesh.nodes)
      for (const peer of mesh.nodes) if (peer !== node) node.engine.peerConnected(peer.engine.nodeId);
    mesh.deliver();
    for (let i = 0; i < 3; i++) {
      a.engine.propose({ ...subject(i), trustScore: 500, event: 'SCORE_UPDATE' });
      mesh.deliver();
    }
    // c's link to b is lazy for a's messages already (their copies crossed). PRUNEs crossing copies in flight: a's
    // leaves c with no eager link for a, so it grafts b; b's, coming next, cuts it again, so it grafts a.
    const origin = a.engine.nodeId;
    c.engine.handle(a.engine.nodeId, { type: 'PRUNE', version: PROTOCOL_VERSION, origin });
    c.engine.handle(b.engine.nodeId, { type: 'PRUNE', version: PROTOCOL_VERSION, origin });
    const answer = mesh.deliver();
    const grafts = answer.filter(({ from, message }) => from === c.engine.nodeId && message.type === 'GRAFT');
    assert.deepEqual(
      grafts.map(({ to }) => to),
      [b.engine.nodeId, a.engine.nodeId],
      'each time c grafts one link back, not the one just pruned',
    );
    assert.ok(
      answer.some(
        ({ from, to, message }) =>
          from === a.engine.nodeId && to === c.engine.nodeId && message.type !== 'IHAVE',
      ),
      'a answered its GRAFT with the message named, which c holds',
    );
    assert.ok(
      !answer.some(({ from, message }) => from === c.engine.nodeId && message.type === 'PRUNE'),
      'the answer did not prune the link again',
    );
    // The next update of a reaches c by that link alone.
    a.engine.propose({ ...subject(9), trustScore: 600, event: 'SCORE_UPDATE' });
    mesh.deliver({ filter: (from, to) => !(from === b.engine.nodeId && to === c.engine.nodeId) });
    assert.equal(c.ledger.size(), 4, 'committed at c with b → c cut');
  });
});
