// MeshEngine while catching up (sync): no votes until caught up, then votes on proposals still fresh; QUERY
// refused with SYNC_REFUSED. Engines wired by hand on a manual clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Query } from '../../src/core/messages/schemas.js';
import { EngineMesh } from '../support/engines.js';

const alice = { agentId: 'agent-alice', principalId: 'principal-1' };

describe('MeshEngine: catching up', () => {
  it('defers its vote until caught up, then votes and the proposal commits', () => {
    const mesh = new EngineMesh({ stakes: [10, 10] });
    const [a, b] = mesh.nodes as [(typeof mesh.nodes)[0], (typeof mesh.nodes)[0]];
    b.engine.setCatchingUp(true);
    const proposed = a.engine.propose({ ...alice, trustScore: 700, event: 'VERIFICATION_SUCCESS' });
    mesh.deliver();
    assert.equal(b.output.sent.filter(({ message }) => message.type === 'VOTE').length, 0, 'no vote yet');
    assert.equal(a.engine.proposalStatus(proposed.id)?.state, 'pending');
    b.engine.setCatchingUp(false);
    assert.equal(b.output.sent.filter(({ message }) => message.type === 'VOTE').length, 1);
    mesh.deliver();
    assert.equal(a.engine.proposalStatus(proposed.id)?.state, 'committed');
  });

  it('forgets deferred proposals that went stale, and its own proposal waits for its own vote', () => {
    const mesh = new EngineMesh({ stakes: [10, 0] });
    const [a, b] = mesh.nodes as [(typeof mesh.nodes)[0], (typeof mesh.nodes)[0]];
    a.engine.setCatchingUp(true);
    const own = a.engine.propose({ ...alice, trustScore: 700, event: 'VERIFICATION_SUCCESS' });
    assert.equal(a.engine.proposalStatus(own.id)?.state, 'pending');
    a.engine.setCatchingUp(false);
    assert.equal(a.engine.proposalStatus(own.id)?.state, 'committed', 'its own stake decides once caught up');
    b.engine.setCatchingUp(true);
    const query: Query = { type: 'QUERY', version: '1.0', id: 'q-1', agentId: 'agent-alice' };
    const outcome = b.engine.handle(a.engine.nodeId, query);
    assert.equal(outcome.kind, 'ignore');
    const refusal = b.output.sent.find(({ message }) => message.type === 'SYNC_REFUSED');
    assert.ok(refusal !== undefined);
    assert.deepEqual(
      { id: (refusal.message as { id: string }).id, code: (refusal.message as { code: string }).code },
      { id: 'q-1', code: 'TM_ERR_SYNCING' },
    );
    // A proposal seen while catching up and dated past the clock skew by the time it has caught up gets no vote.
    const late = a.engine.propose({
      agentId: 'agent-bob',
      principalId: 'principal-1',
      trustScore: 600,
      event: 'SCORE_UPDATE',
    });
    mesh.deliver();
    mesh.clock.advance(mesh.network.params.clockSkewMs + 1);
    const before = b.engine.stats.votesCast;
    b.engine.setCatchingUp(false);
    assert.equal(b.engine.stats.votesCast, before);
    assert.ok(late.id.length > 0);
  });
});
