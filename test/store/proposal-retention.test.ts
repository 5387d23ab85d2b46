import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { ProposalRecord } from '../../src/core/consensus/proposals.js';
import { EntryMaker } from '../support/entries.js';
import { TempStores } from './temp-stores.js';

describe('proposal retention', () => {
  const temp = new TempStores();
  beforeEach(() => temp.setUp());
  afterEach(() => temp.tearDown());

  test('settled proposals older than the cut-off are forgotten; pending ones and the ledger stay', () => {
    const store = temp.open();
    const make = new EntryMaker();
    const record = (settledAt: number | undefined, state: ProposalRecord['state']): ProposalRecord => {
      const update = make.update({ agentId: 'a', principalId: 'p' });
      return {
        id: update.id,
        state,
        update,
        createdAt: 1_000,
        deadline: 11_000,
        ...(settledAt === undefined ? {} : { settledAt }),
        acceptWeight: 0,
        rejectWeight: 0,
        totalStake: 30,
        votes: 0,
        reasons: {},
      };
    };
    const old = record(5_000, 'rejected');
    const recent = record(50_000, 'committed');
    const pending = record(undefined, 'pending');
    for (const proposal of [old, recent, pending]) store.saveProposal(proposal);
    const commit = make.commit({ agentId: 'a', principalId: 'p' });
    store.append(commit);
    assert.equal(store.pruneProposals(10_000), 1);
    assert.equal(store.loadProposal(old.id), null);
    assert.equal(store.loadProposal(recent.id)?.state, 'committed');
    assert.equal(store.loadProposal(pending.id)?.state, 'pending');
    assert.equal(store.size(), 1);
  });
});
