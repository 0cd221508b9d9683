// One customer in depth: limits, charts over days, weeks and months, breakdowns, latency, peak hours, the last calls,
// active alerts and history. Times are shown in the customer's own time zone.
import { api, query, ApiError } from './api.js';
import { h, replace, stat, section, table, empty, failure } from './dom.js';
import * as f from './format.js';
import * as w from './widgets.js';
import { alertList } from './alerts.js';
import * as users from './endusers.js';
import { correctionsSection } from './corrections.js';

export async function render(main, { id }) {
  const base = `/v1/customers/${encodeURIComponent(id)}`;
  const [customer, report, history, recent, activeAlerts] = await Promise.all([
    api(base), api(`${base}/usage?period=current`), api(`${base}/history?months=12`),
    api(`${base}/events?limit=1000`), alertsOf(id),
  ]);
  const perUser = users.perUserLimits(report, customer.timezone,
    (u) => `#/customers/${encodeURIComponent(id)}/users/${encodeURIComponent(u)}`);
  const corrections = await correctionsSection(id, report);
  const tz = customer.timezone;
  const weeks = [];
  const chart = w.usageChart(`Usage of ${customer.name}`, (range) => points(range, base, report, history, weeks), [
    { key: 'day', label: 'Days' }, { key: 'week', label: 'Weeks' }, { key: 'month', label: 'Months' }]);

  const enc = encodeURIComponent;
  const people = users.breakdowns(base, report, tz, {
    user: (u) => `#/customers/${enc(id)}/users/${enc(u)}`,
    dimension: (key, value) => `#/logs${query({ customer: id, [`dimension.${key}`]: value })}`,
    allUsers: `#/customers/${enc(id)}/users`,
  });

  replace(main,
    h('div', { class: 'page-head' },
      h('div', {}, h('p', { class: 'muted small' }, h('a', { href: '#/' }, '← All customers')),
        h('h1', {}, customer.name), h('p', { class: 'muted' },
          `${customer.id} · plan ${customer.plan ?? 'none'} · ${tz} · billing day ${customer.billing_day}`)),
      h('div', { class: 'toolbar' },
        h('a', { class: 'button', href: `#/logs?customer=${encodeURIComponent(id)}` }, 'Usage log'),
        h('a', { class: 'button', href: `${base}/usage.csv?period=current`, download: '' }, 'Download CSV'))),
    w.periodStats(report, tz, stat),
    section('Limits this period', w.limitList(report.limits, tz, 'Give the customer a plan with limits under “Plans & customers”.')),
    perUser ? section('Limits per user and per value', perUser) : null,
    section('Usage over time', chart.element, w.adjustmentNote(report)),
    section('End users and dimensions', people.element),
    h('div', { class: 'grid-2' },
      section('By provider', breakdown(report.by_provider, false)),
      section('By model', breakdown(report.by_model, true))),
    h('div', { class: 'grid-2' },
      section('Top endpoints', endpoints(report.top_endpoints)),
      section('Status and latency', statusAndLatency(report))),
    h('div', { class: 'grid-2' },
      section('Peak hours', peakHours(recent.events, tz)),
      section('Active alerts', activeAlerts)),
    section('Last calls', w.callsTable(recent.events.slice(0, 20), tz)),
    section('History', w.historyTable(history, tz)),
    corrections);
  await Promise.all([chart.draw(), people.draw()]);
}

/** The head of a page below a customer's: a link back to it, a title and a line under it. */
function subHead(customer, title, line) {
  return h('div', { class: 'page-head' }, h('div', {},
    h('p', { class: 'muted small' }, h('a', { href: `#/customers/${encodeURIComponent(customer.id)}` }, `← ${customer.name}`)),
    h('h1', {}, title), h('p', { class: 'muted' }, line)));
}

/** Every end user of a customer's month (#/customers/{id}/users). */
export async function renderUsers(main, { id, params }) {
  const base = `/v1/customers/${encodeURIComponent(id)}`;
  const customer = await api(base);
  await users.usersList(main, { base, params,
    head: subHead(customer, `End users of ${customer.name}`, 'Every user of this billing month, largest first.'),
    link: (u) => `#/customers/${encodeURIComponent(id)}/users/${encodeURIComponent(u)}`,
    sortHref: (sort) => `#/customers/${encodeURIComponent(id)}/users?sort=${sort}` });
  return null;
}

/** One end user of a customer (#/customers/{id}/users/{user}, ?period=YYYY-MM for another billing month). */
export async function renderUser(main, { id, user, params }) {
  const base = `/v1/customers/${encodeURIComponent(id)}`;
  const customer = await api(base);
  const period = users.monthParam(params);
  const page = `#/customers/${encodeURIComponent(id)}/users/${encodeURIComponent(user)}`;
  await users.userPage(main, { base, user, timeZone: customer.timezone, period,
    monthHref: (month) => `${page}${query({ period: month })}`,
    head: subHead(customer, user, `End user of ${customer.name} · `
      + `${period ? `the billing month of ${f.month(period)}` : 'this billing period'} · times in ${customer.timezone}`),
    logHref: (days) => `#/logs${query({ customer: id, user, ...days })}` });
  return null;
}

/** Active alerts of the customer, or a note if this server has no alerts API. */
async function alertsOf(id) {
  try {
    const answer = await api(`/v1/alerts${query({ state: 'active', customer: id })}`);
    return alertList(answer, { showCustomer: false, compact: true });
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) {
      return empty('Alerts are not available on this server.', 'Upgrade Tally to get threshold and spike alerts.');
    }
    return failure(e);
  }
}

/** Chart points for a range: the period's days, weeks of the last three periods, or months of history. */
async function points(range, base, report, history, weeks) {
  if (range === 'month') return w.monthPoints(history);
  if (range === 'day') return w.dailyPoints(report);
  if (!weeks.length) {
    // The period's first day in the customer's zone names its month; the two before it are fetched once.
    const [y, m] = report.daily[0].date.split('-').map(Number);
    const months = [1, 2].map((back) => {
      const d = new Date(Date.UTC(y, m - 1 - back, 1));
      return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    });
    const older = await Promise.all(months.map((mm) => api(`${base}/usage?period=${mm}`).catch(() => null)));
    weeks.push(...byWeek([...older.filter(Boolean).reverse(), report]));
  }
  return weeks;
}

/** Sums daily rows into weeks starting on Monday; cost is summed exactly. */
function byWeek(reports) {
  const weeks = new Map();
  for (const r of reports) {
    for (const d of r.daily) {
      const [y, m, day] = d.date.split('-').map(Number);
      const t = new Date(Date.UTC(y, m - 1, day));
      t.setUTCDate(t.getUTCDate() - ((t.getUTCDay() + 6) % 7));
      const key = t.toISOString().slice(0, 10);
      const wk = weeks.get(key) || { label: `Week of ${f.day(key)}`, requests: 0, tokens: 0, cost: '0' };
      wk.requests += d.requests;
      wk.tokens += d.tokens;
      wk.cost = f.addMoney(wk.cost, d.cost);
      weeks.set(key, wk);
    }
  }
  return [...weeks.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v);
}

function breakdown(rows, withModel) {
  if (!rows.length) return empty('No usage by provider yet.', 'Send events with a provider (and model) to see them here.');
  return table([
    { label: 'Provider', cell: (r) => r.provider },
    withModel ? { label: 'Model', long: true, cell: (r) => r.model ?? f.DASH } : null,
    { label: 'Requests', numeric: true, cell: (r) => f.int(r.requests) },
    { label: 'Tokens', numeric: true, cell: (r) => f.int(r.tokens) },
    { label: 'Cost', numeric: true, cell: (r) => f.moneyEl(r.cost) },
  ].filter(Boolean), rows);
}

function endpoints(rows) {
  if (!rows.length) return empty('No endpoints recorded.', 'Send events with an endpoint to see the busiest ones.');
  return table([
    { label: 'Endpoint', long: true, cell: (r) => r.endpoint },
    { label: 'Requests', numeric: true, cell: (r) => f.int(r.requests) },
    { label: 'Errors', numeric: true, cell: (r) => f.int(r.errors) },
    { label: 'Avg latency', numeric: true, cell: (r) => f.ms(r.avg_latency_ms) },
  ], rows);
}

function statusAndLatency(report) {
  const t = report.totals;
  const codes = report.status_codes;
  const success = t.requests ? f.percent(Math.round(((t.requests - t.errors) / t.requests) * 1000) / 10) : f.DASH;
  return h('div', {},
    h('div', { class: 'stats' }, stat('Success rate', success, `${f.int(t.errors)} errors`),
      stat('p50', f.ms(report.latency_ms.p50)), stat('p95', f.ms(report.latency_ms.p95)),
      stat('p99', f.ms(report.latency_ms.p99))),
    table(Object.keys(codes).map((k) => ({ label: k, numeric: true, cell: () => f.int(codes[k]) })), [{}],
      'Calls by status class'));
}

/** Calls per hour of day (customer's time) over the recent calls: when this customer is busiest. */
function peakHours(events, tz) {
  if (!events.length) return empty('No calls yet.', 'Peak hours appear once calls arrive.');
  const counts = new Array(24).fill(0);
  events.forEach((e) => { counts[f.hourIn(e.timestamp, tz)] += 1; });
  const max = Math.max(...counts);
  const top = counts.map((n, hour) => ({ hour, n })).filter((x) => x.n > 0).sort((a, b) => b.n - a.n).slice(0, 5);
  return h('div', {},
    h('div', { class: 'hours', role: 'img', 'aria-label': `Calls by hour of day, busiest ${top.map((x) => `${x.hour}:00`).join(', ')}` },
      counts.map((n, hour) => {
        const col = h('span', { class: 'hour', title: `${hour}:00 – ${f.int(n)} calls` });
        col.style.height = `${Math.max(2, Math.round((n / max) * 100))}%`;
        return col;
      })),
    h('p', { class: 'muted small' }, `Busiest hours (${tz}), from the last ${f.int(events.length)} calls: `,
      top.map((x) => `${String(x.hour).padStart(2, '0')}:00 (${f.int(x.n)})`).join(', ')));
}
