import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Middleware } from 'koa';

const uiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const page = `<!doctype html>
<html lang="es-CL">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>legajo · API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="docs"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

const init = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#docs', deepLinking: true });
});
`;

/** Only these files are served, by name: no request path ever reaches the filesystem. */
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

/** Interactive API docs at /docs, served locally (works offline) under a CSP without inline scripts. */
export function docsPage(): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const csp = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'";
    if (ctx.path === '/docs' || ctx.path === '/docs/') {
      ctx.set('Content-Security-Policy', csp);
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = page;
      return;
    }
    const name = ctx.path.startsWith('/docs/') ? ctx.path.slice('/docs/'.length) : null;
    if (name === 'init.js') {
      ctx.type = 'text/javascript; charset=utf-8';
      ctx.body = init;
      return;
    }
    if (name && Object.hasOwn(assets, name)) {
      ctx.set('Content-Security-Policy', csp);
      ctx.set('Cache-Control', 'public, max-age=86400');
      ctx.type = assets[name]!;
      ctx.body = createReadStream(path.join(uiDir, name));
      return;
    }
    return next();
  };
}
