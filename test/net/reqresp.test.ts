// RequestTracker on hand-moved timers: ids, matching by id and peer, deadlines, the per-peer cap with waiting,
// a peer leaving, a failed send, and stop() settling everything and clearing every timer.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RequestOutcome, TimerScheduler } from '../../src/net/reqresp/interface.js';
import { RequestTracker } from '../../src/net/reqresp/request-tracker.js';

/** Timers that fire only when the test advances time. */
class ManualTimers implements TimerScheduler {
  private now = 0;
  private nextHandle = 0;
  private readonly timers = new Map<number, { at: number; run: () => void }>();

  setTimeout(run: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.timers.set(handle, { at: this.now + ms, run });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  advance(ms: number): void {
    this.now += ms;
    const due = [...this.timers]
      .filter(([, timer]) => timer.at <= this.now)
      .sort((a, b) => a[1].at - b[1].at);
    for (const [handle, timer] of due) {
      if (!this.timers.delete(handle)) continue;
      timer.run();
    }
  }

  get armed(): number {
    return this.timers.size;
  }
}

/** A promise's outcome once it has settled, or undefined while it has not. */
function watch<R>(promise: Promise<RequestOutcome<R>>): { outcome: RequestOutcome<R> | undefined } {
  const box: { outcome: RequestOutcome<R> | undefined } = { outcome: undefined };
  void promise.then((outcome) => {
    box.outcome = outcome;
  });
  return box;
}

type Watched = ReturnType<typeof watch<string>>;

/** The failure code of a settled request, 'answered', or 'pending'. */
const codeOf = (watched: Watched): string => {
  const { outcome } = watched;
  if (outcome === undefined) return 'pending';
  return outcome.kind === 'failed' ? outcome.code : 'answered';
};

/** Lets resolved promises run their callbacks. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(maxOutstandingPerPeer = 2, timeoutMs = 1_000) {
  const timers = new ManualTimers();
  const sent: Array<{ peerId: string; id: string }> = [];
  let counter = 0;
  const tracker = new RequestTracker<string>(
    { timeoutMs, maxOutstandingPerPeer },
    { scheduler: timers, nextId: () => `id-${counter++}` },
  );
  const ask = (peerId: string, deliver = true) =>
    watch(
      tracker.request(peerId, (id) => {
        sent.push({ peerId, id });
        return deliver;
      }),
    );
  return { timers, sent, tracker, ask };
}

describe('RequestTracker', () => {
  test('an answer ends a request only when it comes from the asked peer under its id', async () => {
    const { tracker, sent, ask } = setup();
    const request = ask('peer-a');
    assert.deepEqual(sent, [{ peerId: 'peer-a', id: 'id-0' }], 'ids come from the injected source');
    assert.equal(tracker.respond('peer-b', 'id-0', 'from someone else'), false);
    assert.equal(tracker.respond('peer-a', 'id-9', 'unknown id'), false);
    await settle();
    assert.equal(request.outcome, undefined);
    assert.equal(tracker.respond('peer-a', 'id-0', 'the answer'), true);
    await settle();
    assert.deepEqual(request.outcome, { kind: 'answered', response: 'the answer' });
    assert.equal(tracker.respond('peer-a', 'id-0', 'again'), false, 'answered once');
    assert.deepEqual(tracker.peers(), [], 'nothing left of the peer');
  });

  test('a request times out at its deadline, not before, and a late answer is not matched', async () => {
    const { tracker, timers, ask } = setup(2, 1_000);
    const request = ask('peer-a');
    timers.advance(999);
    await settle();
    assert.equal(codeOf(request), 'pending');
    timers.advance(1);
    await settle();
    assert.equal(codeOf(request), 'TM_ERR_REQUEST_TIMEOUT');
    assert.equal(tracker.respond('peer-a', 'id-0', 'late'), false);
    assert.equal(timers.armed, 0);
  });

  test('past the per-peer cap requests wait their turn, and each deadline runs from its own send', async () => {
    const { tracker, timers, sent, ask } = setup(2, 1_000);
    const first = ask('peer-a');
    const second = ask('peer-a');
    const third = ask('peer-a');
    const elsewhere = ask('peer-b');
    assert.deepEqual(
      sent.map((s) => `${s.peerId}/${s.id}`),
      ['peer-a/id-0', 'peer-a/id-1', 'peer-b/id-2'],
      'the third waits; other peers have their own slots',
    );
    assert.equal(tracker.outstanding('peer-a'), 2);
    assert.equal(tracker.waiting('peer-a'), 1);
    timers.advance(600);
    assert.equal(tracker.respond('peer-a', 'id-1', 'two'), true);
    assert.deepEqual(sent.at(-1), { peerId: 'peer-a', id: 'id-3' }, 'a freed slot sends the waiting one');
    timers.advance(400);
    await settle();
    assert.equal(codeOf(first), 'TM_ERR_REQUEST_TIMEOUT');
    assert.deepEqual(second.outcome, { kind: 'answered', response: 'two' });
    assert.equal(codeOf(third), 'pending', 'sent 400 ms ago: its deadline is still ahead');
    assert.equal(codeOf(elsewhere), 'TM_ERR_REQUEST_TIMEOUT');
    timers.advance(600);
    await settle();
    assert.equal(codeOf(third), 'TM_ERR_REQUEST_TIMEOUT');
    assert.equal(timers.armed, 0);
  });

  test('a peer leaving ends what was sent to it and what waits for it; other peers are untouched', async () => {
    const { tracker, timers, ask } = setup(1);
    const sentToA = ask('peer-a');
    const waitingForA = ask('peer-a');
    const sentToB = ask('peer-b');
    tracker.peerGone('peer-a');
    await settle();
    for (const request of [sentToA, waitingForA]) assert.equal(codeOf(request), 'TM_ERR_PEER_DISCONNECTED');
    assert.equal(codeOf(sentToB), 'pending');
    assert.equal(timers.armed, 1, "only peer-b's deadline is left");
    assert.deepEqual(tracker.peers(), ['peer-b']);
  });

  test('a request that cannot be sent ends at once, and so does everything waiting for that peer', async () => {
    const { tracker, timers, ask } = setup(1);
    const pending = ask('peer-a');
    const waiting = ask('peer-a', false);
    assert.equal(tracker.respond('peer-a', 'id-0', 'one'), true);
    await settle();
    assert.deepEqual(pending.outcome, { kind: 'answered', response: 'one' });
    assert.equal(codeOf(waiting), 'TM_ERR_PEER_DISCONNECTED');
    const unsent = ask('peer-a', false);
    await settle();
    assert.equal(codeOf(unsent), 'TM_ERR_PEER_DISCONNECTED');
    assert.equal(timers.armed, 0);
    assert.deepEqual(tracker.peers(), []);
  });

  test('stop() settles every request, clears every timer, and later requests end at once', async () => {
    const { tracker, timers, sent, ask } = setup(1);
    const requests = [ask('peer-a'), ask('peer-a'), ask('peer-b')];
    tracker.stop();
    await settle();
    for (const request of requests) assert.equal(codeOf(request), 'TM_ERR_NOT_RUNNING');
    assert.equal(timers.armed, 0);
    const sentBefore = sent.length;
    const later = ask('peer-a');
    await settle();
    assert.equal(codeOf(later), 'TM_ERR_NOT_RUNNING');
    assert.equal(sent.length, sentBefore, 'nothing is sent after stop');
  });

  test('without an injected source, ids are distinct; a cap below one is refused', () => {
    const tracker = new RequestTracker<string>(
      { timeoutMs: 1_000, maxOutstandingPerPeer: 8 },
      { scheduler: new ManualTimers() },
    );
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) void tracker.request('peer-a', (id) => ids.push(id) > 0);
    assert.equal(new Set(ids).size, 5);
    tracker.stop();
    assert.throws(
      () => new RequestTracker({ timeoutMs: 1_000, maxOutstandingPerPeer: 0 }),
      (error: Error & { code?: string }) => error.code === 'TM_ERR_CONFIG_INVALID',
    );
  });
});
