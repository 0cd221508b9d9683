// The live overview: every customer of the current period, refreshed every 2 seconds while the tab is visible.
// Sorting and searching happen in the browser over the whole list (1,000 rows is little for a table).
import { api } from './api.js';
import { h, replace, stat, sortableTable, statusBadge, bar, empty, failure } from './dom.js';
import * as f from './format.js';

const REFRESH_MS = 2000;
const STATUS_RANK = { ok: 0, warning: 1, critical: 2, exceeded: 3 };

/** Every row of the overview, following next_cursor if there are more than 1,000 customers. */
async function fetchAll() {
  let cursor = null;
  let first = null;
  const rows = [];
  do {
    const page = await api(`/v1/usage?period=current&sort=cost&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    first = first || page;
    rows.push(...page.customers);
    cursor = page.next_cursor;
  } while (cursor);
  return { ...first, customers: rows };
}

/** The limit closest to (or furthest over) its amount. */
function worstLimit(row) {
  return row.limits.filter((l) => l.percent !== null).sort((a, b) => b.percent - a.percent)[0] || null;
}

const columns = [
  { key: 'customer', label: 'Customer', value: (r) => r.name.toLowerCase(),
    cell: (r) => h('a', { href: `#/customers/${encodeURIComponent(r.customer)}` }, r.name,
      r.name !== r.customer ? h('span', { class: 'muted small' }, ` ${r.customer}`) : null) },
  { key: 'plan', minor: true, label: 'Plan', value: (r) => r.plan || '', cell: (r) => r.plan ?? h('span', { class: 'muted' }, 'none') },
  { key: 'requests', minor: true, label: 'Requests', numeric: true, value: (r) => r.totals.requests, cell: (r) => f.int(r.totals.requests) },
  { key: 'tokens', minor: true, label: 'Tokens', numeric: true, value: (r) => r.totals.tokens, cell: (r) => f.int(r.totals.tokens) },
  { key: 'cost', label: 'Cost', numeric: true, value: (r) => f.toNanos(r.totals.cost), cell: (r) => f.moneyEl(r.totals.cost) },
  { key: 'status', label: 'Status', value: (r) => STATUS_RANK[r.status] * 1000 + (worstLimit(r)?.percent ?? 0),
    cell: (r) => statusBadge(r.status) },
  { key: 'limit', label: 'Closest limit', value: (r) => worstLimit(r)?.percent ?? -1, cell: (r) => {
    const l = worstLimit(r);
    if (!l) return h('span', { class: 'muted' }, 'no limits');
    return h('div', { class: 'cell-bar', title: `${l.name}: ${f.amount(l.metric, l.used)} of ${f.amount(l.metric, l.amount)}` },
      bar(l.percent, l.status, `${r.name} ${l.name}`), h('span', {}, f.percent(l.percent)));
  } },
];

export async function render(main) {
  const search = h('input', { type: 'search', id: 'customer-search', class: 'search', placeholder: 'Search customers',
    'aria-label': 'Search customers by name, id or plan' });
  const updated = h('span', { class: 'updated', id: 'updated' });
  const totals = h('div', { class: 'stats', id: 'totals' });
  const body = h('div', { class: 'card' });
  replace(main, h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Customers'),
    h('p', { class: 'muted' }, 'This billing period, live. Click a column to sort.')),
  h('div', { class: 'toolbar' }, search, updated)), totals, body);

  let tableView = null;
  let data = null;
  const visible = () => {
    const q = search.value.trim().toLowerCase();
    return q ? data.customers.filter((r) => `${r.customer} ${r.name} ${r.plan || ''}`.toLowerCase().includes(q))
      : data.customers;
  };
  const draw = () => {
    replace(totals, stat('Customers', f.int(data.customer_count)), stat('Requests', f.int(data.totals.requests),
      `${f.int(data.totals.errors)} errors`), stat('Tokens', f.int(data.totals.tokens)),
    stat('Cost', f.moneyEl(data.totals.cost)),
    stat('Over 80 %', f.int(data.customers.filter((r) => STATUS_RANK[r.status] >= 2).length), 'customers critical or exceeded'));
    if (!data.customers.length) {
      tableView = null;
      replace(body, empty('No customers yet.', 'Add one under “Plans & customers”, or start the demo with ./tally demo.'));
      return;
    }
    const rows = visible();
    if (!tableView) {
      tableView = sortableTable({ caption: 'Customers this period', columns, rows, sortKey: 'cost',
        rowAttrs: (r) => ({ dataset: { customer: r.customer } }) });
      replace(body, tableView.element);
    } else {
      tableView.update(rows);
    }
    if (!rows.length) body.append(empty(`No customer matches “${search.value}”.`, 'Clear the search to see everyone.'));
    else body.querySelectorAll('.empty').forEach((e) => e.remove());
  };
  search.addEventListener('input', () => data && draw());

  let timer = null;
  let stopped = false;
  const refresh = async () => {
    try {
      const started = performance.now();
      data = await fetchAll();
      draw();
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      // What one refresh costs (fetch + redraw), for the benchmark that watches the page.
      updated.dataset.lastRefreshMs = String(Math.round(performance.now() - started));
      updated.dataset.refreshes = String(Number(updated.dataset.refreshes || 0) + 1);
    } catch (e) {
      updated.replaceChildren(failure(e));
    }
    // Poll only while someone looks; a hidden tab costs the server nothing.
    if (!stopped) timer = setTimeout(() => (document.hidden ? waitVisible() : refresh()), REFRESH_MS);
  };
  const waitVisible = () => document.addEventListener('visibilitychange', refresh, { once: true });
  await refresh();
  return () => { stopped = true; clearTimeout(timer); document.removeEventListener('visibilitychange', refresh); };
}
