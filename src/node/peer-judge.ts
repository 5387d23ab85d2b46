// Turns what peers send, and where they connect from, into their scores (core/scoring/peer-score.ts) and acts on
// them: a peer below the threshold is disconnected and refused for a while. Rejections close their sender at once.
import type { ErrorCode } from '../core/errors.js';
import { MESSAGE_INFO } from '../core/messages/registry.js';
import type { Message } from '../core/messages/schemas.js';
import type { Outcome } from '../core/outcome.js';
import { DEFAULT_PEER_SCORE, type PeerScoreParams, PeerScores } from '../core/scoring/peer-score.js';
import { TokenBuckets } from '../core/scoring/token-bucket.js';
import type { Clock } from '../core/time.js';
import type { Logger } from '../log.js';
import { ipOf } from '../net/peers/admission.js';
import type { PeerSession } from '../net/peers/peer-manager.js';

export class PeerJudge {
  readonly scores: PeerScores;
  /** Per relay and origin: the excess of that origin an honest relay could bring, which costs it nothing. */
  private readonly relayedExcess: TokenBuckets;

  /**
   * `originBudgetPerMinute` is the largest per-origin budget (the network's rateLimitPerMinute): an honest relay
   * forwards at most that much of one origin a minute, plus the burst, because it keeps the same budget itself.
   */
  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly refuse: (session: PeerSession, code: ErrorCode, detail?: string) => void,
    params: Partial<PeerScoreParams> = {},
    originBudgetPerMinute = 100,
  ) {
    this.scores = new PeerScores({ ...DEFAULT_PEER_SCORE, ...params });
    this.relayedExcess = new TokenBuckets({ perMinute: originBudgetPerMinute, burst: originBudgetPerMinute });
  }

  /** An established session: its IP now counts toward colocation. */
  connected(session: PeerSession): void {
    this.scores.connected(session.nodeId!, ipOf(session.connection.remoteAddress));
  }

  /** The peer has no session left (the caller checks: a duplicate closing leaves its twin connected). */
  disconnected(nodeId: string): void {
    this.scores.disconnected(nodeId);
  }

  /** A connected peer rotated its key: its connection, and so its place on its IP, now goes by the new id. */
  renamed(fromId: string, toId: string): void {
    this.scores.renamed(fromId, toId);
  }

  /** A frame over the peer's connection budget was dropped unhandled (before it was parsed: no message). */
  overBudget(session: PeerSession, message: Message | null): void {
    const peer = session.nodeId!;
    this.scores.excess(peer, this.clock.now());
    this.logger.debug(
      { peer: peer.slice(0, 12), type: message?.type ?? 'frame' },
      'frame over the connection budget dropped',
    );
    this.check(session);
  }

  /** One outcome of a turn: first deliveries earn, excess over a budget costs, invalid input costs more. */
  judged(session: PeerSession, message: Message, outcome: Outcome<unknown>): void {
    const peer = session.nodeId!;
    const now = this.clock.now();
    if (outcome.kind === 'accept') {
      if (MESSAGE_INFO[message.type].scope !== 'link') this.scores.delivered(peer, now);
      return;
    }
    if (outcome.kind === 'reject') this.scores.invalid(peer, now);
    else if (outcome.code === 'TM_ERR_RATE_LIMITED' && this.chargesExcess(peer, message, now))
      this.scores.excess(peer, now);
    else return;
    this.check(session);
  }

  /** False while a peer dropped for its score is refused. */
  admits(nodeId: string): boolean {
    return !this.scores.isGraylisted(nodeId, this.clock.now());
  }

  scoreOf(nodeId: string): number {
    return this.scores.score(nodeId, this.clock.now());
  }

  /** The score a refused peer was dropped with; null unless it is refused now. */
  scoreWhenDropped(nodeId: string): number | null {
    return this.admits(nodeId) ? null : this.scores.scoreWhenDropped(nodeId);
  }

  /**
   * Excess over an origin's budget costs the origin that sent it. A relay forwards what its own view of that
   * budget allowed (a member sending different messages to each neighbour overruns it here through all of them),
   * so it pays only past what an honest relay could forward of that origin: a member cannot then make a node
   * check signatures without end through relays that are never scored.
   */
  private chargesExcess(peer: string, message: Message, now: number): boolean {
    const origin = originOf(message);
    if (origin === null || origin === peer) return true;
    return !this.relayedExcess.take(`${peer}\n${origin}`, now);
  }

  private check(session: PeerSession): void {
    const peer = session.nodeId!;
    if (session.state !== 'established' || !this.scores.shouldDrop(peer, this.clock.now())) return;
    const score = Math.round(this.scores.scoreWhenDropped(peer)!);
    this.refuse(
      session,
      'TM_ERR_PEER_SCORE',
      `score ${score}, refused for ${this.scores.params.graylistMs} ms`,
    );
  }
}

/** The node whose budget a message spends: its signer (a PEER_ANNOUNCE names itself); null for link messages. */
function originOf(message: Message): string | null {
  if (message.type === 'PEER_ANNOUNCE') return message.nodeId;
  return 'origin' in message ? message.origin : null;
}
