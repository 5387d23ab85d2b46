// A child process of the dissemination bench: runs one system (config as JSON in argv[2]) and reports to its
// parent over IPC, so each system's CPU time and peak RSS are its own.
import type { WorkerConfig, WorkerMessage } from './dissemination-measure.js';
import { runTrustMesh } from './dissemination-trust-mesh.js';
import { runGossipsub } from './gossipsub-mesh.js';

const send = (message: WorkerMessage) =>
  new Promise<void>((resolve) => process.send!(message, undefined, {}, () => resolve()));

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as WorkerConfig;
  const log = (line: string) => void send({ kind: 'log', line });
  const run = config.system === 'trust-mesh' ? runTrustMesh : runGossipsub;
  const result = await run(config, log);
  await send({ kind: 'result', result });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `dissemination worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
