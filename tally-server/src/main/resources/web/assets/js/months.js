// Monthly summaries: every customer's billing month that starts in a calendar month, sortable by usage or cost.
import { api, query } from './api.js';
import { h, replace, section, stat, sortableTable, statusBadge, empty } from './dom.js';
import * as f from './format.js';

const STATUS_RANK = { ok: 0, warning: 1, critical: 2, exceeded: 3 };

function thisMonth() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

export async function render(main, { params }) {
  const month = /^\d{4}-\d{2}$/.test(params.get('month') || '') ? params.get('month') : thisMonth();
  const rows = [];
  let first = null;
  let cursor = null;
  do {
    const page = await api(`/v1/usage${query({ period: month, sort: 'cost', limit: 1000, cursor })}`);
    first = first || page;
    rows.push(...page.customers);
    cursor = page.next_cursor;
  } while (cursor);

  const picker = h('input', { type: 'month', id: 'month', value: month, 'aria-label': 'Month' });
  picker.addEventListener('change', () => { if (picker.value) location.hash = `#/months?month=${picker.value}`; });
  const view = rows.length ? sortableTable({
    caption: `Billing months starting in ${f.month(month)}`, sortKey: 'cost', rows,
    rowAttrs: (r) => ({ dataset: { customer: r.customer } }),
    columns: [
      { key: 'customer', label: 'Customer', value: (r) => r.name.toLowerCase(),
        cell: (r) => h('a', { href: `#/customers/${encodeURIComponent(r.customer)}` }, r.name,
          r.name !== r.customer ? h('span', { class: 'muted small' }, ` ${r.customer}`) : null) },
      { key: 'plan', minor: true, label: 'Plan', value: (r) => r.plan || '', cell: (r) => r.plan ?? f.DASH },
      { key: 'requests', label: 'Requests', numeric: true, value: (r) => r.totals.requests, cell: (r) => f.int(r.totals.requests) },
      { key: 'errors', minor: true, label: 'Errors', numeric: true, value: (r) => r.totals.errors, cell: (r) => f.int(r.totals.errors) },
      { key: 'tokens', minor: true, label: 'Tokens', numeric: true, value: (r) => r.totals.tokens, cell: (r) => f.int(r.totals.tokens) },
      { key: 'cost', label: 'Cost', numeric: true, value: (r) => f.toNanos(r.totals.cost), cell: (r) => f.moneyEl(r.totals.cost) },
      { key: 'status', label: 'Month limits', value: (r) => STATUS_RANK[r.status], cell: (r) => statusBadge(r.status) },
    ],
  }).element : empty('No customers yet.', 'Add customers under “Plans & customers”.');

  replace(main,
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Monthly summaries'),
      h('p', { class: 'muted' }, 'Every customer for one month. Click a column to sort by usage or cost.')),
    h('div', { class: 'toolbar' }, picker,
      h('a', { class: 'button', href: `/v1/usage.csv${query({ period: month })}`, download: '' }, 'Download CSV'))),
    h('div', { class: 'stats' }, stat('Customers', f.int(first.customer_count)), stat('Requests', f.int(first.totals.requests)),
      stat('Tokens', f.int(first.totals.tokens)), stat('Cost', f.moneyEl(first.totals.cost))),
    section(f.month(month), view));
  return null;
}
