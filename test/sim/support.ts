// Loading the shipped scenario files in simulator tests, with small changes for the case at hand.
// The files under scenarios/ are the ones `trust-mesh simulate` runs, so the tests exercise exactly them.
import { readFileSync } from 'node:fs';
import type { ScenarioFile } from '../../src/sim/scenario.js';

export function scenarioFile(name: string): ScenarioFile {
  const url = new URL(`../../../scenarios/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as ScenarioFile;
}

/** A copy of a shipped scenario with some fields replaced. */
export function variant(name: string, changes: Partial<ScenarioFile>): ScenarioFile {
  return { ...scenarioFile(name), ...changes };
}
