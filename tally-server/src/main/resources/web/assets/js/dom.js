// Small DOM helpers. Everything from the server goes in as text nodes (never innerHTML), so data cannot inject markup.

/** Creates an element: h('a', {href: '#/x', class: 'link'}, 'text', child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the content of an element. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A labelled figure ("Requests" / "1,234"). */
export function stat(label, value, hint) {
  return h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, label),
    h('div', { class: 'stat-value' }, value), hint ? h('div', { class: 'stat-hint' }, hint) : null);
}

/** A section with a heading. */
export function section(title, ...children) {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

/** Says there is nothing here yet, and what to do about it. */
export function empty(message, next) {
  return h('div', { class: 'empty', role: 'status' }, h('p', {}, message), next ? h('p', { class: 'muted' }, next) : null);
}

/** An error box for a failed call. */
export function failure(error) {
  return h('div', { class: 'alert alert-error', role: 'alert' }, error.message || String(error));
}

/** The colour-coded status of a limit: ok, warning, critical, exceeded. */
export function statusBadge(status) {
  const labels = { ok: 'OK', warning: 'Warning', critical: 'Critical', exceeded: 'Exceeded' };
  return h('span', { class: `badge status-${status}` }, labels[status] || status);
}

/** A progress bar of a percentage (capped at 100 for drawing; the text says the real figure). */
export function bar(percentValue, status, label) {
  const fill = h('span', { class: 'bar-fill' });
  fill.style.width = `${Math.min(100, Math.max(0, percentValue ?? 0))}%`;
  return h('div', {
    class: `bar status-${status}`, role: 'progressbar', 'aria-label': label,
    'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(Math.min(100, percentValue ?? 0)),
  }, fill);
}

/**
 * A table with real headers, sortable by clicking a column header (keyboard too: the header is a button).
 * columns: [{key, label, numeric, minor (hidden at phone width), value(row) for sorting, cell(row) for display}]
 */
export function sortableTable({ caption, columns, rows, sortKey, descending = true, rowAttrs, onSort }) {
  const state = { key: sortKey, descending };
  const tbody = h('tbody');
  const heads = columns.map((c) => {
    const th = h('th', { scope: 'col', class: classes(c) });
    if (c.value) {
      th.append(h('button', { type: 'button', class: 'sort', onclick: () => {
        state.descending = state.key === c.key ? !state.descending : !!c.numeric;
        state.key = c.key;
        draw();
        if (onSort) onSort(state);
      } }, c.label));
    } else {
      th.append(c.label);
    }
    return th;
  });
  const table = h('table', {}, caption ? h('caption', {}, caption) : null, h('thead', {}, h('tr', {}, heads)), tbody);
  let current = rows;
  function draw() {
    const col = columns.find((c) => c.key === state.key);
    const sorted = col && col.value ? [...current].sort((a, b) => compare(col.value(a), col.value(b))
      * (state.descending ? -1 : 1)) : current;
    heads.forEach((th, i) => th.setAttribute('aria-sort', columns[i].key === state.key
      ? (state.descending ? 'descending' : 'ascending') : 'none'));
    // A live table redraws under the keyboard: keep focus on the same row's link across the redraw.
    const focused = tbody.contains(document.activeElement) ? document.activeElement.closest('tr')?.dataset.customer : null;
    tbody.replaceChildren(...sorted.map((r) => h('tr', rowAttrs ? rowAttrs(r) : {},
      columns.map((c, i) => (i === 0 ? h('th', { scope: 'row', class: classes(c) }, c.cell(r))
        : h('td', { class: classes(c), dataset: { col: c.key } }, c.cell(r)))))));
    if (focused) tbody.querySelector(`tr[data-customer="${CSS.escape(focused)}"] a`)?.focus();
  }
  draw();
  return {
    element: h('div', { class: 'table-wrap' }, table),
    update(newRows) { current = newRows; draw(); },
    state,
  };
}

/**
 * A column's cell classes: num for numbers, long for names that may break anywhere, hide-narrow for the minor
 * columns (minor: true) a phone leaves out.
 */
function classes(c) {
  return [c.numeric ? 'num' : null, c.long ? 'long' : null, c.minor ? 'hide-narrow' : null].filter(Boolean)
    .join(' ') || null;
}

function compare(a, b) {
  if (typeof a === 'bigint' || typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a ?? '').localeCompare(String(b ?? ''));
}

/**
 * A plain table: columns [{label, numeric, long (names that may break anywhere), cell(row)}]. At phone width it
 * shows each row as a block of "label value" lines (class stack, data-label), so no column is cut off.
 */
export function table(columns, rows, caption) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'stack' }, caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : null }, c.label)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => h('td', { class: classes(c),
      'data-label': c.label }, c.cell(r))))))));
}
