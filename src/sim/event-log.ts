// The run's event log: one `(time, node, event)` line per step, folded into a SHA-256 digest as it is written.
// Two runs with the same seed must give the same digest; the last lines are kept to show around a failure.
import { createHash, type Hash } from 'node:crypto';

/** Lines kept in memory when the whole log is not wanted: enough context around a broken invariant. */
const TAIL_LINES = 200;

export class EventLog {
  private readonly hash: Hash = createHash('sha256');
  private readonly tail: string[] = [];
  /** Every line, when the caller asked for the whole log. */
  readonly lines: string[] | null;
  count = 0;

  constructor(keepAll: boolean) {
    this.lines = keepAll ? [] : null;
  }

  /** `node` is a node index, or -1 for the network itself. Times print to the microsecond. */
  write(time: number, node: number, event: string): void {
    const line = `${time.toFixed(3)} ${node < 0 ? '-' : `n${node}`} ${event}`;
    this.hash.update(line);
    this.hash.update('\n');
    this.count++;
    if (this.lines !== null) this.lines.push(line);
    this.tail.push(line);
    if (this.tail.length > 2 * TAIL_LINES) this.tail.splice(0, TAIL_LINES);
  }

  lastLines(count = 20): string[] {
    return this.tail.slice(-count);
  }

  /** Hex SHA-256 over every line written so far (the log stays open). */
  digest(): string {
    return this.hash.copy().digest('hex');
  }
}
