// Corrections of a customer's books on its page: the month's adjustments (and a form to record one), the re-ratings
// that changed it, and a re-rating an admin runs here: a dry run first (the diff, nothing changed), then the apply of
// exactly that month. The portal shows the customer its own month's corrections (portalCorrections).
import { api, query, ApiError } from './api.js';
import { h, replace, section, table, empty, failure } from './dom.js';
import { field, clearProblems, showProblems } from './forms.js';
import * as f from './format.js';

/** The "Corrections" section of customer {@code id}, whose month {@code report} is shown. */
export async function correctionsSection(id, report) {
  let reratings;
  try {
    reratings = (await api(`/v1/reratings${query({ customer: id })}`)).reratings;
  } catch (e) {
    reratings = e;
  }
  const month = report.daily.length ? report.daily[0].date.slice(0, 7) : '';
  const list = h('div', { id: 'adjustment-list' }, adjustmentList(report.adjustments || []));
  return section('Corrections',
    h('h3', {}, 'Adjustments this period'), list,
    h('h3', {}, 'Record an adjustment'), adjustmentForm(id, month, list),
    h('h3', {}, 'Re-ratings'), reratings instanceof Error ? failure(reratings) : reratingList(reratings),
    h('h3', {}, 'Re-rate a month'), rerateForm(id, month));
}

function adjustmentList(adjustments) {
  if (!adjustments.length) {
    return empty('No adjustments this period.', 'Record one below (a credit, a refund, a missed charge).');
  }
  return table([
    { label: 'Recorded', cell: (a) => f.dateTime(a.created_at) },
    { label: 'Metric', cell: (a) => a.metric },
    { label: 'Amount', numeric: true, cell: (a) => (a.metric === 'cost' ? f.moneyEl(a.amount) : a.amount) },
    { label: 'Reason', cell: (a) => a.reason },
    { label: 'By', cell: (a) => a.created_by ?? f.DASH },
  ], adjustments, 'Adjustments of this billing period');
}

function reratingList(reratings) {
  if (!reratings.length) return empty('This customer was never re-rated.', 'Run a dry run below after a price changed.');
  return table([
    { label: 'Applied', cell: (r) => f.dateTime(r.created_at) },
    // A re-rating of every customer holds every customer's figures, not only this one's: say so.
    { label: 'Period', cell: (r) => (r.customer ? r.period : `${r.period} (all customers)`) },
    { label: 'Events changed', numeric: true, cell: (r) => f.int(r.changed_events) },
    { label: 'Cost before', numeric: true, cell: (r) => f.moneyEl(r.cost_before) },
    { label: 'Cost after', numeric: true, cell: (r) => f.moneyEl(r.cost_after) },
    { label: 'By', cell: (r) => r.created_by ?? f.DASH },
  ], reratings, 'Applied re-ratings, newest first');
}

/**
 * Metric, amount, period and reason of a new adjustment. The server checks every rule; its problems are shown next to
 * their fields and nothing is recorded. Once recorded, the period's list above is read again.
 */
function adjustmentForm(id, month, list) {
  const base = `/v1/customers/${encodeURIComponent(id)}/adjustments`;
  const inputs = {
    metric: h('input', { value: 'cost', list: 'adjustment-metrics', autocomplete: 'off' }),
    amount: h('input', { placeholder: '-12.50', inputmode: 'decimal', autocomplete: 'off' }),
    period: h('input', { value: month, placeholder: 'YYYY-MM', size: 8 }),
    reason: h('input', { placeholder: 'refund for outage 2026-11-03', maxlength: 500 }),
  };
  const status = h('div', { id: 'adjustment-status', 'aria-live': 'polite' });
  const form = h('form', { id: 'adjustment-form', class: 'editor', novalidate: true }, status,
    h('p', { class: 'muted small' }, 'A signed correction of one metric of a billing month: it counts in that month’s '
      + 'totals and month limits, is recorded with your name, and is never changed (correct it with another).'),
    h('div', { class: 'form-grid' }, field('adjustment-metric', 'Metric', inputs.metric, 'metric'),
      field('adjustment-amount', 'Amount (USD for cost)', inputs.amount, 'amount'),
      field('adjustment-period', 'Period', inputs.period, 'period'),
      field('adjustment-reason', 'Reason', inputs.reason, 'reason')),
    h('datalist', { id: 'adjustment-metrics' },
      ['cost', 'requests', 'input_tokens', 'output_tokens', 'cached_tokens', 'cache_write_tokens'].map((m) => h('option', { value: m }))),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary', id: 'adjustment-record' }, 'Record adjustment')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    // An empty field is left out, so the server says what it needs ("reason: is required: say why ...").
    const body = Object.fromEntries(Object.entries(inputs).map(([k, input]) => [k, input.value.trim()]).filter(([, v]) => v));
    try {
      const a = await api(base, { method: 'POST', body });
      clearProblems(form);
      replace(status, h('div', { class: 'alert alert-ok', role: 'status' },
        `Recorded ${a.id}: ${a.metric} ${a.amount} in ${a.period}, by ${a.created_by}. Totals include it from now on.`));
      inputs.amount.value = '';
      inputs.reason.value = '';
      replace(list, adjustmentList((await api(`${base}${query({ period: month })}`)).adjustments));
    } catch (err) {
      showProblems(form, status, err);
    }
  });
  return form;
}

/** The period input, Dry run, and Apply (offered only for the period of the last dry run shown). */
function rerateForm(id, month) {
  const period = h('input', { id: 'rerate-period', name: 'period', value: month, placeholder: 'YYYY-MM', size: 8 });
  const result = h('div', { id: 'rerate-result', 'aria-live': 'polite' });
  const applyButton = h('button', { type: 'button', id: 'rerate-apply', class: 'primary', disabled: true }, 'Apply');
  let checked = null;
  const run = async (dryRun) => {
    const asked = period.value.trim();
    try {
      const diff = await api('/v1/rerate', { method: 'POST', body: { period: asked, customer: id, dry_run: dryRun } });
      replace(result, diffView(diff));
      checked = dryRun ? asked : null;
      applyButton.disabled = !dryRun;
    } catch (e) {
      const text = e instanceof ApiError && e.errors.length ? e.errors.map((p) => `${p.field}: ${p.message}`).join('; ') : e.message;
      replace(result, failure(new Error(text)));
      applyButton.disabled = true;
    }
  };
  period.addEventListener('input', () => { applyButton.disabled = period.value.trim() !== checked; });
  applyButton.addEventListener('click', () => run(false));
  return h('form', { id: 'rerate-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); run(true); } },
    h('p', { class: 'muted small' }, 'Prices the period’s stored events again with today’s catalog. A dry run changes nothing; '
      + 'Apply changes events, sums and limits, and keeps a record.'),
    h('label', { for: 'rerate-period' }, 'Period '), period, ' ',
    h('button', { type: 'submit', id: 'rerate-dry-run' }, 'Dry run'), ' ', applyButton, result);
}

function diffView(d) {
  const head = d.dry_run
    ? `Dry run: ${f.int(d.changed_events)} of ${f.int(d.events)} events would change; nothing was changed.`
    : `Applied: ${f.int(d.changed_events)} of ${f.int(d.events)} events changed.`;
  return h('div', { class: 'rerate-diff' },
    h('p', { role: 'status' }, head, ' Cost ', f.moneyEl(d.cost_before), ' → ', f.moneyEl(d.cost_after), '.',
      d.events_past_retention ? ` ${f.int(d.events_past_retention)} events are past retention and keep their cost.` : ''),
    d.lines.length ? table([
      { label: 'Provider', cell: (l) => l.provider || f.DASH },
      { label: 'Model', cell: (l) => l.model || f.DASH },
      { label: 'Events', numeric: true, cell: (l) => f.int(l.events) },
      { label: 'Changed', numeric: true, cell: (l) => f.int(l.changed_events) },
      { label: 'Newly priced', numeric: true, cell: (l) => f.int(l.newly_priced) },
      { label: 'Cost before', numeric: true, cell: (l) => f.moneyEl(l.cost_before) },
      { label: 'Cost after', numeric: true, cell: (l) => f.moneyEl(l.cost_after) },
    ], d.lines, 'The diff by model') : empty('No events in this period.'));
}

/**
 * The portal's view of the customer's own corrections of the month shown: its adjustments (date, amount, reason) and
 * whether the month was re-rated (when, and how the cost moved); null when there are none. Who made them is the
 * operator's business and is left out.
 */
export function portalCorrections(report, timeZone) {
  const adjustments = report.adjustments || [];
  const reratings = report.reratings || [];
  if (!adjustments.length && !reratings.length) return null;
  return section('Corrections',
    reratings.length ? h('ul', { class: 'warnings', id: 'reratings' }, reratings.map((r) => h('li', { dataset: { rerating: r.id } },
      `This month was re-rated on ${f.dateTime(r.created_at, timeZone)}: ${f.int(r.changed_events)} calls were priced again, cost `,
      f.moneyEl(r.cost_before), ' → ', f.moneyEl(r.cost_after), '.'))) : null,
    adjustments.length ? table([
      { label: 'Date', cell: (a) => f.date(a.created_at, timeZone) },
      { label: 'Metric', cell: (a) => a.metric },
      { label: 'Amount', numeric: true, cell: (a) => (a.metric === 'cost' ? f.moneyEl(a.amount) : a.amount) },
      { label: 'Reason', cell: (a) => a.reason },
    ], adjustments, 'Adjustments of this billing period, included in the totals above') : null);
}
