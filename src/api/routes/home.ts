import type { FastifyPluginAsync } from 'fastify';

/**
 * A minimal status page at `/` until the dashboard lands: every environment's services and
 * instances, refreshed from the API.
 */
export function homeRoutes(): FastifyPluginAsync {
  return async (app) => {
    app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(homePage));
  };
}

const homePage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Skiff</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 64rem; padding: 0 1rem; color: #1d2330; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  table { border-collapse: collapse; width: 100%; font-size: .9rem; }
  th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e3e6ec; }
  .ready { color: #137333; } .crashed, .unhealthy { color: #b3261e; } .starting, .stopping { color: #8a6d00; }
  .muted { color: #6b7280; font-size: .85rem; }
</style>
</head>
<body>
<h1>Skiff</h1>
<p class="muted">API: <a href="/api/openapi.json">/api/openapi.json</a> · refreshed every 2 s</p>
<div id="content">Loading…</div>
<script>
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
async function refresh() {
  try {
    const envs = await (await fetch('/api/v1/environments')).json();
    const names = Array.isArray(envs) ? envs : envs.environments ?? [];
    let html = '';
    for (const env of names) {
      const s = await (await fetch('/api/v1/environments/' + encodeURIComponent(env) + '/status')).json();
      if (!s.services) continue;
      html += '<h2>' + esc(env) + '</h2>';
      if (s.instances.length === 0) { html += '<p class="muted">no instances on this server</p>'; continue; }
      if (!s.limits.enforced) html += '<p class="muted">resource limits not enforced: ' + esc(s.limits.reason) + '</p>';
      html += '<table><tr><th>service</th><th>release</th><th>ready</th><th>routes</th></tr>';
      for (const svc of s.services) {
        const routes = svc.routes.map((r) => esc((r.host ?? '') + r.path)).join(', ');
        html += '<tr><td>' + esc(svc.name) + '</td><td>' + esc(svc.release) + '</td><td>' + svc.ready + '/' + svc.desired + '</td><td>' + routes + '</td></tr>';
      }
      html += '</table><table style="margin-top:1rem"><tr><th>instance</th><th>state</th><th>pid</th><th>port</th><th>restarts</th><th>reason</th></tr>';
      for (const i of s.instances) {
        html += '<tr><td>' + esc(i.id) + '</td><td class="' + esc(i.state) + '">' + esc(i.state) + '</td><td>' + esc(i.pid) + '</td><td>' + esc(i.port) + '</td><td>' + i.restarts + '</td><td>' + esc(i.reason) + '</td></tr>';
      }
      html += '</table>';
    }
    document.getElementById('content').innerHTML = html || 'Nothing applied yet.';
  } catch (error) {
    document.getElementById('content').textContent = 'The API is not answering: ' + error;
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
`;
