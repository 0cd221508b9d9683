// The usage log: every call of a customer (or every customer's failed calls), newest first, filtered by provider, model, endpoint, errors and days
// (days are the customer's own calendar days), paginated with the API's cursor. Filters live in the URL.
import { api, query } from './api.js';
import { h, replace, section, table, empty, failure } from './dom.js';
import * as f from './format.js';
import { statusCode } from './widgets.js';

const PAGE = 50;

/** Every customer (id, name, timezone), following next_cursor. */
export async function allCustomers() {
  const list = [];
  let cursor = null;
  do {
    const page = await api(`/v1/customers${query({ limit: 1000, cursor })}`);
    list.push(...page.customers);
    cursor = page.next_cursor;
  } while (cursor);
  return list;
}

function field(id, label, input, ...more) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, ...more);
}

function nextDay(yyyyMmDd) {
  const d = new Date(`${yyyyMmDd}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The log's dimension filters (dimension.KEY=VALUE parameters) as the form shows them: "platform=instagram, bot=x". */
function dimensionText(params) {
  return [...params.entries()].filter(([k]) => k.startsWith('dimension.'))
    .map(([k, val]) => `${k.slice('dimension.'.length)}=${val}`).join(', ');
}

/** "platform=instagram, bot=x" -> {"dimension.platform": "instagram", ...}; null when a part is not key=value. */
function parseDimensions(text) {
  const out = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = part.indexOf('=');
    if (at < 1 || at === part.length - 1) return null;
    out[`dimension.${part.slice(0, at).trim()}`] = part.slice(at + 1).trim();
  }
  return out;
}

/** One line per pair, so a pair breaks only when it alone is too long. */
function dimensionsOf(e) {
  const pairs = Object.entries(e.dimensions || {});
  return pairs.length ? h('span', { class: 'pairs' }, pairs.map(([k, val]) => h('span', {}, `${k}=${val}`))) : f.DASH;
}

/** The customer choice that lists every customer's failed calls. */
const ALL = '*';

export async function render(main, { params }) {
  const customers = await allCustomers();
  if (!customers.length) {
    replace(main, h('h1', {}, 'Usage logs'), section('Calls', empty('No customers yet.',
      'Create a customer under “Plans & customers”, then send events to POST /v1/events.')));
    return null;
  }
  // "All customers" lists every customer's failed calls at once (GET /v1/events?errors=true), in UTC.
  const all = params.get('customer') === ALL;
  const selected = all ? null : customers.find((c) => c.id === params.get('customer')) || customers[0];
  const tz = all ? 'UTC' : selected.timezone;
  const v = (k) => params.get(k) || '';
  const form = h('form', { class: 'card filters', id: 'log-filters', role: 'search', 'aria-label': 'Filter calls' },
    // Names need not be unique: the id tells two "Acme Corp" apart, and the field is wide enough to show it.
    h('div', { class: 'field field-wide' }, h('label', { for: 'f-customer' }, 'Customer'),
      h('select', { id: 'f-customer', name: 'customer' }, [h('option', { value: ALL, selected: all }, 'All customers (errors only)'),
        ...customers.map((c) => h('option', { value: c.id, selected: !all && c.id === selected.id },
          c.name === c.id ? c.id : `${c.name} · ${c.id}`))])),
    field('f-provider', 'Provider', h('input', { id: 'f-provider', name: 'provider', value: v('provider'), placeholder: 'any' })),
    field('f-model', 'Model', h('input', { id: 'f-model', name: 'model', value: v('model'), placeholder: 'any' })),
    field('f-endpoint', 'Endpoint', h('input', { id: 'f-endpoint', name: 'endpoint', value: v('endpoint'), placeholder: 'any' })),
    field('f-user', 'End user', h('input', { id: 'f-user', name: 'user', value: v('user'), placeholder: 'any' })),
    field('f-dimension', 'Dimension', h('input', { id: 'f-dimension', name: 'dimension', value: dimensionText(params),
      placeholder: 'platform=instagram', 'aria-describedby': 'f-dimension-hint' }),
    h('span', { class: 'muted small', id: 'f-dimension-hint' }, 'key=value; several with commas')),
    field('f-from', `From (${tz})`, h('input', { id: 'f-from', name: 'from', type: 'date', value: v('from') })),
    field('f-to', `To (${tz})`, h('input', { id: 'f-to', name: 'to', type: 'date', value: v('to') })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', id: 'f-errors', name: 'errors', checked: params.get('errors') === 'true' }), 'Errors only'),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      h('a', { class: 'button', href: '#/logs' }, 'Clear')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const q = {};
    for (const [k, val] of data.entries()) if (val && k !== 'dimension') q[k] = val;
    const dims = parseDimensions(String(data.get('dimension') || ''));
    const input = form.querySelector('#f-dimension');
    form.querySelector('#f-dimension-error')?.remove();
    if (!dims) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', 'f-dimension-error');
      input.after(h('p', { class: 'field-error', id: 'f-dimension-error' },
        'dimension: write key=value (several separated by commas), e.g. platform=instagram'));
      input.focus();
      return;
    }
    Object.assign(q, dims);
    if (data.get('errors')) q.errors = 'true';
    location.hash = `#/logs${query(q)}`;
  });

  const results = h('div', { id: 'log-results' });
  replace(main, h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Usage logs'),
    h('p', { class: 'muted' }, all ? 'Failed calls (status 400 and above) of every customer, newest first. Times in UTC.'
      : `Every call of a customer, newest first. Times in ${tz}.`))), form,
  section('Calls', results));

  // The day filter is the customer's calendar: from its first instant to the first instant after "to".
  const to = v('to') ? nextDay(v('to')) : null;
  const dimensionFilter = Object.fromEntries([...params.entries()].filter(([k]) => k.startsWith('dimension.')));
  const filter = { provider: v('provider'), model: v('model'), endpoint: v('endpoint'), user: v('user'), ...dimensionFilter,
    errors: all || params.get('errors') === 'true' ? 'true' : '', from: v('from') ? f.startOfDay(v('from'), tz) : '',
    to: to ? f.startOfDay(to, tz) : '', limit: PAGE };
  const cursors = [null];
  const load = async () => {
    try {
      const path = all ? '/v1/events' : `/v1/customers/${encodeURIComponent(selected.id)}/events`;
      const page = await api(`${path}${query({ ...filter, cursor: cursors[cursors.length - 1] })}`);
      draw(page);
    } catch (e) {
      replace(results, failure(e));
    }
  };
  const draw = (page) => {
    if (!page.events.length) {
      replace(results, empty('No calls match these filters.', 'Clear the filters or widen the dates.'));
      return;
    }
    const prev = h('button', { type: 'button', disabled: cursors.length === 1, onclick: () => { cursors.pop(); load(); } }, '← Newer');
    const next = h('button', { type: 'button', disabled: !page.next_cursor, onclick: () => { cursors.push(page.next_cursor); load(); } }, 'Older →');
    replace(results, table([
      // The event id sits under its time: a column of its own would squeeze the others into broken words.
      { label: 'Time · event id', long: true, cell: (e) => [h('time', { datetime: e.timestamp }, f.preciseTime(e.timestamp, tz)),
        h('code', { class: 'small event-id' }, e.id)] },
      ...(all ? [{ label: 'Customer', cell: (e) => h('a', { href: `#/customers/${encodeURIComponent(e.customer)}` }, e.customer) }] : []),
      { label: 'Provider', cell: (e) => e.provider ?? f.DASH },
      { label: 'Model', long: true, cell: (e) => e.model ?? f.DASH },
      { label: 'Endpoint', long: true, cell: (e) => e.endpoint ?? f.DASH },
      { label: 'Status', cell: (e) => statusCode(e.status) },
      { label: 'Latency', numeric: true, cell: (e) => f.ms(e.latency_ms) },
      { label: 'Tokens', numeric: true, cell: (e) => f.int(e.tokens) },
      { label: 'Cost', numeric: true, cell: (e) => (e.unpriced ? h('span', { class: 'muted' }, 'unpriced') : f.moneyEl(e.cost)) },
      { label: 'User', long: true, cell: (e) => (e.user ? h('a', { href: `#/customers/${encodeURIComponent(e.customer)}/users/${encodeURIComponent(e.user)}` }, e.user) : f.DASH) },
      { label: 'Dimensions', long: true, cell: (e) => dimensionsOf(e) },
    ], page.events, `Page ${cursors.length} · ${page.events.length} calls`),
    h('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, h('span', { class: 'muted' }, `Page ${cursors.length}`), next));
  };
  await load();
  return null;
}
