// Alerts (contract: GET /v1/alerts?state=&customer=, POST /v1/alerts/{id}/acknowledge|resolve): active,
// acknowledged and resolved lists with the buttons that move an alert along.
import { api, query, ApiError } from './api.js';
import { h, replace, section, table, empty, failure, statusBadge } from './dom.js';
import * as f from './format.js';

const STATES = [
  { key: 'active', label: 'Active' }, { key: 'acknowledged', label: 'Acknowledged' }, { key: 'resolved', label: 'Resolved' }];
const KIND_STATUS = { threshold: 'warning', exceeded: 'exceeded', rate_spike: 'critical', cost: 'critical',
  unpriced: 'warning', forecast: 'warning' };

/**
 * The alerts of a list answer as a table with actions; onChange runs after an alert moved. compact leaves out the
 * limit and level columns (the message names both), for a half-width card.
 */
export function alertList(answer, { showCustomer = true, compact = false, onChange } = {}) {
  const alerts = Array.isArray(answer) ? answer : answer.alerts || [];
  if (!alerts.length) return empty('No alerts here.', 'Alerts appear when a limit passes a threshold, spends spike, or calls are unpriced.');
  const status = h('div', { 'aria-live': 'polite' });
  const act = async (alert, action, button) => {
    button.disabled = true;
    try {
      await api(`/v1/alerts/${encodeURIComponent(alert.id)}/${action}`, { method: 'POST' });
      replace(status, h('div', { class: 'alert alert-ok', role: 'status' }, `Alert ${action === 'acknowledge' ? 'acknowledged' : 'resolved'}.`));
      const row = button.closest('tr');
      if (onChange) onChange(); else if (row) row.remove();
    } catch (e) {
      button.disabled = false;
      replace(status, failure(e));
    }
  };
  return h('div', {}, status, table([
    { label: 'Raised', cell: (a) => h('time', { datetime: a.created_at }, f.dateTime(a.created_at)) },
    showCustomer ? { label: 'Customer', cell: (a) => h('a', { href: `#/customers/${encodeURIComponent(a.customer)}` }, a.customer) } : null,
    { label: 'Kind', cell: (a) => h('span', { class: `badge status-${KIND_STATUS[a.kind] || 'warning'}` }, a.kind.replace('_', ' ')) },
    compact ? null : { label: 'Limit', long: true, cell: (a) => a.limit ?? f.DASH },
    compact ? null : { label: 'Level', numeric: true, cell: (a) => (a.percent === null || a.percent === undefined ? f.DASH : f.percent(a.percent)) },
    { label: 'Message', cell: (a) => h('span', { class: 'wrap' }, a.message ?? '') },
    { label: 'Actions', cell: (a) => h('span', { class: 'actions', dataset: { alert: a.id } },
      a.state === 'active' ? h('button', { type: 'button', onclick: (e) => act(a, 'acknowledge', e.currentTarget) }, 'Acknowledge') : null,
      a.state !== 'resolved' ? h('button', { type: 'button', onclick: (e) => act(a, 'resolve', e.currentTarget) }, 'Resolve') : null,
      a.state === 'resolved' ? h('span', { class: 'muted' }, `resolved ${f.dateTime(a.updated_at)}`) : null) },
  ].filter(Boolean), alerts));
}

export async function render(main, { params }) {
  const state = STATES.some((s) => s.key === params.get('state')) ? params.get('state') : 'active';
  const customer = params.get('customer') || '';
  const tabs = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Alert state' }, STATES.map((s) => h('a', {
    class: 'seg', href: `#/alerts${query({ state: s.key, customer })}`, 'aria-pressed': String(s.key === state),
    'aria-current': s.key === state ? 'page' : null }, s.label)));
  const listArea = h('div', { id: 'alert-list' });
  replace(main, h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Alerts'),
    h('p', { class: 'muted' }, customer ? `Alerts of ${customer}.` : 'Alerts of every customer, newest first.')), tabs),
  section(STATES.find((s) => s.key === state).label, listArea));
  const load = async () => {
    try {
      const answer = await api(`/v1/alerts${query({ state, customer, limit: 200 })}`);
      replace(listArea, alertList(answer, { onChange: load }));
    } catch (e) {
      replace(listArea, e instanceof ApiError && (e.status === 404 || e.status === 405)
        ? empty('Alerts are not available on this server.', 'This version of Tally does not raise alerts yet.') : failure(e));
    }
  };
  await load();
  return null;
}

export { statusBadge };
