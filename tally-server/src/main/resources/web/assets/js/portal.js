// The customer portal: only the signed-in customer's own data, all through /v1/me/... (the API itself refuses any
// other customer to a customer session, so nothing here could reach one even if it tried).
import { api, query, session, signOut, ApiError } from './api.js';
import { h, replace, section, stat, failure, statusBadge } from './dom.js';
import * as f from './format.js';
import * as w from './widgets.js';
import * as users from './endusers.js';
import { portalCorrections } from './corrections.js';

/** The customer's open alerts (GET /v1/me/alerts), or none on a server without alerts. */
async function activeAlerts() {
  try {
    return (await api('/v1/me/alerts?state=active')).alerts || [];
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return [];
    throw e;
  }
}

/**
 * One alert per limit and kind: the highest level reached (50 %, 80 % and 100 % of the same limit say one thing three
 * times), newest first among equals.
 */
function latestPerLimit(alerts) {
  const best = new Map();
  for (const a of alerts) {
    const key = `${a.kind}|${a.limit ?? ''}`;
    const kept = best.get(key);
    if (!kept || (a.threshold ?? 0) > (kept.threshold ?? 0)
        || ((a.threshold ?? 0) === (kept.threshold ?? 0) && a.created_at > kept.created_at)) best.set(key, a);
  }
  return alerts.filter((a) => best.get(`${a.kind}|${a.limit ?? ''}`) === a);
}

/**
 * Alerts first (they are what the operator also sees), then limits at 50 % or more and unpriced calls; a used-up limit
 * whose denial message is shown above is not said again.
 */
function warningsWithAlerts(report, alerts, tz) {
  const shown = latestPerLimit(alerts);
  const covered = new Set(report.limits.filter((l) => l.message).map((l) => l.name));
  const fromLimits = w.warnings({ ...report, limits: report.limits.filter((l) => !covered.has(l.name)) }, tz);
  if (!shown.length) return fromLimits;
  const list = h('ul', { class: 'warnings', id: 'alerts' }, shown.map((a) => h('li', {
    class: 'warn', dataset: { alert: a.id, limit: a.limit ?? '' } }, statusBadge(a.kind === 'exceeded' || (a.threshold ?? 0) >= 100
    ? 'exceeded' : 'warning'), ' ',
  a.message, ' ', h('span', { class: 'muted small' }, `(${f.dateTime(a.created_at, tz)})`))));
  return h('div', {}, list, fromLimits.tagName === 'UL' ? fromLimits : null);
}

/**
 * What a call is answered now that a hard limit is used up: the operator's message for it (issue 15.4), first, since
 * it says what to do ("Your monthly limit is over. Please upgrade your plan.").
 */
function denials(report) {
  const over = report.limits.filter((l) => l.message);
  if (!over.length) return null;
  return h('ul', { class: 'warnings', id: 'denials' }, over.map((l) => h('li', {
    class: 'warn status-exceeded', dataset: { limit: l.name } }, statusBadge('exceeded'), ' ', l.message)));
}

const main = document.getElementById('main');
document.getElementById('signout').addEventListener('click', signOut);

/** The customer's month: warnings, limits, the chart, its users and dimensions, calls and history (#/). */
async function renderHome(me) {
  const [report, history, recent, alerts] = await Promise.all([
    api('/v1/me/usage?period=current'), api('/v1/me/history?months=12'), api('/v1/me/events?limit=20'),
    activeAlerts()]);
  const tz = me.timezone;
  const chart = w.usageChart('Your usage', (range) => (range === 'month' ? w.monthPoints(history) : w.dailyPoints(report)),
    [{ key: 'day', label: 'Days' }, { key: 'month', label: 'Months' }]);
  const people = users.breakdowns('/v1/me', report, tz, {
    user: (u) => `#/users/${encodeURIComponent(u)}`, dimension: null, allUsers: '#/users' });
  replace(main,
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, `Your usage, ${me.name}`),
      h('p', { class: 'muted' }, `This billing period · plan ${report.plan ?? 'none'} · times in ${tz}`))),
    w.periodStats(report, tz, stat),
    section('Warnings', h('div', {}, denials(report), warningsWithAlerts(report, alerts, tz))),
    section('Your limits', w.limitList(report.limits, tz, 'Your plan has no limits: usage is only measured.')),
    portalCorrections(report, tz),
    section('Usage over time', chart.element, w.adjustmentNote(report)),
    section('Your users and dimensions', people.element),
    section('Recent calls', w.callsTable(recent.events, tz)),
    section('History', w.historyTable(history, tz)));
  await Promise.all([chart.draw(), people.draw()]);
}

function back() {
  return h('p', { class: 'muted small' }, h('a', { href: '#/' }, '← Your usage'));
}

/** Every user of the customer's month (#/users). */
async function renderUsers(me, params) {
  await users.usersList(main, { base: '/v1/me', params,
    head: h('div', { class: 'page-head' }, h('div', {}, back(), h('h1', {}, 'Your users'),
      h('p', { class: 'muted' }, `Every end user of ${me.name} this billing month, largest first.`))),
    link: (u) => `#/users/${encodeURIComponent(u)}`, sortHref: (sort) => `#/users?sort=${sort}` });
}

/**
 * One of the customer's users: its month, what is left of each limit, its last calls (#/users/{user}, ?period=YYYY-MM
 * for another billing month).
 */
async function renderUser(me, user, params) {
  const period = users.monthParam(params);
  const when = period ? `in the billing month of ${f.month(period)}` : 'this billing period';
  await users.userPage(main, { base: '/v1/me', user, timeZone: me.timezone, logHref: null, period,
    monthHref: (month) => `#/users/${encodeURIComponent(user)}${query({ period: month })}`,
    head: h('div', { class: 'page-head' }, h('div', {}, h('p', { class: 'muted small' }, h('a', { href: '#/users' }, '← Your users')),
      h('h1', {}, user), h('p', { class: 'muted' }, `Your user's usage ${when} · times in ${me.timezone}`))) });
}

let me = null;

/** A small hash router: #/ is the month, #/users the users, #/users/{user} one of them. */
async function show() {
  const [path, search = ''] = (location.hash.replace(/^#/, '') || '/').split('?');
  const params = new URLSearchParams(search);
  try {
    const one = path.match(/^\/users\/(.+)$/);
    if (one) await renderUser(me, decodeURIComponent(one[1]), params);
    else if (path === '/users') await renderUsers(me, params);
    else await renderHome(me);
    window.scrollTo(0, 0);
  } catch (e) {
    replace(main, failure(e));
  }
}

try {
  await session();
  me = await api('/v1/me');
  document.getElementById('who').textContent = me.name;
  window.addEventListener('hashchange', show);
  await show();
} catch (e) {
  replace(main, failure(e));
}
