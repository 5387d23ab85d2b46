// The Grafana dashboard in deploy/grafana (issue 18, Build 6): every metric a query names is one a real node
// exports on /metrics, and the node's metrics follow Prometheus naming (counters end in _total, units in names).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BridgeApi } from '../../src/api/server.js';
import { ApiMesh, reader, writer } from '../api/support.js';
import { REPO_ROOT } from '../cli/cli-process.js';
import { testNetwork } from '../support/fixtures.js';

interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
}

const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'deploy/grafana/trust-mesh.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
};
const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

/** Metric names in a PromQL expression: identifiers of our namespace (labels and functions are not). */
const metricsIn = (expr: string) => [...expr.matchAll(/\btrustmesh_[a-z0-9_]+/g)].map((match) => match[0]);

describe('Grafana dashboard against a real node', () => {
  const mesh = new ApiMesh(testNetwork([100]));
  let api: BridgeApi;
  /** `# TYPE name kind` lines of a real scrape. */
  const exported = new Map<string, string>();
  before(async () => {
    ({ api } = await mesh.bridge(0));
    // One committed update, so histograms and labelled counters have series, as on a working node.
    const submitted = await fetch(`${api.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agentId: 'g', principalId: 'p', trustScore: 5, event: 'REGISTRATION' }),
    });
    assert.equal(submitted.status, 202);
    const scrape = await fetch(`${api.url}/metrics`, {
      headers: { authorization: `Bearer ${reader.token}` },
    });
    assert.equal(scrape.status, 200);
    for (const [, name, kind] of (await scrape.text()).matchAll(/^# TYPE (\S+) (\S+)$/gm))
      exported.set(name!, kind!);
  });
  after(() => mesh.cleanup());

  test('the dashboard parses, with unique panel ids and at least one query per panel', () => {
    assert.equal(dashboard.uid, 'trust-mesh-node');
    const ids = dashboard.panels.map((panel) => panel.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const panel of dashboard.panels.filter((each) => each.type !== 'row'))
      assert.ok((panel.targets ?? []).length > 0, panel.title);
  });

  test('every metric a query names is exported by the node', () => {
    const named = new Set(
      dashboard.panels.flatMap((panel) => (panel.targets ?? []).flatMap((target) => metricsIn(target.expr))),
    );
    assert.ok(named.size >= 12, [...named].join(', '));
    for (const name of named) {
      const family = exported.has(name) ? name : name.replace(HISTOGRAM_SERIES, '');
      assert.ok(
        exported.has(family),
        `${name} is not on /metrics (exported: ${[...exported.keys()].join(', ')})`,
      );
      if (family !== name)
        assert.equal(exported.get(family), 'histogram', `${name}: only histograms have ${name}`);
    }
  });

  test('the node follows Prometheus naming: counters end in _total, nothing else does', () => {
    const ours = [...exported].filter(([name]) => name.startsWith('trustmesh_'));
    assert.ok(ours.length >= 10);
    for (const [name, kind] of ours) {
      if (kind === 'counter') assert.match(name, /_total$/, name);
      else assert.doesNotMatch(name, /_total$/, `${name} is a ${kind}`);
    }
    assert.equal(exported.get('trustmesh_commit_latency_seconds'), 'histogram');
  });
});
