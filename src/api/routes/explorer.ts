// GET /explorer/: the live mesh explorer, plain files from src/api/explorer/ (shipped in the package), read once
// at start-up and served with a policy that lets the page reach only this bridge. The page itself holds no data.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { ApiFailure } from '../error-handler.js';

const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'explorer.css': 'text/css; charset=utf-8',
  'explorer.js': 'text/javascript; charset=utf-8',
  'stream.js': 'text/javascript; charset=utf-8',
  'verify.js': 'text/javascript; charset=utf-8',
  'view.js': 'text/javascript; charset=utf-8',
};

/** Nothing from elsewhere: no CDN, no inline script, requests to this bridge only. */
const POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/** The folder holding the page: next to this file in the sources, at the package root's src/ once compiled. */
export function explorerDir(): string | null {
  for (const relative of ['../explorer/', '../../../../src/api/explorer/']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return null;
}

function loadAssets(): Map<string, Buffer> | null {
  const dir = explorerDir();
  if (dir === null) return null;
  return new Map(Object.keys(ASSETS).map((name) => [name, readFileSync(`${dir}${name}`)]));
}

export function registerExplorerRoutes(app: FastifyInstance): void {
  const assets = loadAssets();
  if (assets === null) app.log.warn('explorer assets not found: /explorer/ answers 404');
  const serve = (name: string) => {
    const body = assets?.get(name);
    if (body === undefined) throw ApiFailure.of('TM_ERR_NOT_FOUND', 'no such explorer file');
    return body;
  };
  // Relative, so the page keeps its place behind a proxy that serves the bridge under a prefix.
  app.get('/explorer', { schema: { hide: true } }, (_request, reply) => reply.redirect('explorer/', 302));
  app.get<{ Params: { asset?: string } }>(
    '/explorer/:asset',
    { schema: { hide: true } },
    (request, reply) => {
      const name = request.params.asset || 'index.html';
      const body = serve(Object.hasOwn(ASSETS, name) ? name : '');
      return reply
        .type(ASSETS[name]!)
        .header('content-security-policy', POLICY)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(body);
    },
  );
}
