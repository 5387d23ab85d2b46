// The agenda a scenario sets at the start: ticks every 250 virtual ms, its load (updates, proposals, revocations)
// and its faults (partitions, crashes, churn). Deliveries are added as frames are sent, by the simulator.
import { SeededRandom } from '../core/memory/seeded-entropy.js';
import type { Message } from '../core/messages/schemas.js';
import { EventQueue } from './event-queue.js';
import type { Scenario } from './scenario.js';

/** How often every running engine's tick() is driven, in virtual ms (as the daemon does). */
export const TICK_MS = 250;

export type SimEvent =
  | {
      readonly kind: 'deliver';
      readonly from: number;
      readonly to: number;
      readonly message: Message;
      /** The link's connection when the frame left: a frame does not outlive its connection. */
      readonly connection: number;
    }
  | { readonly kind: 'tick' }
  | { readonly kind: 'propose'; readonly node: number; readonly agentId: string; readonly trustScore: number }
  | { readonly kind: 'revoke'; readonly node: number; readonly agentId: string }
  | { readonly kind: 'crash' | 'restart' | 'disconnect' | 'reconnect'; readonly node: number }
  | { readonly kind: 'partition' | 'heal'; readonly index: number };

/** Puts the scenario's ticks, load and faults on the agenda; the run's seed draws the generated updates' scores. */
export function scheduleScenario(queue: EventQueue<SimEvent>, scenario: Scenario, seed: number): void {
  const random = new SeededRandom(seed);
  for (let at = TICK_MS; at <= scenario.durationMs; at += TICK_MS) queue.push(at, { kind: 'tick' });
  const { updates } = scenario;
  if (updates !== null && updates.perSecond > 0 && updates.proposers.length > 0) {
    const gap = 1000 / updates.perSecond;
    let k = 0;
    for (let at = updates.fromMs; at < updates.untilMs; at += gap, k++) {
      queue.push(at, {
        kind: 'propose',
        node: updates.proposers[k % updates.proposers.length]!,
        agentId: `agent-${k}`,
        trustScore: Math.floor(random.next() * 1001),
      });
    }
  }
  for (const p of scenario.proposals) {
    queue.push(p.atMs, {
      kind: 'propose',
      node: p.node,
      agentId: p.agentId ?? `agent-at-${p.atMs}`,
      trustScore: p.trustScore ?? 500,
    });
  }
  scenario.revocations.forEach((r, i) => {
    queue.push(r.atMs, { kind: 'revoke', node: r.node, agentId: r.agentId ?? `agent-${i}` });
  });
  scenario.partitions.forEach((p, index) => {
    queue.push(p.atMs, { kind: 'partition', index });
    if (p.healMs !== undefined) queue.push(p.healMs, { kind: 'heal', index });
  });
  for (const c of scenario.crashes) {
    queue.push(c.atMs, { kind: 'crash', node: c.node });
    if (c.restartMs !== undefined) queue.push(c.restartMs, { kind: 'restart', node: c.node });
  }
  for (const d of scenario.disconnects) {
    queue.push(d.atMs, { kind: 'disconnect', node: d.node });
    if (d.backMs !== undefined) queue.push(d.backMs, { kind: 'reconnect', node: d.node });
  }
}

export type LoadEvent = Extract<SimEvent, { kind: 'propose' | 'revoke' }>;

/** The scenario's proposals and revocations with their times, in the order a run with `seed` makes them. */
export function scenarioLoad(scenario: Scenario, seed: number): Array<{ at: number; event: LoadEvent }> {
  const queue = new EventQueue<SimEvent>();
  scheduleScenario(queue, scenario, seed);
  const load: Array<{ at: number; event: LoadEvent }> = [];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    const { at, event } = next;
    if (at <= scenario.durationMs && (event.kind === 'propose' || event.kind === 'revoke'))
      load.push({ at, event });
  }
  return load;
}
