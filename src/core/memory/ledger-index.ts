// The memory ledger's indexes: entries by key, by agent and by subject (each in storage order), with record heads.
// Every change goes through here with its exact inverse, so a failed transaction can be undone step by step.
import { ledgerKey } from '../ledger.js';
import type { LedgerEntry } from '../messages/schemas.js';
import {
  applyToHead,
  type HistoryItem,
  historyItemOf,
  orderOf,
  type RecordEntry,
  type RecordHead,
  subjectOf,
} from '../state/record.js';
import { compareOrder, type OrderKey, parseTimestamp } from '../time.js';

/** One stored entry: what the store keeps in an `entries` row, with the same order columns. */
export interface StoredEntry {
  /** Storage order, like SQLite's AUTOINCREMENT seq: never reused, a replacement gets a new one. */
  readonly seq: number;
  readonly key: string;
  readonly entry: LedgerEntry;
  readonly order: OrderKey;
  readonly subject: SubjectState | null;
}

export interface SubjectState {
  readonly agentId: string;
  readonly principalId: string;
  head: RecordHead;
  /** This subject's entries in seq order. */
  readonly entries: StoredEntry[];
  /** Hash of the record as last built; null when it changed since. */
  hash: string | null;
}

interface AgentState {
  readonly subjects: Map<string, SubjectState>;
  /** The agent's entries, all principals, in seq order (what paged answers to light nodes walk). */
  readonly entries: StoredEntry[];
}

export type Undo = () => void;

const isRecordEntry = (entry: LedgerEntry): entry is RecordEntry =>
  entry.type === 'COMMIT' || entry.type === 'REVOCATION';

/** The columns the store orders by (at_ms, order_id, origin), computed by the same core functions. */
function orderColumns(entry: LedgerEntry): OrderKey {
  if (isRecordEntry(entry)) return orderOf(entry);
  return { at: parseTimestamp(entry.timestamp) ?? 0, id: entry.id, origin: entry.origin };
}

/** Entries are kept as frozen copies of their JSON form: what a store hands back, and no caller can alter it. */
function frozenCopy<T>(value: T): T {
  const copy = JSON.parse(JSON.stringify(value)) as T;
  const freeze = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    Object.freeze(node);
    for (const child of Object.values(node)) freeze(child);
  };
  freeze(copy);
  return copy;
}

export class LedgerIndex {
  readonly byKey = new Map<string, StoredEntry>();
  private readonly agents = new Map<string, AgentState>();
  private nextSeq = 1;

  subject(agentId: string, principalId: string): SubjectState | undefined {
    return this.agents.get(agentId)?.subjects.get(principalId);
  }

  subjectsOf(agentId: string): SubjectState[] {
    return [...(this.agents.get(agentId)?.subjects.values() ?? [])];
  }

  *allSubjects(): Iterable<SubjectState> {
    for (const agent of this.agents.values()) yield* agent.subjects.values();
  }

  /** The agent's entries (one principal, or all) in seq order. */
  entriesOf(agentId: string, principalId: string | undefined): readonly StoredEntry[] {
    const agent = this.agents.get(agentId);
    if (agent === undefined) return [];
    if (principalId === undefined) return agent.entries;
    return agent.subjects.get(principalId)?.entries ?? [];
  }

  /** Adds an entry under a free key and folds it into its subject's head; returns how to take it back. */
  insert(entry: LedgerEntry): Undo {
    const seq = this.nextSeq++;
    const copy = frozenCopy(entry);
    const key = ledgerKey(copy);
    if (!isRecordEntry(copy)) {
      this.byKey.set(key, { seq, key, entry: copy, order: orderColumns(copy), subject: null });
      return () => {
        this.byKey.delete(key);
        this.nextSeq = seq;
      };
    }
    const { agentId, principalId } = subjectOf(copy);
    const newAgent = !this.agents.has(agentId);
    const agent: AgentState = this.agents.get(agentId) ?? { subjects: new Map(), entries: [] };
    if (newAgent) this.agents.set(agentId, agent);
    const held = agent.subjects.get(principalId);
    const subject: SubjectState = held ?? {
      agentId,
      principalId,
      head: applyToHead(null, copy),
      entries: [],
      hash: null,
    };
    const before = { head: subject.head, hash: subject.hash };
    if (held === undefined) agent.subjects.set(principalId, subject);
    else subject.head = applyToHead(subject.head, copy);
    subject.hash = null;
    const stored: StoredEntry = { seq, key, entry: copy, order: orderColumns(copy), subject };
    this.byKey.set(key, stored);
    subject.entries.push(stored);
    agent.entries.push(stored);
    return () => {
      agent.entries.pop();
      subject.entries.pop();
      this.byKey.delete(key);
      Object.assign(subject, before);
      if (held === undefined) agent.subjects.delete(principalId);
      if (newAgent) this.agents.delete(agentId);
      this.nextSeq = seq;
    };
  }

  /** Removes a stored entry (the rare path: an equivocation's loser) and refolds its subject's head. */
  remove(stored: StoredEntry): Undo {
    this.byKey.delete(stored.key);
    const { subject } = stored;
    if (subject === null) return () => this.byKey.set(stored.key, stored);
    const agent = this.agents.get(subject.agentId)!;
    const inSubject = subject.entries.indexOf(stored);
    const inAgent = agent.entries.indexOf(stored);
    subject.entries.splice(inSubject, 1);
    agent.entries.splice(inAgent, 1);
    const before = { head: subject.head, hash: subject.hash };
    let head: RecordHead | null = null;
    for (const { entry } of subject.entries) head = applyToHead(head, entry as RecordEntry);
    const emptied = head === null;
    if (emptied) agent.subjects.delete(subject.principalId);
    else subject.head = head!;
    subject.hash = null;
    const agentEmptied = agent.subjects.size === 0;
    if (agentEmptied) this.agents.delete(subject.agentId);
    return () => {
      if (agentEmptied) this.agents.set(subject.agentId, agent);
      if (emptied) agent.subjects.set(subject.principalId, subject);
      Object.assign(subject, before);
      agent.entries.splice(inAgent, 0, stored);
      subject.entries.splice(inSubject, 0, stored);
      this.byKey.set(stored.key, stored);
    };
  }

  /** A subject's history in the store's order: (timestamp, id, origin), then storage order. */
  history(subject: SubjectState): HistoryItem[] {
    return [...subject.entries].sort(byOrderThenSeq).map(({ entry }) => historyItemOf(entry as RecordEntry));
  }

  /** Entries of the given types in the store's order: (timestamp, id, origin), then storage order. */
  ofTypes(types: readonly LedgerEntry['type'][]): LedgerEntry[] {
    const wanted = new Set(types);
    return [...this.byKey.values()]
      .filter(({ entry }) => wanted.has(entry.type))
      .sort(byOrderThenSeq)
      .map(({ entry }) => entry);
  }
}

const byOrderThenSeq = (a: StoredEntry, b: StoredEntry): number =>
  compareOrder(a.order, b.order) || a.seq - b.seq;
