// End users and dimensions (issue 13): a customer's top users and each dimension's breakdown over today, this week
// or the billing month; every user of the month; one user's page. Shared by the console (/v1/customers/{id}/...) and
// the portal (/v1/me/...), which differ only in the API base and in where links lead.
//
// Every range comes from the server's sums: the month from the usage report (by_user, by_dimension: kept per billing
// month), today and this week from the report of those days (usage?from=&to=, kept per day in the customer's zone).
import { api, query } from './api.js';
import { h, replace, stat, section, table, empty, failure, bar, statusBadge } from './dom.js';
import * as f from './format.js';
import * as w from './widgets.js';

const TOP = 20;
const RANGES = [{ key: 'day', label: 'Today' }, { key: 'week', label: 'This week' }, { key: 'month', label: 'This month' }];

/**
 * Top users and every dimension's breakdown with a Today / This week / This month switch.
 * base: the API base of the customer; report: its current usage report; links: {user(u), dimension(key, value)}.
 */
export function breakdowns(base, report, timeZone, links) {
  let range = 'month';
  const buttons = RANGES.map((r) => h('button', {
    type: 'button', class: 'seg', dataset: { usersRange: r.key }, 'aria-pressed': String(r.key === range),
    onclick: () => { range = r.key; draw(); },
  }, r.label));
  const body = h('div', { id: 'breakdowns', 'aria-live': 'polite' });
  const element = h('div', {},
    h('div', { class: 'toolbar' }, h('div', { class: 'segmented', role: 'group', 'aria-label': 'Range' }, buttons),
      links.allUsers ? h('a', { href: links.allUsers }, 'All users of the month →') : null),
    body);

  async function draw() {
    buttons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.usersRange === range)));
    let sums;
    try {
      sums = range === 'month' ? fromReport(report) : await fromDays(base, days(range, report));
    } catch (e) {
      replace(body, failure(e));
      return;
    }
    const keys = Object.keys(sums.dimensions).sort();
    replace(body,
      h('p', { class: 'muted small', id: 'breakdowns-note' }, note(range, sums, report, timeZone)),
      h('div', { class: 'grid-2' },
        h('div', { dataset: { breakdown: 'users' } }, h('h3', {}, 'Top users'),
          sums.users.length ? rowsTable('User', sums.users, (r) => h('a', { href: links.user(r.name) }, r.name))
            : empty('No calls named a user here.', 'Send events with "user" to see who uses the most.')),
        keys.length ? keys.map((key) => h('div', { dataset: { breakdown: `dimension.${key}` } },
          h('h3', {}, `By ${key}`), rowsTable(key, sums.dimensions[key],
            (r) => (links.dimension ? h('a', { href: links.dimension(key, r.name) }, r.name) : r.name))))
          : h('div', { dataset: { breakdown: 'dimensions' } }, h('h3', {}, 'By dimension'),
            empty('No calls with dimensions here.', 'Send events with "dimensions": {"platform": "instagram"}.'))));
  }
  return { element, draw };
}

function rowsTable(label, rows, nameCell) {
  return table([
    { label, long: true, cell: nameCell },
    { label: 'Requests', numeric: true, cell: (r) => f.int(r.requests) },
    { label: 'Errors', numeric: true, cell: (r) => f.int(r.errors) },
    { label: 'Tokens', numeric: true, cell: (r) => f.int(r.tokens) },
    { label: 'Cost', numeric: true, cell: (r) => f.moneyEl(r.cost) },
  ], rows);
}

function note(range, sums, report, timeZone) {
  if (range === 'month') {
    return `This billing period (${f.date(report.period.start, timeZone)} onwards), the top ${TOP} by requests`
      + `${report.users_truncated ? '; past 100,000 users the rest are summed under “(other)”' : ''}`
      + `${report.dimensions_truncated ? '; past 1,000 values of a dimension the rest are summed under “(other)”' : ''}.`;
  }
  const from = range === 'day' ? 'today' : `since ${f.dateTime(sums.since, timeZone)}`;
  return `All ${f.int(sums.calls)} calls ${from} (${timeZone}), the top ${TOP} by requests`
    + `${sums.usersTruncated ? '; past 100,000 users this month the rest are summed under “(other)”' : ''}.`;
}

function fromReport(report) {
  const rename = (rows, field) => (rows || []).map((r) => ({ ...r, name: r[field] }));
  return { users: rename(report.by_user, 'user'), dimensions: Object.fromEntries(Object.entries(report.by_dimension || {})
    .map(([key, rows]) => [key, rename(rows, 'value')])) };
}

/**
 * Today, or this week since Monday, as dates in the customer's zone: from (inclusive) and to (the day after today,
 * exclusive); "today" is the server's (the report's last day).
 */
function days(range, report) {
  const today = report.daily.length ? report.daily[report.daily.length - 1].date : report.period.start.slice(0, 10);
  const [y, m, d] = today.split('-').map(Number);
  const day = (offset) => new Date(Date.UTC(y, m - 1, d + offset)).toISOString().slice(0, 10);
  const weekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7; // Monday 0
  return { from: range === 'week' ? day(-weekday) : today, to: day(1) };
}

/** The server's sums of a range of days (the report of those days), shaped like the month's. */
async function fromDays(base, { from, to }) {
  const range = await api(`${base}/usage${query({ from, to })}`);
  return { ...fromReport(range), calls: range.totals.requests, since: range.range.from,
    usersTruncated: range.users_truncated };
}

/**
 * Limits per user and per dimension value (per: "user" / "dimensions.KEY") with the users (or values) nearest to
 * them, as the usage report has them: the server reads the counters of the month's most active users and answers,
 * per limit, how many stand at each level and the nearest ones. Null when the customer has no such limit.
 */
export function perUserLimits(report, timeZone, userLink) {
  const perLimits = report.limits.filter((l) => l.per && l.nearest);
  if (!perLimits.length) return null;
  return h('div', { id: 'per-user-limits' },
    h('p', { class: 'muted small' }, 'Each user (or value) has a counter of its own; shown: the ones closest to each '
      + 'limit among the month\'s most active.'),
    perLimits.map((l) => {
      const byUser = l.per === 'user';
      const counts = byUser ? l.users : l.values;
      const noun = byUser ? 'users' : `${w.perLabel(l.per)} values`;
      const rows = l.nearest.map((n) => ({ ...n, name: byUser ? n.user : n.value }));
      return h('div', { dataset: { perLimit: l.name } },
        h('h3', {}, `${l.name}: ${f.amount(l.metric, l.amount)} ${l.metric} a ${l.window} for each `
          + `${byUser ? 'user' : w.perLabel(l.per)}${l.mode === 'soft' ? ' (soft)' : ''}`),
        h('p', { class: 'muted small per-counts' }, `Of ${f.int(counts.checked)} ${noun}`
          + `${counts.truncated ? ' (the month\'s most active only)' : ''}: ${f.int(counts.exceeded)} at the limit, `
          + `${f.int(counts.critical)} at 80–100 %, ${f.int(counts.warning)} at 50–80 %.`),
        table([
          { label: byUser ? 'User' : 'Value', long: true, cell: (r) => (byUser ? h('a', { href: userLink(r.name) }, r.name) : r.name) },
          { label: 'Used', numeric: true, cell: (r) => `${f.amount(l.metric, r.used)} of ${f.amount(l.metric, l.amount)}` },
          { label: 'Share', cell: (r) => h('div', { class: 'cell-bar' }, bar(r.percent, r.status, `${r.name} ${l.name}`),
            h('span', {}, f.percent(r.percent))) },
          { label: 'Left', numeric: true, cell: (r) => (r.remaining === null ? 'unlimited' : f.amount(l.metric, r.remaining)) },
          { label: 'Status', cell: (r) => statusBadge(r.status) },
          { label: 'Resets', cell: () => f.dateTime(l.resets_at, timeZone) },
        ], rows));
    }));
}

const SORTS = [{ key: 'requests', label: 'Requests' }, { key: 'tokens', label: 'Tokens' }, { key: 'cost', label: 'Cost' }];

/**
 * Every end user of the billing month, largest first, a page of 50 at a time.
 * opts: {base, params, head (elements above), link(user), sortHref(sort)}.
 */
export async function usersList(main, { base, params, head, link, sortHref }) {
  const sort = SORTS.some((s) => s.key === params.get('sort')) ? params.get('sort') : 'requests';
  const results = h('div', { id: 'users-list' });
  replace(main, head, h('div', { class: 'toolbar' }, h('span', { class: 'muted' }, 'Sort by'),
    h('div', { class: 'segmented', role: 'group', 'aria-label': 'Sort by' }, SORTS.map((s) => h('a', {
      class: 'seg', href: sortHref(s.key), 'aria-pressed': String(s.key === sort) }, s.label)))),
  section('End users this month', results));
  const cursors = [null];
  const load = async () => {
    try {
      const page = await api(`${base}/users${query({ period: 'current', sort, limit: 50, cursor: cursors[cursors.length - 1] })}`);
      if (!page.users.length) {
        replace(results, empty('No end users this month.', 'Calls that name a "user" appear here.'));
        return;
      }
      const prev = h('button', { type: 'button', disabled: cursors.length === 1, onclick: () => { cursors.pop(); load(); } }, '← Previous');
      const next = h('button', { type: 'button', disabled: !page.next_cursor, onclick: () => { cursors.push(page.next_cursor); load(); } }, 'Next →');
      replace(results,
        page.users_truncated ? h('p', { class: 'muted small' }, 'Past 100,000 users this month, the rest are summed under “(other)”.') : null,
        rowsTable('User', page.users.map((u) => ({ ...u, name: u.user })), (r) => (r.name === '(other)' ? r.name
          : h('a', { href: link(r.name) }, r.name))),
        h('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, h('span', { class: 'muted' }, `Page ${cursors.length}`), next));
    } catch (e) {
      replace(results, failure(e));
    }
  };
  await load();
}

/** The billing month a page's `period` parameter names ("2026-10"), or null for the current one. */
export function monthParam(params) {
  const period = params.get('period') || '';
  return /^\d{4}-\d{2}$/.test(period) ? period : null;
}

/**
 * One end user's billing month: totals, the limits that apply to its calls (its own and the customer-wide ones), its
 * last calls in that month, and a picker for another month. opts: {base, user, timeZone, period ("2026-10", or null
 * for the current month), monthHref(month) (this page for another month; null: the current one), head (elements
 * above), logHref(days) (the usage log of the user, filtered to {from, to} days when given; null: no link)}.
 */
export async function userPage(main, { base, user, timeZone, period, monthHref, head, logHref }) {
  const usageOf = api(`${base}/users/${encodeURIComponent(user)}/usage${query({ period: period || 'current' })}`);
  // The current month's last calls are the newest; a past month's, the last ones within its period.
  const callsIn = (p) => api(`${base}/events${query({ user, limit: 20, from: p && p.start, to: p && p.end })}`);
  const [usage, calls] = await Promise.all([usageOf,
    period ? usageOf.then((u) => callsIn(u.period)) : callsIn(null)]);
  const t = usage.totals;
  const picker = h('input', { type: 'month', id: 'user-month', value: period || f.monthOf(usage.period.start, timeZone),
    'aria-label': 'Billing month' });
  picker.addEventListener('change', () => { if (picker.value) location.hash = monthHref(picker.value); });
  replace(main, head,
    h('div', { class: 'toolbar' }, h('label', { class: 'muted', for: 'user-month' }, 'Billing month'), picker,
      period ? h('a', { href: monthHref(null), id: 'user-month-current' }, 'This month →') : null),
    h('div', { class: 'stats', id: 'user-totals' },
      stat('Requests', f.int(t.requests), `${f.int(t.errors)} errors`), stat('Tokens', f.int(t.tokens)),
      stat('Cost', f.moneyEl(t.cost)),
      stat('Period', f.span(usage.period.start, usage.period.end, timeZone))),
    section('Limits for this user', w.limitList(usage.limits, timeZone, 'No limit applies to this user’s calls.')),
    section('Last calls of this user', w.callsTable(calls.events, timeZone),
      logHref ? h('p', {}, h('a', { href: logHref(period ? daysOf(usage.period, timeZone) : {}), id: 'user-log' },
        `All calls of this user${period ? ` in ${f.month(period)}` : ''} in the usage log →`)) : null));
}

/** A period [start, end) as the log filter's first and last day in the customer's zone. */
function daysOf(period, timeZone) {
  return { from: f.dayOf(period.start, timeZone), to: f.dayOf(new Date(Date.parse(period.end) - 1).toISOString(), timeZone) };
}
