/**
 * Serves the built dashboard (dist/ui, made by `npm run build`) at `/`. Any other path outside
 * `/api/` that is not a file answers index.html, so the dashboard's own paths survive a reload.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

/** Three levels up from both src/api/routes and dist/api/routes is the package root. */
export const defaultDashboardDir = fileURLToPath(new URL('../../../dist/ui/', import.meta.url));

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * The dashboard loads only its own script, styles and API (its icon is a data: URL), may not be
 * framed (clickjacking an admin's session), and no response is sniffed into another type.
 */
export const dashboardHeaders: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function homeRoutes(options: { readonly dir?: string } = {}): FastifyPluginAsync {
  const root = path.resolve(options.dir ?? defaultDashboardDir);
  return async (app) => {
    // Public: the page itself asks for a token and sends it with every API call.
    app.get('/*', { config: { access: 'public' } }, async (request, reply) => {
      const urlPath = decodePath(request.url.split('?')[0] ?? '/');
      // Unknown API paths keep their JSON 404 instead of getting the dashboard.
      if (urlPath === null || urlPath === '/api' || urlPath.startsWith('/api/')) return reply.callNotFound();
      const file = path.resolve(root, `.${urlPath}`);
      if (file.startsWith(root + path.sep) && (await isFile(file))) return sendFile(reply, file);
      // A missing asset is a real 404: answering HTML to a script request only hides the problem.
      if (urlPath.startsWith('/assets/') || path.extname(urlPath) !== '') return reply.callNotFound();
      const index = path.join(root, 'index.html');
      if (await isFile(index)) return sendFile(reply, index);
      return reply.code(503).headers(dashboardHeaders).type('text/html; charset=utf-8').send(notBuiltPage);
    });
  };
}

function decodePath(urlPath: string): string | null {
  try {
    const decoded = decodeURIComponent(urlPath);
    return decoded.includes('\0') ? null : decoded;
  } catch {
    return null;
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

async function sendFile(reply: FastifyReply, file: string): Promise<FastifyReply> {
  const body = await fs.readFile(file);
  const hashed = file.includes(`${path.sep}assets${path.sep}`);
  // Vite names assets by content hash: they never change; index.html must be revalidated to pick up a new build.
  reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache').headers(dashboardHeaders);
  return reply.type(contentTypes[path.extname(file)] ?? 'application/octet-stream').send(body);
}

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Skiff</title></head>
<body>
<h1>Skiff</h1>
<p>The dashboard is not built: run <code>npm run build</code> in the Skiff directory, then reload.</p>
<p>The API is at <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body></html>
`;
