// How the explorer draws things: the mesh graph (SVG), node rows, stream events and verification verdicts.
// Text goes in through textContent only: every string shown comes from the network and is untrusted.

const SVG = 'http://www.w3.org/2000/svg';

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

export const short = (id) => (typeof id === 'string' ? `${id.slice(0, 12)}…` : '?');

/** The bridge in the middle, its peers on a circle with a link each, nodes only seen in the ledger outside. */
export function drawGraph(host, bridge, peers, seen) {
  const size = 420;
  const centre = size / 2;
  const root = svg('svg', { viewBox: `0 0 ${size} ${size}`, role: 'img', 'aria-label': 'mesh graph' });
  const place = (index, count, radius) => {
    const angle = (2 * Math.PI * index) / Math.max(count, 1) - Math.PI / 2;
    return [centre + radius * Math.cos(angle), centre + radius * Math.sin(angle)];
  };
  const dots = [];
  peers.forEach((peer, index) => {
    const [x, y] = place(index, peers.length, 130);
    root.append(svg('line', { x1: centre, y1: centre, x2: x, y2: y, class: 'link' }));
    dots.push({ x, y, id: peer.nodeId, kind: 'peer' });
  });
  seen.forEach((id, index) => {
    const [x, y] = place(index + 0.5, seen.length, 190);
    dots.push({ x, y, id, kind: 'seen' });
  });
  if (bridge) dots.push({ x: centre, y: centre, id: bridge, kind: 'bridge' });
  for (const dot of dots) {
    const group = svg('g', { class: `dot ${dot.kind}`, 'data-node-id': dot.id });
    group.append(svg('circle', { cx: dot.x, cy: dot.y, r: dot.kind === 'bridge' ? 16 : 11 }));
    const label = svg('text', { x: dot.x, y: dot.y + (dot.kind === 'bridge' ? 30 : 24) });
    label.textContent = dot.id.slice(0, 8);
    group.append(label);
    root.append(group);
  }
  host.replaceChildren(root);
}

export function nodeRow(node) {
  return element(
    'tr',
    { 'data-node-id': node.nodeId, class: node.role },
    element('td', { class: 'mono', title: node.nodeId, text: short(node.nodeId) }),
    element('td', { text: node.role }),
    element('td', { text: node.detail ?? '' }),
    element('td', { text: node.rttMs === null || node.rttMs === undefined ? '' : `${node.rttMs} ms` }),
    element('td', { text: node.score === undefined ? '' : String(Math.round(node.score * 10) / 10) }),
  );
}

/** One verdict line per checked signature, and a badge saying whether all of them held. */
export function verdicts(results) {
  const ok = results.length > 0 && results.every((result) => result.ok);
  const list = element('ul', { class: 'checks' });
  for (const result of results)
    list.append(
      element(
        'li',
        { class: result.ok ? 'ok' : 'bad' },
        element('span', { class: 'mark', text: result.ok ? '✔' : '✘' }),
        ` ${result.label}: ${result.why}`,
      ),
    );
  return element(
    'div',
    { class: 'verdict', 'data-verified': String(ok) },
    element('span', { class: `badge ${ok ? 'ok' : 'bad'}`, text: ok ? 'verified' : 'NOT verified' }),
    list,
  );
}

export function describeEvent(data) {
  switch (data.type) {
    case 'COMMIT':
      return `${data.agentId} / ${data.principalId} → ${data.trustScore} (${data.event})`;
    case 'REVOCATION':
      return `${data.agentId} / ${data.principalId} revoked: ${data.reason}`;
    case 'SECURITY_ALERT':
      return `${data.severity}: ${data.summary}`;
    case 'KEY_ROTATION':
      return `${short(data.origin)} rotated to ${short(data.newNodeId)}`;
    case 'BLACKLIST':
      return `${short(data.offender)} blacklisted: ${data.reason}`;
    default:
      return data.type;
  }
}

export function eventItem(name, data, verdict) {
  const item = element(
    'li',
    { class: `event ${name}`, 'data-kind': name, 'data-id': data.id, 'data-seq': String(data.seq) },
    element('span', { class: 'seq', text: `#${data.seq}` }),
    element('span', { class: 'kind', text: name }),
    element('span', { class: 'what', text: describeEvent(data) }),
    element('span', { class: 'when', text: data.timestamp ?? '' }),
  );
  if (data.type === 'COMMIT' && Array.isArray(data.entry?.votes))
    item.append(element('span', { class: 'votes', text: `${data.entry.votes.length} votes` }));
  item.append(verdict);
  return item;
}
