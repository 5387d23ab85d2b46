// The simulator's agenda: a binary min-heap of timed events, earliest first, ties in the order they were added.
// Breaking ties by insertion number (never by object identity or hash order) is what makes a run replayable.

export interface Scheduled<T> {
  readonly at: number;
  /** Insertion number: among events at one instant, the earlier scheduled runs first. */
  readonly order: number;
  readonly event: T;
}

const before = <T>(a: Scheduled<T>, b: Scheduled<T>): boolean =>
  a.at < b.at || (a.at === b.at && a.order < b.order);

export class EventQueue<T> {
  private readonly heap: Scheduled<T>[] = [];
  private added = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, event: T): void {
    const item: Scheduled<T> = { at, order: this.added++, event };
    const { heap } = this;
    heap.push(item);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(item, heap[parent]!)) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = item;
  }

  peek(): Scheduled<T> | undefined {
    return this.heap[0];
  }

  pop(): Scheduled<T> | undefined {
    const { heap } = this;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let index = 0;
    const length = heap.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = last;
    return top;
  }
}
