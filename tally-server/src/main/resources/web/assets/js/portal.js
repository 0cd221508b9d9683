// The customer portal: only the signed-in customer's own data, all through /v1/me/... (the API itself refuses any
// other customer to a customer session, so nothing here could reach one even if it tried).
import { api, session, signOut } from './api.js';
import { h, replace, section, stat, failure } from './dom.js';
import * as w from './widgets.js';

const main = document.getElementById('main');
document.getElementById('signout').addEventListener('click', signOut);

async function render() {
  const [me, report, history, recent] = await Promise.all([api('/v1/me'), api('/v1/me/usage?period=current'),
    api('/v1/me/history?months=12'), api('/v1/me/events?limit=20')]);
  const tz = me.timezone;
  document.getElementById('who').textContent = me.name;
  const chart = w.usageChart('Your usage', (range) => (range === 'month' ? w.monthPoints(history) : w.dailyPoints(report)),
    [{ key: 'day', label: 'Days' }, { key: 'month', label: 'Months' }]);
  replace(main,
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, `Your usage, ${me.name}`),
      h('p', { class: 'muted' }, `This billing period · plan ${report.plan ?? 'none'} · times in ${tz}`))),
    w.periodStats(report, tz, stat),
    section('Warnings', w.warnings(report, tz)),
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
