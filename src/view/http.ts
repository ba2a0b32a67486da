/**
 * The live view's page at /view/ (issue 14), mounted on the orchestrator's app with one
 * call. The files are handed in as bytes (src/cli reads them: the page's HTML and CSS from
 * src/view/page, the bundle esbuild wrote to dist/view at install or build time); nothing
 * is fetched at run time, and the page talks only to this orchestrator's routes.
 */
import type express from 'express';
import { AltoError } from '../model/errors.js';

export interface ViewAssets {
  /** File name (index.html, view.js, view.css, view.js.map) -> bytes. */
  files: Map<string, Buffer>;
  /** Why the page cannot be served (the bundle is not built), when it cannot. */
  missing?: string;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json',
};

export function mountView(app: express.Express, assets: ViewAssets): void {
  app.get(/^\/view$/, (req, res) => {
    const q = req.originalUrl.indexOf('?');
    res.redirect(301, `/view/${q >= 0 ? req.originalUrl.slice(q) : ''}`);
  });
  app.get(/^\/view\/([A-Za-z0-9._-]*)$/, (req, res) => {
    const name = (req.params as Record<string, string>)[0] || 'index.html';
    if (assets.missing) {
      res.status(503).type('text/plain').send(`${assets.missing}\n`);
      return;
    }
    const body = assets.files.get(name);
    if (!body) throw new AltoError('E_INVALID_FIELD_VALUE', `no file ${name} in the view`, { status: 404, field: 'uri', value: req.path });
    res.setHeader('content-type', TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream');
    // Same bytes until the orchestrator restarts with a new build: revalidate, never go stale.
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('x-content-type-options', 'nosniff');
    res.end(body);
  });
  app.all(/^\/view(\/.*)?$/, () => {
    throw new AltoError('E_INVALID_FIELD_VALUE', '/view/ takes GET', { status: 405, field: 'method', headers: { Allow: 'GET' } });
  });
}
