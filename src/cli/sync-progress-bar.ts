// The one-line sync progress bar `trust-mesh start` draws on stderr while a node catches up, when stderr is a
// terminal: blocks done of planned, entries/s and ETA, redrawn on each 'sync' event and erased once synced.
import type { TrustMeshNode } from '../node/node.js';
import type { SyncStatus } from '../node/sync/progress.js';

const BAR_CELLS = 24;

function eta(ms: number | undefined): string {
  if (ms === undefined) return 'ETA -';
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `ETA ${seconds}s`;
  if (seconds < 3600) return `ETA ${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `ETA ${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** `syncing [#########---------------]  12/32 blocks  850 entries/s  ETA 3s`, cut to `columns`. */
export function formatSyncBar(status: SyncStatus, columns = 80): string {
  if (status.state === 'synced')
    return `synced: ${status.blocksDone} blocks, ${status.entriesApplied} entries`.slice(0, columns);
  // Nothing planned yet: the node is still asking peers what they hold.
  const fraction = status.blocksTotal === 0 ? 0 : Math.min(1, status.blocksDone / status.blocksTotal);
  const filled = Math.round(fraction * BAR_CELLS);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_CELLS - filled)}]`;
  const line =
    `syncing ${bar}  ${status.blocksDone}/${status.blocksTotal} blocks  ` +
    `${status.entriesPerSecond} entries/s  ${eta(status.etaMs)}`;
  return line.slice(0, Math.max(0, columns - 1));
}

/** What the bar draws on: stderr in practice. */
export interface BarStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

/** Draws the bar while the node syncs; off (returns a no-op) unless the stream is a terminal. */
export function showSyncProgress(node: TrustMeshNode, stream: BarStream): () => void {
  if (stream.isTTY !== true || node.syncStatus().ready) return () => {};
  let shown = false;
  const draw = (status: SyncStatus) => {
    if (status.ready) {
      stop();
      return;
    }
    stream.write(`\r\x1b[2K${formatSyncBar(status, stream.columns ?? 80)}`);
    shown = true;
  };
  const stop = () => {
    node.off('sync', draw);
    if (shown) stream.write('\r\x1b[2K');
    shown = false;
  };
  node.on('sync', draw);
  draw(node.syncStatus());
  return stop;
}
