// The admin console: a hash router over small page modules. Each page renders into <main> and may return a
// function that stops what it started (the overview's polling).
import { session, signOut } from './api.js';
import { failure, replace } from './dom.js';
import * as overview from './overview.js';
import * as customer from './customer.js';
import * as logs from './logs.js';
import * as months from './months.js';
import * as catalog from './catalog.js';
import * as alerts from './alerts.js';

const main = document.getElementById('main');
let stop = null;

const routes = [
  { pattern: /^\/?$/, nav: 'overview', page: overview, title: 'Overview' },
  { pattern: /^\/customers\/([^/]+)$/, nav: 'overview', page: customer, title: 'Customer' },
  { pattern: /^\/customers\/([^/]+)\/users$/, nav: 'overview', page: { render: customer.renderUsers }, title: 'End users' },
  { pattern: /^\/customers\/([^/]+)\/users\/(.+)$/, nav: 'overview', page: { render: customer.renderUser }, title: 'End user' },
  { pattern: /^\/logs$/, nav: 'logs', page: logs, title: 'Usage logs' },
  { pattern: /^\/months$/, nav: 'months', page: months, title: 'Monthly summaries' },
  { pattern: /^\/catalog$/, nav: 'catalog', page: catalog, title: 'Plans & customers' },
  { pattern: /^\/alerts$/, nav: 'alerts', page: alerts, title: 'Alerts' },
];

async function show() {
  if (stop) { stop(); stop = null; }
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = hash.split('?');
  const route = routes.find((r) => r.pattern.test(path));
  document.querySelectorAll('[data-nav]').forEach((a) => {
    if (route && a.dataset.nav === route.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  if (!route) {
    replace(main, failure(new Error(`There is no page at ${hash}. Use the menu above.`)));
    return;
  }
  document.title = `${route.title} · Tally`;
  const params = new URLSearchParams(search);
  const match = path.match(route.pattern);
  try {
    const arg = (i) => (match[i] ? decodeURIComponent(match[i]) : null);
    stop = await route.page.render(main, { id: arg(1), user: arg(2), params }) || null;
  } catch (e) {
    replace(main, failure(e));
  }
}

document.getElementById('signout').addEventListener('click', signOut);
await session();
window.addEventListener('hashchange', show);
await show();
