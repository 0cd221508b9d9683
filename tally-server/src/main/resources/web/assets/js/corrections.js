// Corrections of a customer's books on its page: the month's adjustments, the re-ratings that changed it, and a
// re-rating an admin runs here: a dry run first (the diff, nothing changed), then the apply of exactly that month.
import { api, query, ApiError } from './api.js';
import { h, replace, section, table, empty, failure } from './dom.js';
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
  return section('Corrections',
    h('h3', {}, 'Adjustments this period'), adjustmentList(report.adjustments || []),
    h('h3', {}, 'Re-ratings'), reratings instanceof Error ? failure(reratings) : reratingList(reratings),
    h('h3', {}, 'Re-rate a month'), rerateForm(id, month));
}

function adjustmentList(adjustments) {
  if (!adjustments.length) {
    return empty('No adjustments this period.', 'Record one with POST /v1/customers/{id}/adjustments (a credit, a refund).');
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
    { label: 'Period', cell: (r) => r.period },
    { label: 'Events changed', numeric: true, cell: (r) => f.int(r.changed_events) },
    { label: 'Cost before', numeric: true, cell: (r) => f.moneyEl(r.cost_before) },
    { label: 'Cost after', numeric: true, cell: (r) => f.moneyEl(r.cost_after) },
    { label: 'By', cell: (r) => r.created_by ?? f.DASH },
  ], reratings, 'Applied re-ratings, newest first');
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
