// How the client commands print for people (on a terminal, without --json): a few aligned lines per answer.
// Scripts get the API's JSON unchanged (--json, or whenever stdout is not a terminal).
import type { NodeStatus, PeerList, SyncProgress, TrustRecord, UpdateStatus } from '../api/schemas.js';
import type { ChangeEvent } from '../client/client.js';

const short = (id: string | undefined) => (id === undefined ? '-' : id.slice(0, 12));
const pairs = (rows: Array<[string, string | number | boolean]>) => {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n');
};

function duration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

/** One line of sync state: `synced (40 blocks, 2000 entries)` or `syncing 12/40 blocks, 850 entries/s, ETA 3s`. */
export function formatSync(sync: SyncProgress): string {
  const blocks = `${sync.blocksDone}/${sync.blocksTotal} blocks`;
  if (sync.state === 'synced') return `synced (${blocks}, ${sync.entriesApplied} entries fetched)`;
  const eta = sync.etaMs === undefined ? '' : `, ETA ${duration(sync.etaMs)}`;
  return `syncing ${blocks}, ${sync.entriesApplied} entries, ${sync.entriesPerSecond} entries/s${eta} (not ready)`;
}

export function formatStatus(status: NodeStatus): string {
  return pairs([
    ['node', `${status.nodeId} (${status.type}${status.validator ? ', validator' : ''})`],
    ['network', status.network],
    ['endpoint', status.endpoint],
    ['peers', status.peers],
    ['ledger', `${status.ledger.entries} entries, latest seq ${status.ledger.latestSeq}`],
    // Older bridges answer without it.
    ...(status.sync === undefined ? [] : ([['sync', formatSync(status.sync)]] as Array<[string, string]>)),
    ['pending', `${status.pendingProposals} proposal(s)`],
    ['up', duration(status.uptimeMs)],
    ['version', status.version],
  ]);
}

export function formatPeers(peers: PeerList['peers']): string {
  if (peers.length === 0) return 'no peers connected';
  const rows = peers.map((peer) => [
    short(peer.nodeId),
    peer.direction,
    peer.endpoints[0] ?? peer.address,
    peer.capabilities.join(','),
    peer.rttMs === null ? '-' : `${Math.round(peer.rttMs)} ms`,
    peer.score === undefined ? '-' : String(peer.score),
  ]);
  const header = ['PEER', 'DIR', 'ENDPOINT', 'CAPABILITIES', 'RTT', 'SCORE'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatRecord(record: TrustRecord): string {
  const lines = [
    pairs([
      ['record', `${record.agentId} / ${record.principalId}`],
      ['score', record.revoked ? `${record.trustScore} (REVOKED)` : record.trustScore],
      ['updated', record.lastUpdated],
      ['signatures', record.signatures.length],
    ]),
    'history:',
    ...record.updateHistory.map(
      (item) => `  ${item.timestamp}  ${item.event.padEnd(20)}  from ${short(item.fromNode)}`,
    ),
  ];
  return lines.join('\n');
}

export function formatUpdate(update: UpdateStatus): string {
  const reasons = Object.entries(update.reasons).map(([code, count]) => `${code} ×${count}`);
  return pairs([
    ['update', update.id],
    ['status', update.rejection ? `${update.status} (${update.rejection})` : update.status],
    ['record', `${update.agentId} / ${update.principalId}: ${update.trustScore} (${update.event})`],
    [
      'votes',
      `${update.tally.votes}, accepting stake ${update.tally.acceptWeight} of ${update.tally.totalStake}, rejecting ${update.tally.rejectWeight}`,
    ],
    ...(reasons.length > 0 ? ([['reasons', reasons.join(', ')]] as Array<[string, string]>) : []),
    ['deadline', update.deadline],
  ]);
}

/** One line per change on the stream: seq, kind, what it is about. */
export function formatEvent(event: ChangeEvent): string {
  const subject = event.agentId === undefined ? '' : `${event.agentId}/${event.principalId ?? '*'}`;
  const what: Record<string, string> = {
    COMMIT: `${subject} score ${event.trustScore} (${event.event})`,
    REVOCATION: `${subject} revoked: ${event.reason}`,
    KEY_ROTATION: `${short(event.origin)} → ${short(event.newNodeId)}`,
    SECURITY_ALERT:
      `${event.severity} ${event.subject?.kind}:${event.subject?.id} ${event.summary ?? ''}`.trim(),
    BLACKLIST: `${short(event.offender)} blacklisted: ${event.reason}`,
  };
  return `${String(event.seq).padStart(6)}  ${event.timestamp}  ${event.type.padEnd(14)}  ${what[event.type] ?? event.id}  from ${short(event.origin)}`;
}
