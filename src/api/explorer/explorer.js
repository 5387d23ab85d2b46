// The live mesh explorer served by a bridge at /explorer: nodes and links, the change stream, record lookups
// and pasted entries, each signature checked here in the browser, and the bridge's sync state if it reports one.
import { follow } from './stream.js';
import { verifyMessage, verifyRecordSignatures, voterIdOf, webCryptoAvailable } from './verify.js';
import { drawGraph, element, eventItem, nodeRow, short, verdicts } from './view.js';

const MAX_EVENTS = 200;
const REFRESH_MS = 2000;

const $ = (id) => document.getElementById(id);
const state = {
  token: '',
  networkId: null,
  bridgeId: null,
  peers: [],
  /** Signers met in ledger entries, by node id: nodes of the mesh this bridge may not be linked to. */
  seen: new Set(),
  /** The newest commit per record (agentId \n principalId), to check a looked-up record's signatures. */
  commits: new Map(),
  stream: null,
  timer: null,
  soon: null,
  /** Whether the bridge serves GET /readyz (null: not known yet). */
  hasReadyz: null,
  /** Public keys by node id (GET /v1/keys, and KEY_ROTATION entries): a commit's votes name voters, not keys. */
  keys: new Map(),
  /** Voters a fresh load of the keys did not name: not asked about again. */
  keysMissing: new Set(),
  keysLoading: null,
};

const publicKeyOf = (nodeId) => state.keys.get(nodeId);

const recordKey = (agentId, principalId) => `${agentId}\n${principalId}`;
const headers = () => (state.token ? { authorization: `Bearer ${state.token}` } : {});

async function getJson(path) {
  const response = await fetch(path, { headers: headers(), cache: 'no-store' });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(`${response.status} ${body?.code ?? ''}: ${body?.message ?? ''}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

function loadKeys() {
  state.keysLoading ??= getJson('../v1/keys')
    .then((body) => {
      for (const { nodeId, publicKey } of body.keys ?? []) state.keys.set(nodeId, publicKey);
    })
    .catch(() => {
      // A bridge without the route, or unreachable: the votes then show as unverifiable, saying why.
    })
    .finally(() => {
      state.keysLoading = null;
    });
  return state.keysLoading;
}

/** Loads the keys again when a commit names a voter this page has no key for (once per such voter). */
async function keysFor(entry) {
  if (entry?.type !== 'COMMIT' || !Array.isArray(entry.votes)) return;
  const voters = entry.votes.map(voterIdOf).filter((voter) => voter !== undefined);
  const unknown = (voter) => !state.keys.has(voter) && !state.keysMissing.has(voter);
  if (!voters.some(unknown)) return;
  await loadKeys();
  for (const voter of voters) if (unknown(voter)) state.keysMissing.add(voter);
}

function setStatusLine(id, text, ok) {
  const line = $(id);
  line.textContent = text;
  line.className = ok ? 'state ok' : 'state bad';
}

function renderNodes() {
  const rows = [];
  if (state.bridgeId) rows.push({ nodeId: state.bridgeId, role: 'bridge', detail: 'this bridge' });
  const linked = new Set([state.bridgeId]);
  for (const peer of state.peers) {
    linked.add(peer.nodeId);
    rows.push({
      nodeId: peer.nodeId,
      role: 'peer',
      detail: `${peer.direction} ${peer.address} ${peer.capabilities.join(',')}`,
      rttMs: peer.rttMs,
      score: peer.score,
    });
  }
  const seenOnly = [...state.seen].filter((id) => !linked.has(id)).sort();
  for (const id of seenOnly) rows.push({ nodeId: id, role: 'seen', detail: 'signed ledger entries' });
  $('nodes').replaceChildren(...rows.map(nodeRow));
  $('node-count').textContent = String(rows.length);
  drawGraph($('graph'), state.bridgeId, state.peers, seenOnly);
}

function renderRouting(routing) {
  if (!routing) {
    $('routing').textContent = 'not reported by this bridge';
    return;
  }
  const filled = routing.buckets.map((bucket) => `${bucket.index}:${bucket.size}`).join(' ');
  $('routing').textContent =
    `${routing.size} nodes reached, ${routing.candidates} heard of, ${routing.lookups} lookups; ` +
    `buckets ${filled || '(empty)'}`;
}

/** Sync state: whatever /v1/status says under `sync` or `ready`, and /readyz when the bridge serves it. */
async function renderSync(status) {
  const parts = [];
  for (const field of ['sync', 'ready', 'readiness'])
    if (status[field] !== undefined) parts.push(`${field}: ${JSON.stringify(status[field])}`);
  // Asked only of a bridge whose API document lists it, so an older bridge is not probed into 404s.
  state.hasReadyz ??= await fetch('../openapi.json')
    .then((response) => response.json())
    .then((document) => document?.paths?.['/readyz'] !== undefined)
    .catch(() => null);
  if (state.hasReadyz) {
    try {
      const response = await fetch('../readyz', { headers: headers(), cache: 'no-store' });
      parts.push(`readyz ${response.status}: ${await response.text()}`);
    } catch {
      // An unreachable bridge is already shown by the overview's state line.
    }
  }
  $('sync').textContent = parts.length > 0 ? parts.join('\n') : 'not reported by this bridge';
}

async function refresh() {
  try {
    const [status, peers] = await Promise.all([getJson('../v1/status'), getJson('../v1/peers')]);
    state.networkId = status.network;
    state.bridgeId = status.nodeId;
    state.peers = peers.peers;
    $('network').textContent = status.network;
    $('bridge').textContent = `${short(status.nodeId)} (${status.type} ${status.version})`;
    $('ledger').textContent = `${status.ledger.entries} entries, seq ${status.ledger.latestSeq}`;
    setStatusLine('api-state', 'connected', true);
    renderNodes();
    renderRouting(peers.routing);
    await renderSync(status);
    if (state.stream === null) startStream();
  } catch (error) {
    const hint = error.status === 401 ? ' — give a read token (field above, or #token=… in the URL)' : '';
    setStatusLine('api-state', `${error.message}${hint}`, false);
  }
}

function remember(data) {
  const entry = data.entry;
  if (!entry || typeof entry !== 'object') return;
  if (typeof entry.origin === 'string') state.seen.add(entry.origin);
  // Its new key hashes to its new id, which verifying a vote checks anyway.
  if (entry.type === 'KEY_ROTATION' && typeof entry.newPublicKey === 'string')
    state.keys.set(entry.newNodeId, entry.newPublicKey);
  if (entry.type === 'COMMIT') {
    for (const vote of entry.votes ?? []) {
      const voter = voterIdOf(vote);
      if (voter !== undefined) state.seen.add(voter);
    }
    if (entry.update?.origin) state.seen.add(entry.update.origin);
    const payload = entry.update?.payload;
    if (payload) state.commits.set(recordKey(payload.agentId, payload.principalId), entry);
  }
}

function onEvent(name, data) {
  if (name === 'ready') return;
  remember(data);
  const pending = element('div', { class: 'verdict', 'data-verified': 'pending' }, 'checking…');
  const item = eventItem(name, data, pending);
  const list = $('events');
  list.prepend(item);
  while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
  $('event-count').textContent = String(Number($('event-count').textContent) + 1);
  keysFor(data.entry)
    .then(() => verifyMessage(state.networkId, data.entry, publicKeyOf))
    .then((results) => pending.replaceWith(verdicts(results)));
  renderNodes();
  // A burst of events (a replay) asks for one refresh of the ledger line, not one each.
  state.soon ??= setTimeout(() => {
    state.soon = null;
    refresh();
  }, 250);
}

function startStream() {
  state.stream?.abort();
  const controller = new AbortController();
  state.stream = controller;
  follow({
    headers: headers(),
    after: 0,
    signal: controller.signal,
    onEvent,
    onState: (text, ok) => setStatusLine('stream-state', text, ok),
  });
}

async function lookUp(event) {
  event.preventDefault();
  const agentId = $('agent').value;
  const principalId = $('principal').value;
  const out = $('record');
  out.replaceChildren('looking up…');
  try {
    const record = await getJson(
      `../v1/agents/${encodeURIComponent(agentId)}/principals/${encodeURIComponent(principalId)}`,
    );
    const commit = state.commits.get(recordKey(agentId, principalId));
    await keysFor(commit);
    const results = await verifyRecordSignatures(state.networkId, record, commit, publicKeyOf);
    if (commit) results.push(...(await verifyMessage(state.networkId, commit, publicKeyOf)));
    const summary = element('p', {
      class: 'record-summary',
      text:
        `score ${record.trustScore}${record.revoked ? ' (REVOKED)' : ''}, last updated ${record.lastUpdated}, ` +
        `${record.updateHistory.length} history items, ${record.signatures.length} signatures`,
    });
    out.replaceChildren(summary, verdicts(results));
  } catch (error) {
    out.replaceChildren(element('p', { class: 'state bad', text: error.message }));
  }
}

async function verifyPasted(event) {
  event.preventDefault();
  const out = $('pasted-result');
  out.replaceChildren('checking…');
  let value;
  try {
    value = JSON.parse($('pasted').value);
  } catch (error) {
    out.replaceChildren(verdicts([{ label: 'input', ok: false, why: `not JSON: ${error.message}` }]));
    return;
  }
  // A stream event's data carries the signed message under `entry`; a bare message is taken as it is.
  const message = value && typeof value === 'object' && value.entry ? value.entry : value;
  await keysFor(message);
  out.replaceChildren(verdicts(await verifyMessage(state.networkId, message, publicKeyOf)));
}

function connect(event) {
  event?.preventDefault();
  state.token = $('token').value.trim();
  state.stream?.abort();
  state.stream = null;
  $('events').replaceChildren();
  $('event-count').textContent = '0';
  state.keys.clear();
  state.keysMissing.clear();
  refresh();
}

function start() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has('token')) {
    $('token').value = fragment.get('token');
    // Out of the address bar (and of screenshots and history) once read.
    history.replaceState(null, '', location.pathname + location.search);
  }
  if (!webCryptoAvailable())
    setStatusLine('crypto-state', 'WebCrypto unavailable: open the explorer over HTTPS or localhost', false);
  else setStatusLine('crypto-state', 'signatures checked in this browser (WebCrypto Ed25519)', true);
  $('connect').addEventListener('submit', connect);
  $('lookup').addEventListener('submit', lookUp);
  $('paste').addEventListener('submit', verifyPasted);
  connect();
  state.timer = setInterval(refresh, REFRESH_MS);
}

start();
