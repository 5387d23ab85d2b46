// A Clock that moves only when told to: engine tests and the simulator's virtual time.
// Time never passes by itself, so expiry and deadlines happen exactly when a test advances the clock.
import type { Clock } from '../time.js';

/** Midday on 2026-06-01, an arbitrary fixed start so runs are reproducible. */
export const MANUAL_CLOCK_START = Date.parse('2026-06-01T12:00:00.000Z');

export class ManualClock implements Clock {
  constructor(public time = MANUAL_CLOCK_START) {}

  now(): number {
    return this.time;
  }

  advance(ms: number): void {
    this.time += ms;
  }

  set(ms: number): void {
    this.time = ms;
  }
}
