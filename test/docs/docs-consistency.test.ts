// Doc checks for what a reader found wrong (issue 18, item 9): no references a reader cannot follow, no claims
// the code does not back, and the README's API figures taken from docs/API.md's measurements.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from '../cli/cli-process.js';

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

describe('docs agree with the code', () => {
  test('PROTOCOL.md and ARCHITECTURE.md cite nothing outside the repository', () => {
    for (const doc of ['docs/PROTOCOL.md', 'docs/ARCHITECTURE.md', 'README.md', 'docs/API.md']) {
      const text = read(doc);
      assert.doesNotMatch(text, /DESIGN(\.md| §)/, doc);
      assert.doesNotMatch(text, /\(issue \d+\)|issue #\d+/, doc);
    }
  });

  test('README: one Development heading, members propose, every fenced trust-mesh command is the CLI, not npx', () => {
    const readme = read('README.md');
    assert.equal(readme.match(/^## Development/gm)?.length, 1);
    assert.doesNotMatch(readme, /proposed by any node/);
    assert.match(readme, /proposed by any member node/);
    const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!).join('\n');
    assert.doesNotMatch(blocks, /npx trust-mesh/, 'npx rebuilds the package inside a clone');
  });

  test('the rate-limit parameter is not described as enforced while nothing enforces it', () => {
    const network = read('src/core/network.ts');
    assert.doesNotMatch(network, /Enforced by the rate limiter/);
  });

  test("README's bridge read figures are the ones docs/API.md measured", () => {
    const readme = read('README.md');
    const api = read('docs/API.md');
    const row = /\| bridge API, requests\/s \| ([\d,]+) \| ([\d,]+) \|/.exec(api);
    assert.ok(row, 'docs/API.md has the throughput table');
    const [low, high] = [row[1]!, row[2]!].sort();
    assert.ok(readme.includes(`${low}–${high} req/s`), `README quotes ${low}–${high} req/s`);
  });
});
