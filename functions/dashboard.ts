import { app } from '@azure/functions';

import { renderDashboard } from '../shared/ops/dashboard.js';
import { getStatus } from '../shared/ops/status.js';
import { handler, route } from './_http.js';
import { getServices } from './_services.js';

/** Registration options, exported so tests can check them. */
export const dashboardOptions = route('dashboard', ['GET']);

/** GET /api/dashboard: the status page, HTML rendered on the server from GET /api/status. */
export const getDashboard = handler(async (request) => {
  const status = await getStatus(getServices());
  const code = request.query.get('code');
  const html = renderDashboard(status, code === null ? {} : { query: `code=${encodeURIComponent(code)}` });
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // Self-contained: no scripts, styles inline, nothing from elsewhere.
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
    body: html,
  };
});

app.http('dashboard', { ...dashboardOptions, handler: getDashboard });
