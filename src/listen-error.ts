// Turns a server's listen failure (port taken, address not ours, no permission) into a configuration error
// naming the address, for every listener the node opens: the mesh, the bridge API and the metrics endpoint.
import { TrustMeshError } from './core/errors.js';

const LISTEN_FAILURES: Record<string, string> = {
  EADDRINUSE: 'the port is in use',
  EADDRNOTAVAIL: 'the address is not one of this machine',
  EACCES: 'permission denied (ports below 1024 need privileges)',
};

/** A listen failure the operator can fix, as a configuration error naming the address; others pass through. */
export function listenError(error: Error & { code?: string }, host: string, port: number): Error {
  const why = error.code === undefined ? undefined : LISTEN_FAILURES[error.code];
  if (why === undefined) return error;
  return new TrustMeshError(
    'TM_ERR_CONFIG_INVALID',
    `cannot listen on ${host}:${port}: ${why} (${error.code})`,
    { listen: { host, port, code: error.code } },
  );
}
