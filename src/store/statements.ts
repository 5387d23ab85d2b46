// Every SQL statement the store runs, prepared once at open; values always travel as bound parameters.
// Record entries are the only rows with an agent_id, so subject queries need no extra filter on type.
import type Database from 'better-sqlite3';
import type { EntryRow } from './entry-row.js';

export interface HeldEntry {
  seq: number;
  type: string;
  entryId: string;
  agentId: string | null;
  principalId: string | null;
  bytes: number;
}

export interface SeqBody {
  seq: number;
  body: string;
}

export interface SubjectRow {
  agentId: string;
  principalId: string;
  head: string;
}

export interface HistoryRow {
  timestamp: string;
  event: string;
  fromNode: string;
}

export interface PeerRow {
  nodeId: string;
  publicKey: string;
  endpoints: string;
  capabilities: string;
  lastSeenMs: number;
}

/** What the store uses of a prepared statement; naming it keeps better-sqlite3's types out of our declarations. */
export interface Stmt<P extends unknown[], R> {
  run(...params: P): Database.RunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

const HISTORY_COLUMNS = 'timestamp, event, origin AS fromNode';
const SUBJECT = 'agent_id = ? AND principal_id = ?';

export function prepareStatements(db: Database.Database) {
  const one = <P extends unknown[], R>(sql: string): Stmt<P, R> => db.prepare<P, R>(sql);
  // A one-column result read as plain values rather than row objects.
  const values = <P extends unknown[], R>(sql: string): Stmt<P, R> => db.prepare<P, R>(sql).pluck();
  return {
    insertEntry: one<[EntryRow], never>(
      `INSERT OR IGNORE INTO entries
         (key, type, entry_id, agent_id, principal_id, at_ms, order_id, timestamp, event, origin, touched, body, bytes)
       VALUES (@key, @type, @entryId, @agentId, @principalId, @atMs, @orderId, @timestamp, @event, @origin,
               @touched, @body, @bytes)`,
    ),
    hasKey: values<[string], number>('SELECT 1 FROM entries WHERE key = ?'),
    bodyByKey: values<[string], string>('SELECT body FROM entries WHERE key = ?'),
    heldByKey: one<[string], HeldEntry>(
      `SELECT seq, type, entry_id AS entryId, agent_id AS agentId, principal_id AS principalId, bytes
       FROM entries WHERE key = ?`,
    ),
    deleteEntry: one<[number], never>('DELETE FROM entries WHERE seq = ?'),
    subjectBodies: values<[string, string], string>(`SELECT body FROM entries WHERE ${SUBJECT}`),
    subjectTotals: one<[string, string], { count: number; bytes: number }>(
      `SELECT COUNT(*) AS count, COALESCE(SUM(bytes), 0) AS bytes FROM entries WHERE ${SUBJECT}`,
    ),
    deleteSubjectEntries: one<[string, string], never>(`DELETE FROM entries WHERE ${SUBJECT}`),
    history: one<[string, string], HistoryRow>(
      `SELECT ${HISTORY_COLUMNS} FROM entries WHERE ${SUBJECT} ORDER BY at_ms, order_id, origin`,
    ),
    historyPage: one<[string, string, number, number], HistoryRow>(
      `SELECT ${HISTORY_COLUMNS} FROM entries WHERE ${SUBJECT} ORDER BY at_ms, order_id, origin LIMIT ? OFFSET ?`,
    ),
    historyCount: values<[string, string], number>(`SELECT COUNT(*) FROM entries WHERE ${SUBJECT}`),
    agentPage: one<[string, number, number], SeqBody>(
      `SELECT seq, body FROM entries INDEXED BY entries_by_agent_seq
       WHERE agent_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    // The (agent, seq) index serves one principal too; the other index would sort the subject's whole history.
    subjectPage: one<[string, string, number, number], SeqBody>(
      `SELECT seq, body FROM entries INDEXED BY entries_by_agent_seq
       WHERE agent_id = ? AND principal_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    ofTypes: values<[string], string>(
      `SELECT body FROM entries WHERE type IN (SELECT value FROM json_each(?)) ORDER BY at_ms, order_id, origin, seq`,
    ),
    since: one<[number, number], SeqBody>('SELECT seq, body FROM entries WHERE seq > ? ORDER BY seq LIMIT ?'),
    latestSeq: values<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'entries'"),
    oldestEvictable: one<[], { seq: number; touched: number; bytes: number }>(
      'SELECT seq, touched, bytes FROM entries WHERE touched IS NOT NULL ORDER BY touched LIMIT 1',
    ),
    entryTotals: one<[], { count: number; bytes: number }>(
      'SELECT COUNT(*) AS count, COALESCE(SUM(bytes), 0) AS bytes FROM entries',
    ),
    maxTouched: values<[], number>(
      `SELECT MAX(COALESCE((SELECT MAX(touched) FROM records), 0),
                  COALESCE((SELECT MAX(touched) FROM entries), 0))`,
    ),

    head: values<[string, string], string>(`SELECT head FROM records WHERE ${SUBJECT}`),
    upsertRecord: one<[string, string, string, number], never>(
      `INSERT INTO records (agent_id, principal_id, head, record_hash, touched) VALUES (?, ?, ?, NULL, ?)
       ON CONFLICT (agent_id, principal_id)
       DO UPDATE SET head = excluded.head, record_hash = NULL, touched = excluded.touched`,
    ),
    deleteRecord: one<[string, string], never>(`DELETE FROM records WHERE ${SUBJECT}`),
    recordsOfAgent: one<[string], SubjectRow>(
      `SELECT agent_id AS agentId, principal_id AS principalId, head FROM records
       WHERE agent_id = ? ORDER BY principal_id`,
    ),
    unhashed: one<[number], SubjectRow>(
      `SELECT agent_id AS agentId, principal_id AS principalId, head FROM records
       WHERE record_hash IS NULL LIMIT ?`,
    ),
    setHash: one<[string, string, string], never>(`UPDATE records SET record_hash = ? WHERE ${SUBJECT}`),
    // The covering index reads 64 bytes a record instead of every head.
    allHashes: values<[], string>('SELECT record_hash FROM records INDEXED BY records_by_hash'),
    touchRecord: one<[number, string, string], never>(
      `UPDATE records SET touched = MAX(touched, ?) WHERE ${SUBJECT}`,
    ),
    oldestRecord: one<[], { agentId: string; principalId: string; touched: number }>(
      `SELECT agent_id AS agentId, principal_id AS principalId, touched FROM records
       ORDER BY touched LIMIT 1`,
    ),
    recordCount: values<[], number>('SELECT COUNT(*) FROM records'),
    recentSubjects: one<[number], { agentId: string; principalId: string }>(
      `SELECT agent_id AS agentId, principal_id AS principalId FROM records ORDER BY touched DESC LIMIT ?`,
    ),

    upsertProposal: one<[string, string, string, number], never>(
      `INSERT INTO proposals (id, state, body, updated_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, body = excluded.body, updated_ms = excluded.updated_ms`,
    ),
    proposal: values<[string], string>('SELECT body FROM proposals WHERE id = ?'),
    pendingProposals: values<[], string>("SELECT body FROM proposals WHERE state = 'pending'"),
    pruneProposals: one<[number], never>("DELETE FROM proposals WHERE state != 'pending' AND updated_ms < ?"),

    upsertPeer: one<[string, string, string, string, number], never>(
      `INSERT INTO peers (node_id, public_key, endpoints, capabilities, last_seen_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (node_id) DO UPDATE SET public_key = excluded.public_key, endpoints = excluded.endpoints,
         capabilities = excluded.capabilities, last_seen_ms = excluded.last_seen_ms`,
    ),
    peers: one<[number], PeerRow>(
      `SELECT node_id AS nodeId, public_key AS publicKey, endpoints, capabilities, last_seen_ms AS lastSeenMs
       FROM peers ORDER BY last_seen_ms DESC, node_id LIMIT ?`,
    ),
    deletePeer: one<[string], never>('DELETE FROM peers WHERE node_id = ?'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
