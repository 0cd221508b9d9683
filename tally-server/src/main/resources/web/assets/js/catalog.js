// Plans, customers, limits and prices: view and edit through the same API as everyone else. A rejected save shows
// each problem next to its field (the API names fields like "limits[0].amount"); nothing is half-saved.
import { api } from './api.js';
import { h, replace, section, table, empty, failure } from './dom.js';
import { field, clearProblems, showProblems } from './forms.js';
import * as f from './format.js';
import { allCustomers } from './logs.js';

const WINDOWS = ['minute', 'hour', 'day', 'month'];
const MODES = ['hard', 'soft'];
const METRICS = ['requests', 'tokens', 'cost', 'input_tokens', 'output_tokens', 'cached_tokens', 'characters',
  'seconds', 'compute_units', 'images'];

export async function render(main, { params }) {
  const [plans, customers, prices] = await Promise.all([allPlans(), allCustomers(), api('/v1/prices?limit=1000')]);
  const planArea = h('div');
  const customerArea = h('div');
  replace(main,
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Plans & customers'),
      h('p', { class: 'muted' }, 'Edit plans and their limits, customers and their overrides, and prices.'))),
    section('Plans', planArea), section('Customers', customerArea), section('Prices', priceEditor(prices.prices)),
    h('datalist', { id: 'metric-names' }, METRICS.map((m) => h('option', { value: m }))));
  showPlans(planArea, plans, params.get('plan'));
  showCustomers(customerArea, customers, plans, params.get('customer'));
  return null;
}

async function allPlans() {
  return (await api('/v1/plans?limit=1000')).plans;
}

function showPlans(area, plans, selectedId) {
  const selected = plans.find((p) => p.id === selectedId) || plans[0] || null;
  const picker = h('select', { id: 'plan-picker', 'aria-label': 'Plan to edit' },
    plans.map((p) => h('option', { value: p.id, selected: p === selected }, `${p.name} (${p.id})`)),
    h('option', { value: '' }, 'New plan…'));
  const editorArea = h('div');
  picker.addEventListener('change', () => replace(editorArea, planForm(plans.find((p) => p.id === picker.value) || null)));
  replace(area, plans.length ? h('div', { class: 'toolbar' }, h('label', { for: 'plan-picker' }, 'Plan'), picker)
    : empty('No plans yet.', 'Create one below: a name and the limits every customer on it gets.'), editorArea);
  replace(editorArea, planForm(selected));
}

/** The plan form: id (new plans only), name and the limits table. */
function planForm(plan) {
  const isNew = !plan;
  const idInput = h('input', { value: plan?.id ?? '', readonly: !isNew, required: true, autocomplete: 'off' });
  const nameInput = h('input', { value: plan?.name ?? '', autocomplete: 'off' });
  const limits = limitEditor('plan', plan?.limits ?? []);
  const status = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'editor', id: 'plan-form', novalidate: true },
    status,
    h('div', { class: 'form-grid' }, field('plan-id', 'Plan id', idInput, 'plan_id'), field('plan-name', 'Name', nameInput, 'name')),
    h('h3', {}, 'Limits'), limits.element,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, isNew ? 'Create plan' : 'Save plan'),
      isNew ? null : h('button', { type: 'button', class: 'danger', onclick: async () => {
        if (!confirm(`Delete plan ${plan.id}?`)) return;
        try { await api(`/v1/plans/${encodeURIComponent(plan.id)}`, { method: 'DELETE' }); location.hash = '#/catalog?r=' + Date.now(); }
        catch (e) { showProblems(form, status, e); }
      } }, 'Delete plan')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = idInput.value.trim();
    try {
      const saved = await api(`/v1/plans/${encodeURIComponent(id)}`, { method: 'PUT',
        body: { name: nameInput.value.trim() || id, limits: limits.read() } });
      clearProblems(form);
      replace(status, h('div', { class: 'alert alert-ok', role: 'status' }, `Plan ${saved.id} saved.`));
    } catch (err) {
      showProblems(form, status, err);
    }
  });
  return form;
}

const LABELS = { metric: 'Metric', window: 'Window', amount: 'Amount', mode: 'Mode', provider: 'Provider', model: 'Model',
  endpoint: 'Endpoint' };

/**
 * An editable table of limits. Values are sent as typed (numbers as numbers, cost amounts as decimal strings, an
 * empty amount as null = unlimited); the server checks them and its answer is shown beside the fields.
 */
function limitEditor(prefix, initial) {
  const tbody = h('tbody');
  const rows = [];
  const add = (l = {}) => {
    const i = rows.length;
    const cells = {
      metric: h('input', { value: l.metric ?? '', list: 'metric-names', 'aria-label': `Limit ${i + 1} metric` }),
      window: h('select', { 'aria-label': `Limit ${i + 1} window` }, WINDOWS.map((wd) => h('option', { value: wd, selected: wd === (l.window ?? 'month') }, wd))),
      amount: h('input', { value: l.amount ?? '', inputmode: 'decimal', placeholder: 'unlimited', 'aria-label': `Limit ${i + 1} amount` }),
      mode: h('select', { 'aria-label': `Limit ${i + 1} mode` }, MODES.map((m) => h('option', { value: m, selected: m === (l.mode ?? 'hard') }, m))),
      provider: h('input', { value: l.provider ?? '', placeholder: 'all', 'aria-label': `Limit ${i + 1} provider` }),
      model: h('input', { value: l.model ?? '', placeholder: 'all', 'aria-label': `Limit ${i + 1} model` }),
      endpoint: h('input', { value: l.endpoint ?? '', placeholder: 'all', 'aria-label': `Limit ${i + 1} endpoint` }),
    };
    const row = { cells, removed: false, extra: { name: l.name, thresholds: l.thresholds } };
    Object.entries(cells).forEach(([k, input]) => { input.dataset.field = `limits[${i}].${k}`; input.id = `${prefix}-l${i}-${k}`; });
    const tr = h('tr', { dataset: { row: i } }, Object.entries(cells).map(([k, c]) => h('td', { 'data-label': LABELS[k] }, c)),
      h('td', {}, h('button', { type: 'button', class: 'danger', 'aria-label': `Remove limit ${i + 1}`, onclick: () => { row.removed = true; tr.remove(); } }, 'Remove')));
    rows.push(row);
    tbody.append(tr);
  };
  initial.forEach(add);
  const element = h('div', {}, h('div', { class: 'table-wrap' }, h('table', { class: 'limit-editor stack' },
    h('thead', {}, h('tr', {}, [...Object.values(LABELS), ''].map((t) => h('th', { scope: 'col' }, t)))),
    tbody)), h('div', { class: 'form-actions' }, h('button', { type: 'button', onclick: () => add() }, 'Add limit')));
  const read = () => {
    // Removed rows leave gaps; the field names of the answer follow the order sent, so renumber the inputs.
    const live = rows.filter((r) => !r.removed);
    live.forEach((r, i) => Object.entries(r.cells).forEach(([k, input]) => { input.dataset.field = `limits[${i}].${k}`; }));
    return live.map((r) => {
      const c = r.cells;
      const out = { metric: c.metric.value.trim(), window: c.window.value, amount: amountValue(c.metric.value.trim(), c.amount.value.trim()), mode: c.mode.value };
      for (const k of ['provider', 'model', 'endpoint']) if (c[k].value.trim()) out[k] = c[k].value.trim();
      if (r.extra.thresholds) out.thresholds = r.extra.thresholds;
      return out;
    });
  };
  return { element, read };
}

function amountValue(metric, text) {
  if (text === '') return null;
  if (metric === 'cost') return text;
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

function showCustomers(area, customers, plans, selectedId) {
  const selected = customers.find((c) => c.id === selectedId) || customers[0] || null;
  const picker = h('select', { id: 'customer-picker', 'aria-label': 'Customer to edit' },
    customers.map((c) => h('option', { value: c.id, selected: c === selected }, `${c.name} (${c.id})`)),
    h('option', { value: '' }, 'New customer…'));
  const editorArea = h('div');
  picker.addEventListener('change', () => replace(editorArea, customerForm(customers.find((c) => c.id === picker.value) || null, plans)));
  replace(area, customers.length ? h('div', { class: 'toolbar' }, h('label', { for: 'customer-picker' }, 'Customer'), picker)
    : empty('No customers yet.', 'Create one below, then issue it a key so it can sign in to the portal.'), editorArea);
  replace(editorArea, customerForm(selected, plans));
}

function customerForm(c, plans) {
  const isNew = !c;
  const idInput = h('input', { value: c?.id ?? '', readonly: !isNew, autocomplete: 'off' });
  const nameInput = h('input', { value: c?.name ?? '', autocomplete: 'off' });
  const planInput = h('select', {}, h('option', { value: '' }, 'No plan'),
    plans.map((p) => h('option', { value: p.id, selected: c?.plan === p.id }, p.name)));
  const tzInput = h('input', { value: c?.timezone ?? 'UTC', list: 'zones', autocomplete: 'off' });
  const dayInput = h('input', { value: c?.billing_day ?? 1, inputmode: 'numeric' });
  const limits = limitEditor('customer', c?.limits ?? []);
  const status = h('div', { 'aria-live': 'polite' });
  const keyArea = h('div');
  const form = h('form', { class: 'editor', id: 'customer-form', novalidate: true }, status,
    h('div', { class: 'form-grid' }, field('customer-id', 'Customer id', idInput, 'customer_id'),
      field('customer-name', 'Name', nameInput, 'name'), field('customer-plan', 'Plan', planInput, 'plan'),
      field('customer-timezone', 'Time zone', tzInput, 'timezone'), field('customer-billing-day', 'Billing day', dayInput, 'billing_day')),
    h('datalist', { id: 'zones' }, (Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : []).map((z) => h('option', { value: z }))),
    h('h3', {}, 'Limit overrides'), h('p', { class: 'muted small' }, 'Same metric, window and scope as a plan limit replaces it; others add to the plan.'),
    limits.element,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, isNew ? 'Create customer' : 'Save customer'),
      isNew ? null : h('button', { type: 'button', onclick: async () => {
        try {
          const k = await api(`/v1/customers/${encodeURIComponent(c.id)}/keys`, { method: 'POST' });
          replace(keyArea, h('div', { class: 'alert alert-ok', role: 'status' }, `New key ${k.id} — copy it now, it is shown only once:`,
            h('div', { class: 'key-once' }, k.key)));
        } catch (e) { replace(keyArea, failure(e)); }
      } }, 'Issue key'),
      isNew ? null : h('a', { class: 'button', href: `#/customers/${encodeURIComponent(c.id)}` }, 'View usage')), keyArea);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = idInput.value.trim();
    const day = dayInput.value.trim();
    try {
      const saved = await api(`/v1/customers/${encodeURIComponent(id)}`, { method: 'PUT', body: {
        name: nameInput.value.trim() || id, plan: planInput.value || null, timezone: tzInput.value.trim() || 'UTC',
        billing_day: /^\d+$/.test(day) ? Number(day) : day, limits: limits.read() } });
      clearProblems(form);
      replace(status, h('div', { class: 'alert alert-ok', role: 'status' }, `Customer ${saved.id} saved.`));
    } catch (err) {
      showProblems(form, status, err);
    }
  });
  return form;
}

function priceEditor(prices) {
  const list = prices.length ? table([
    { label: 'Provider', cell: (p) => p.provider },
    { label: 'Model', long: true, cell: (p) => p.model ?? h('span', { class: 'muted' }, 'default') },
    { label: 'Metric', cell: (p) => p.metric },
    { label: 'Unit price', numeric: true, cell: (p) => f.moneyExact(p.unit_price) },
    { label: 'Per', numeric: true, cell: (p) => f.int(p.per) },
    { label: 'Effective from', cell: (p) => f.dateTime(p.effective_from, 'UTC') + ' UTC' },
  ], prices) : empty('No prices yet.', 'Add one below; events without a price are stored and marked unpriced.');
  const inputs = {
    provider: h('input', { autocomplete: 'off' }), model: h('input', { placeholder: 'all models', autocomplete: 'off' }),
    metric: h('input', { list: 'metric-names', autocomplete: 'off' }), unit_price: h('input', { inputmode: 'decimal', placeholder: '0.03' }),
    per: h('input', { inputmode: 'numeric', value: '1000' }), effective_from: h('input', { placeholder: 'now (ISO-8601, e.g. 2026-12-01T00:00:00Z)' }),
  };
  const status = h('div', { 'aria-live': 'polite' });
  const form = h('form', { id: 'price-form', novalidate: true }, h('h3', {}, 'Add or change a price'), status,
    h('div', { class: 'form-grid' }, Object.entries(inputs).map(([k, input]) => field(`price-${k}`, k.replace('_', ' '), input, `[0].${k}`))),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save price')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    for (const [k, input] of Object.entries(inputs)) {
      const v = input.value.trim();
      if (v) body[k] = k === 'per' && /^\d+$/.test(v) ? Number(v) : v;
    }
    try {
      await api('/v1/prices', { method: 'PUT', body: [body] });
      clearProblems(form);
      location.hash = `#/catalog?saved=${Date.now()}`;
    } catch (err) {
      showProblems(form, status, err);
    }
  });
  return h('div', {}, list, form);
}
