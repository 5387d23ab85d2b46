// Who is linked to whom at the start of a run: seeded random graphs (each node dials d others), rings, full meshes.
// Also shortest paths (breadth-first hop counts), which give the lower bound a flood can be compared against.
import { SeededRandom } from '../core/memory/seeded-entropy.js';

export type TopologySpec =
  | { readonly kind: 'random'; readonly dials: number }
  | { readonly kind: 'ring' }
  | { readonly kind: 'full' };

/** Undirected adjacency: neighbours of node i in ascending order, no self links, no duplicates. */
export type Adjacency = readonly (readonly number[])[];

export function buildTopology(spec: TopologySpec, nodes: number, seed: number): Adjacency {
  const links = Array.from({ length: nodes }, () => new Set<number>());
  const link = (a: number, b: number): void => {
    if (a === b) return;
    links[a]!.add(b);
    links[b]!.add(a);
  };
  if (spec.kind === 'full') {
    for (let a = 0; a < nodes; a++) for (let b = a + 1; b < nodes; b++) link(a, b);
  } else if (spec.kind === 'ring') {
    for (let a = 0; a < nodes && nodes > 1; a++) link(a, (a + 1) % nodes);
  } else {
    // Its own stream, so the graph depends on the seed but not on how many draws the rest of the run makes.
    const random = new SeededRandom(seed ^ 0x70b0_1057);
    const dials = Math.min(spec.dials, nodes - 1);
    for (let a = 0; a < nodes; a++) {
      const chosen = new Set<number>();
      while (chosen.size < dials) {
        const b = Math.floor(random.next() * nodes);
        if (b !== a) chosen.add(b);
      }
      for (const b of chosen) link(a, b);
    }
    joinComponents(links);
  }
  return links.map((set) => [...set].sort((x, y) => x - y));
}

/** A random graph may (rarely) fall apart: link each stray component's lowest node to node 0's component. */
function joinComponents(links: Set<number>[]): void {
  const adjacency = links.map((set) => [...set]);
  const reached = hopsFrom(adjacency, 0);
  for (let node = 0; node < links.length; node++) {
    if (reached[node] !== -1) continue;
    links[node]!.add(0);
    links[0]!.add(node);
    for (const [other, hops] of hopsFrom(
      links.map((set) => [...set]),
      0,
    ).entries())
      reached[other] = hops;
  }
}

/** Hop counts from `source` to every node (-1 where unreachable). */
export function hopsFrom(adjacency: Adjacency, source: number): number[] {
  const hops = new Array<number>(adjacency.length).fill(-1);
  hops[source] = 0;
  const queue = [source];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (const next of adjacency[node]!) {
      if (hops[next] !== -1) continue;
      hops[next] = hops[node]! + 1;
      queue.push(next);
    }
  }
  return hops;
}

/** Hops within which `fraction` of all nodes (the source included) lie: the flood's shortest-path bound. */
export function hopsToReach(adjacency: Adjacency, source: number, fraction: number): number {
  const hops = hopsFrom(adjacency, source)
    .filter((h) => h >= 0)
    .sort((a, b) => a - b);
  const wanted = Math.max(1, Math.ceil(fraction * adjacency.length));
  return wanted > hops.length ? Number.POSITIVE_INFINITY : hops[wanted - 1]!;
}

export function meanDegree(adjacency: Adjacency): number {
  return adjacency.reduce((sum, near) => sum + near.length, 0) / Math.max(1, adjacency.length);
}
