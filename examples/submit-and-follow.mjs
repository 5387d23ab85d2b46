// Example: submit a verification event to a bridge, wait for its commit, and see it arrive on the change stream.
// Run from a clone after `npm ci`: TRUST_MESH_API=http://127.0.0.1:8081 TRUST_MESH_TOKEN=tm_… node examples/submit-and-follow.mjs
import { TrustMeshClient } from 'trust-mesh/client';

const client = new TrustMeshClient({
  baseUrl: process.env.TRUST_MESH_API ?? 'http://127.0.0.1:8081',
  token: process.env.TRUST_MESH_TOKEN,
});

// Where the stream stands now: following from here shows our own commit, however fast it is.
const { ledger } = await client.status();
const agentId = process.argv[2] ?? 'example-agent';
const submitted = await client.submitEvent({
  agentId,
  principalId: 'example-user',
  trustScore: 720,
  event: 'VERIFICATION_SUCCESS',
});
console.log(`submitted ${submitted.id}: ${submitted.status}`);

const settled = await client.waitForUpdate(submitted.id, { timeoutMs: 30_000 });
console.log(
  `${settled.status}: ${settled.tally.votes} vote(s), accepting stake ${settled.tally.acceptWeight} of ${settled.tally.totalStake}`,
);
if (settled.status !== 'committed') process.exit(1);

for await (const change of client.stream({ lastEventId: ledger.latestSeq })) {
  console.log(
    `stream seq ${change.seq}: ${change.type} ${change.agentId}/${change.principalId} ${change.trustScore ?? ''}`,
  );
  if (change.type === 'COMMIT' && change.updateId === submitted.id) break;
}
const record = await client.record(agentId, 'example-user');
console.log(`record ${agentId}/example-user: score ${record?.trustScore}, revoked ${record?.revoked}`);
