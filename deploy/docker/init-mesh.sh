#!/usr/bin/env bash
# The compose file's one-shot init: keys and config.json for node-a, node-b (full nodes that vote) and node-c (a
# bridge that votes), the network file the three share, and an API token for the bridge. A made mesh is left alone.
set -euo pipefail

# Usage: init-mesh.sh [DIR]   (default /init: the volumes the compose file mounts there)
# Writes DIR/node-a, DIR/node-b, DIR/node-c (data directories) and DIR/network/network.json, then
# DIR/node-c/operator-token (read,write; mode 0600). The members dial each other at these endpoints: the compose
# services' names on the compose network, each node's mesh on port 8080 of its own container.
dir=${1:-/init}
endpoint_a=${TM_ENDPOINT_A:-ws://node-a:8080}
endpoint_b=${TM_ENDPOINT_B:-ws://node-b:8080}
endpoint_c=${TM_ENDPOINT_C:-ws://node-c:8080}
network_id=${TM_NETWORK_ID:-docker-mesh}
# The package's own CLI, found from this script's place in it (/app in the image, the clone otherwise).
here=$(dirname "$(readlink -f "$0")")
trust_mesh=(node "$here/../../bin/trust-mesh.js")

network_file=$dir/network/network.json
if [ -e "$network_file" ]; then
  echo "init-mesh: $network_file exists, the mesh is made: nothing to do"
  exit 0
fi
# No network file yet means no node has started (they wait for this script), so an earlier run that stopped
# half-way may be overwritten: --force replaces the keys it left.
"${trust_mesh[@]}" init --force --data-dir "$dir/node-a"
"${trust_mesh[@]}" init --force --data-dir "$dir/node-b"
"${trust_mesh[@]}" init --force --data-dir "$dir/node-c" --type bridge --validator

umask 077
"${trust_mesh[@]}" token create --name operator --scopes read,write --data-dir "$dir/node-c" \
  > "$dir/node-c/operator-token"
mkdir -p "$dir/network"
# Written last, to a temporary name first: its presence says the whole mesh is made.
"${trust_mesh[@]}" network create --id "$network_id" -o "$network_file.tmp" \
  --member "key=$dir/node-a,stake=100,name=node-a,endpoint=$endpoint_a" \
  --member "key=$dir/node-b,stake=100,name=node-b,endpoint=$endpoint_b" \
  --member "key=$dir/node-c,stake=100,name=node-c,endpoint=$endpoint_c"
chmod 0644 "$network_file.tmp"
mv "$network_file.tmp" "$network_file"
echo "init-mesh: three nodes in $dir, network file $network_file, bridge token in $dir/node-c/operator-token"
