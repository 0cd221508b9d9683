// The customer portal: only the signed-in customer's own data, all through /v1/me/... (the API itself refuses any
// other customer to a customer session, so nothing here could reach one even if it tried).
import { api, session, signOut, ApiError } from './api.js';
import { h, replace, section, stat, failure, statusBadge } from './dom.js';
import * as f from './format.js';
import * as w from './widgets.js';

/** The customer's open alerts (GET /v1/me/alerts), or none on a server without alerts. */
async function activeAlerts() {
  try {
    return (await api('/v1/me/alerts?state=active')).alerts || [];
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return [];
    throw e;
  }
}

/** Alerts first (they are what the operator also sees), then limits at 50 % or more and unpriced calls. */
function warningsWithAlerts(report, alerts, tz) {
  const fromLimits = w.warnings(report, tz);
  if (!alerts.length) return fromLimits;
  const list = h('ul', { class: 'warnings', id: 'alerts' }, alerts.map((a) => h('li', {
    class: 'warn', dataset: { alert: a.id } }, statusBadge(a.kind === 'exceeded' ? 'exceeded' : 'warning'), ' ',
  a.message, ' ', h('span', { class: 'muted small' }, `(${f.dateTime(a.created_at, tz)})`))));
  return h('div', {}, list, fromLimits.tagName === 'UL' ? fromLimits : null);
}

const main = document.getElementById('main');
document.getElementById('signout').addEventListener('click', signOut);

async function render() {
  const [me, report, history, recent, alerts] = await Promise.all([api('/v1/me'),
    api('/v1/me/usage?period=current'), api('/v1/me/history?months=12'), api('/v1/me/events?limit=20'),
    activeAlerts()]);
  const tz = me.timezone;
  document.getElementById('who').textContent = me.name;
  const chart = w.usageChart('Your usage', (range) => (range === 'month' ? w.monthPoints(history) : w.dailyPoints(report)),
    [{ key: 'day', label: 'Days' }, { key: 'month', label: 'Months' }]);
  replace(main,
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, `Your usage, ${me.name}`),
      h('p', { class: 'muted' }, `This billing period · plan ${report.plan ?? 'none'} · times in ${tz}`))),
    w.periodStats(report, tz, stat),
    section('Warnings', warningsWithAlerts(report, alerts, tz)),
    section('Your limits', w.limitList(report.limits, tz, 'Your plan has no limits: usage is only measured.')),
    section('Usage over time', chart.element),
    section('Recent calls', w.callsTable(recent.events, tz)),
    section('History', w.historyTable(history)));
  await chart.draw();
}

try {
  await session();
  await render();
} catch (e) {
  replace(main, failure(e));
}
