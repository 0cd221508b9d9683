// Pieces shared by the console's customer page and the portal: limit bars, the daily chart, recent calls, history.
import { h, bar, statusBadge, empty, table, section } from './dom.js';
import * as f from './format.js';

/** One limit: name, used of amount, a bar, percent, remaining and when it resets (in the customer's zone). */
export function limitBar(l, timeZone) {
  const scope = [l.provider, l.model, l.endpoint, l.user ? `user ${l.user}` : null,
    ...Object.entries(l.dimensions || {}).map(([k, v]) => `${k}=${v}`)].filter(Boolean).join(' / ');
  // A user's page marks whose counter a limit is: the user's own, or the customer's that every user shares.
  const shared = { customer: 'shared by all users', user: 'this user’s own' }[l.scope];
  // A per limit in a customer's report: its figures are those of the user (or value) nearest to the amount.
  const counts = l.users || l.values;
  const nearest = counts && l.per_value ? `nearest: ${l.per_value}, ${f.int(counts.exceeded)} of ${f.int(counts.checked)} `
    + `${l.users ? 'users' : 'values'} at the limit` : null;
  const title = `${l.name}${l.mode === 'soft' ? ' (soft)' : ''}`;
  return h('li', { class: 'limit', dataset: { limit: l.name } },
    h('div', { class: 'limit-head' }, h('span', { class: 'limit-name' }, title),
      statusBadge(l.status)),
    h('div', { class: 'limit-sub muted' }, `${l.metric} per ${l.window}${l.per ? ` for each ${perLabel(l.per)}` : ''}`
      + `${scope ? ` · ${scope}` : ''}${shared ? ` · ${shared}` : ''}${nearest ? ` · ${nearest}` : ''}`),
    bar(l.percent, l.status, `${l.name}: ${l.percent === null ? 'unlimited' : f.percent(l.percent)}`),
    h('div', { class: 'limit-foot' },
      h('span', {}, `${f.amount(l.metric, l.used)} of ${f.amount(l.metric, l.amount)}`),
      h('span', {}, l.percent === null ? 'no limit' : f.percent(l.percent)),
      h('span', {}, l.remaining === null ? 'unlimited' : `${f.amount(l.metric, l.remaining)} left`),
      h('span', { class: 'muted' }, `resets ${f.dateTime(l.resets_at, timeZone)}`)));
}

/** "user" -> "user", "dimensions.platform" -> "platform". */
export function perLabel(per) {
  return per.startsWith('dimensions.') ? per.slice('dimensions.'.length) : per;
}

/** Every limit of a usage report as bars; says what to do when there are none. */
export function limitList(limits, timeZone, emptyHint) {
  if (!limits.length) return empty('No limits apply.', emptyHint);
  return h('ul', { class: 'limits' }, limits.map((l) => limitBar(l, timeZone)));
}

/** Limits at 50 % or more, as warnings; unpriced events too (they are counted but cost nothing yet). */
export function warnings(report, timeZone) {
  const items = report.limits.filter((l) => l.status !== 'ok').map((l) => h('li', { class: `warn status-${l.status}` },
    statusBadge(l.status), ' ',
    `${l.name}${l.per_value ? ` (${l.users ? 'user' : perLabel(l.per)} ${l.per_value})` : ''}: ${f.percent(l.percent)} used (${f.amount(l.metric, l.used)} of ${f.amount(l.metric, l.amount)}), `
    + `resets ${f.dateTime(l.resets_at, timeZone)}.`));
  if (report.unpriced_events > 0) {
    items.push(h('li', { class: 'warn status-warning' }, statusBadge('warning'), ' ',
      `${f.int(report.unpriced_events)} calls had no price and are not in the cost yet.`));
  }
  return items.length ? h('ul', { class: 'warnings' }, items)
    : empty('No warnings: every limit is below 50 %.', 'Warnings appear here when a limit passes 50 %, 80 % and 100 %.');
}

const METRICS = { requests: 'Requests', tokens: 'Tokens', cost: 'Cost (USD)' };

/**
 * The usage chart with a metric switch. points: [{label, requests, tokens, cost}] (cost a decimal string).
 * The chart needs numbers to place bars; the money figures in tables and tooltips stay exact strings.
 */
export function usageChart(title, getPoints, ranges) {
  let metric = 'requests';
  let range = ranges ? ranges[0].key : null;
  let chart = null;
  const canvas = h('canvas', { role: 'img', 'aria-label': title });
  const summary = h('p', { class: 'sr-only', 'aria-live': 'polite' });
  const metricButtons = Object.entries(METRICS).map(([key, label]) => h('button', {
    type: 'button', class: 'seg', 'aria-pressed': String(key === metric), dataset: { metric: key },
    onclick: () => { metric = key; draw(); },
  }, label));
  const rangeButtons = (ranges || []).map((r) => h('button', {
    type: 'button', class: 'seg', 'aria-pressed': String(r.key === range), dataset: { range: r.key },
    onclick: () => { range = r.key; draw(); },
  }, r.label));
  const element = h('div', { class: 'chart-block' },
    h('div', { class: 'toolbar' },
      ranges ? h('div', { class: 'segmented', role: 'group', 'aria-label': 'Range' }, rangeButtons) : null,
      h('div', { class: 'segmented', role: 'group', 'aria-label': 'Metric' }, metricButtons)),
    h('div', { class: 'chart' }, canvas), summary);

  async function draw() {
    metricButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.metric === metric)));
    rangeButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.range === range)));
    const points = await getPoints(range);
    const values = points.map((p) => (metric === 'cost' ? Number(p.cost) : p[metric]));
    const shown = (p) => (metric === 'cost' ? f.money(p.cost) : f.int(p[metric]));
    summary.textContent = `${METRICS[metric]}: ${points.map((p) => `${p.label} ${shown(p)}`).join(', ')}`;
    if (typeof window.Chart !== 'function') return;
    if (chart) chart.destroy();
    chart = new window.Chart(canvas, {
      type: 'bar',
      data: { labels: points.map((p) => p.label), datasets: [{ label: METRICS[metric], data: values,
        backgroundColor: '#4f46e5', borderRadius: 3, maxBarThickness: 28 }] },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { display: false },
          tooltip: { callbacks: { label: (ctx) => `${METRICS[metric]}: ${shown(points[ctx.dataIndex])}` } } },
        // Counts tick at whole numbers: one request is not drawn against 0.1 ... 0.9.
        scales: { y: { beginAtZero: true, ticks: { precision: metric === 'cost' ? undefined : 0,
          callback: (v) => (metric === 'cost' ? `$${f.compact(v)}` : f.compact(v)) } }, x: { grid: { display: false } } },
      },
    });
  }
  return { element, draw };
}

/** Daily rows of a usage report as chart points. */
export function dailyPoints(report) {
  return report.daily.map((d) => ({ label: f.day(d.date), requests: d.requests, tokens: d.tokens, cost: d.cost }));
}

/**
 * Under a day chart: the period's adjustments count in its totals and months but in no day (they belong to the month),
 * so the days add up to the totals less them. Null when the period has none.
 */
export function adjustmentNote(report) {
  const adjustments = report.adjustments || [];
  if (!adjustments.length) return null;
  const parts = adjustments.map((a) => (a.metric === 'cost' ? `cost ${f.money(a.amount)}` : `${a.metric} ${a.amount}`));
  return h('p', { class: 'muted small', id: 'daily-note' }, `Days show usage only: this period's `
    + `${adjustments.length === 1 ? 'adjustment' : `${adjustments.length} adjustments`} (${parts.join(', ')}) `
    + 'count in the totals and in the months, not in any day.');
}

/** Monthly summaries (newest first) as chart points, oldest first. */
export function monthPoints(history) {
  return [...history.months].reverse().map((m) => ({ label: f.month(m.month), requests: m.totals.requests,
    tokens: m.totals.tokens, cost: m.totals.cost }));
}

/** The last calls. */
export function callsTable(events, timeZone) {
  if (!events.length) return empty('No calls recorded yet.', 'Calls appear here seconds after they are sent to POST /v1/events.');
  return table([
    { label: 'Time', cell: (e) => h('time', { datetime: e.timestamp }, f.preciseTime(e.timestamp, timeZone)) },
    { label: 'Provider', cell: (e) => e.provider ?? f.DASH },
    { label: 'Model', long: true, cell: (e) => e.model ?? f.DASH },
    { label: 'Endpoint', long: true, cell: (e) => e.endpoint ?? f.DASH },
    { label: 'Status', cell: (e) => statusCode(e.status) },
    { label: 'Latency', numeric: true, cell: (e) => f.ms(e.latency_ms) },
    { label: 'Tokens', numeric: true, cell: (e) => f.int(e.tokens) },
    { label: 'Cost', numeric: true, cell: (e) => (e.unpriced ? h('span', { class: 'muted' }, 'unpriced') : f.moneyEl(e.cost)) },
  ], events, 'Most recent first');
}

/** An HTTP status, red when it is an error. */
export function statusCode(status) {
  if (status === null || status === undefined) return f.DASH;
  return h('span', { class: status >= 400 ? 'code code-error' : 'code' }, String(status));
}

/** Monthly summaries, newest first. */
/**
 * Monthly summaries, each billing month named by its first and last day in the customer's zone (issue 15.8: a
 * period from November 30 is not "November").
 */
export function historyTable(history, timeZone) {
  if (!history.months.length) return empty('No history yet.', 'Each billing month is summarised here once it has usage; summaries are kept forever.');
  return table([
    { label: 'Billing period', cell: (m) => f.span(m.start, m.end, timeZone) },
    { label: 'Requests', numeric: true, cell: (m) => f.int(m.totals.requests) },
    { label: 'Errors', numeric: true, cell: (m) => f.int(m.totals.errors) },
    { label: 'Tokens', numeric: true, cell: (m) => f.int(m.totals.tokens) },
    { label: 'Cost', numeric: true, cell: (m) => f.moneyEl(m.totals.cost) },
  ], history.months);
}

/** The current period's headline figures. */
export function periodStats(report, timeZone, stat) {
  return h('div', { class: 'stats' },
    stat('Requests', f.int(report.totals.requests), `${f.int(report.totals.errors)} errors`),
    stat('Tokens', f.int(report.totals.tokens)),
    stat('Cost', f.moneyEl(report.totals.cost), report.unpriced_events ? `${f.int(report.unpriced_events)} unpriced calls` : null),
    stat('Period', `${f.date(report.period.start, timeZone)} – ${f.date(lastMoment(report.period.end), timeZone)}`,
      `resets ${f.dateTime(report.period.resets_at, timeZone)}`));
}

/** The last instant before an exclusive end, so a period ending Dec 1 00:00 reads "to Nov 30". */
function lastMoment(iso) {
  return new Date(Date.parse(iso) - 1).toISOString();
}

export { section };
