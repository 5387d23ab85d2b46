// What a run measures: when each proposal committed at its proposer and reached every node, when each revocation
// was applied where, and frames received per node. Plain maps keyed by `origin:id`, filled from engine events.

export interface ProposalTrace {
  readonly node: number;
  readonly agentId: string;
  readonly openedAt: number;
  key: string | null;
  /** When its proposer committed it. */
  committedAt: number | undefined;
  status: string;
  reason: string | undefined;
  /** Virtual time each node stored the commit, by node index. */
  readonly reached: Map<number, number>;
}

export interface RevocationTrace {
  readonly node: number;
  readonly agentId: string;
  readonly issuedAt: number;
  key: string | null;
  readonly applied: Map<number, number>;
}

export class Measurements {
  readonly proposals: ProposalTrace[] = [];
  readonly revocations: RevocationTrace[] = [];
  /** Frames handed to each node's engine (after the wire). */
  readonly received: number[];
  private readonly proposalsByKey = new Map<string, ProposalTrace>();
  private readonly revocationsByKey = new Map<string, RevocationTrace>();
  /** The proposal or revocation being made right now, before its id is known (it may settle inside the call). */
  private opening: ProposalTrace | RevocationTrace | null = null;

  constructor(nodes: number) {
    this.received = new Array(nodes).fill(0);
  }

  openProposal(node: number, at: number, agentId: string): ProposalTrace {
    const trace: ProposalTrace = {
      node,
      agentId,
      openedAt: at,
      key: null,
      committedAt: undefined,
      status: 'pending',
      reason: undefined,
      reached: new Map(),
    };
    this.proposals.push(trace);
    this.opening = trace;
    return trace;
  }

  nameProposal(trace: ProposalTrace, key: string): void {
    trace.key = key;
    this.proposalsByKey.set(key, trace);
    this.opening = null;
  }

  private proposal(key: string): ProposalTrace | undefined {
    const known = this.proposalsByKey.get(key);
    if (known !== undefined || this.opening === null || !('reached' in this.opening)) return known;
    this.nameProposal(this.opening, key);
    return this.proposalsByKey.get(key);
  }

  committed(key: string, node: number, at: number, proposedHere: boolean): ProposalTrace | undefined {
    const trace = this.proposal(key);
    if (trace === undefined) return undefined;
    if (proposedHere) {
      trace.committedAt = at;
      trace.status = 'committed';
    }
    if (!trace.reached.has(node)) trace.reached.set(node, at);
    return trace;
  }

  settled(key: string, status: string, reason: string | undefined): void {
    const trace = this.proposal(key);
    if (trace === undefined || trace.status === 'committed') return;
    trace.status = status;
    trace.reason = reason;
  }

  openRevocation(node: number, at: number, agentId: string): RevocationTrace {
    const trace: RevocationTrace = { node, agentId, issuedAt: at, key: null, applied: new Map() };
    this.revocations.push(trace);
    this.opening = trace;
    return trace;
  }

  nameRevocation(trace: RevocationTrace, key: string): void {
    trace.key = key;
    this.revocationsByKey.set(key, trace);
    this.opening = null;
  }

  revocationApplied(key: string, node: number, at: number): void {
    let trace = this.revocationsByKey.get(key);
    if (trace === undefined && this.opening !== null && 'applied' in this.opening) {
      this.nameRevocation(this.opening, key);
      trace = this.revocationsByKey.get(key);
    }
    if (trace !== undefined && !trace.applied.has(node)) trace.applied.set(node, at);
  }
}
