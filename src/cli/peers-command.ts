// `trust-mesh peers`: a bridge node's connected peers (direction, capabilities, round trip) and its Kademlia
// routing table's fill per bucket, from GET /v1/peers, as JSON on stdout; failures print one line and exit 1.
import type { Command } from 'commander';
import { TrustMeshApiError, TrustMeshClient } from '../client/client.js';
import { DEFAULT_API_URL } from './client-commands.js';
import type { CliContext } from './main.js';

interface PeersFlags {
  api?: string;
  token?: string;
  timeout: string;
}

export function registerPeersCommand(program: Command, context: CliContext): void {
  program
    .command('peers')
    .description("a bridge node's connected peers and its routing table fill per bucket")
    .option('--api <url>', `bridge API base URL [env TRUST_MESH_API, default ${DEFAULT_API_URL}]`)
    .option('--token <token>', 'bearer token [env TRUST_MESH_TOKEN]')
    .option('--timeout <ms>', 'time limit for the request', '10000')
    .action(async (flags: PeersFlags) => {
      const token = flags.token ?? context.env.TRUST_MESH_TOKEN;
      const client = new TrustMeshClient({
        baseUrl: flags.api ?? context.env.TRUST_MESH_API ?? DEFAULT_API_URL,
        ...(token ? { token } : {}),
        timeoutMs: Number(flags.timeout) || 10_000,
      });
      try {
        context.out(JSON.stringify(await client.peerList(), null, 2));
      } catch (error) {
        if (!(error instanceof TrustMeshApiError)) throw error;
        context.err(`trust-mesh: ${error.message}`);
        context.exitCode = 1;
      }
    });
}
