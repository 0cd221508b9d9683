// Forms that write through the API: a labelled input that knows the API's name for its field, and the problems of a
// rejected write (RFC 9457 problem JSON, errors[{field, message}]) shown next to those fields.
import { ApiError } from './api.js';
import { h, replace, failure } from './dom.js';

/** A labelled input whose problems the API reports under {@code name} (e.g. "limits[0].amount"). */
export function field(id, label, input, name) {
  input.id = id;
  input.dataset.field = name;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

/** Removes the problems shown by showProblems. */
export function clearProblems(form) {
  form.querySelectorAll('.field-error').forEach((e) => e.remove());
  form.querySelectorAll('[aria-invalid]').forEach((e) => { e.removeAttribute('aria-invalid'); e.removeAttribute('aria-describedby'); });
}

/** Puts each problem of a rejected save next to its field; the rest (and a summary) at the top of the form. */
export function showProblems(form, status, err) {
  clearProblems(form);
  if (!(err instanceof ApiError)) { replace(status, failure(err)); return; }
  const unplaced = [];
  err.errors.forEach((problem, n) => {
    const input = form.querySelector(`[data-field="${CSS.escape(problem.field)}"]`);
    if (!input) { unplaced.push(problem.message); return; }
    const id = `${input.id}-error-${n}`;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', id);
    // Beside its field the field's name is redundant: "limits[0].amount: must be >= 0" reads "must be >= 0".
    const text = problem.message.startsWith(`${problem.field}: `) ? problem.message.slice(problem.field.length + 2)
      : problem.message;
    input.insertAdjacentElement('afterend', h('p', { class: 'field-error', id }, text));
  });
  replace(status, h('div', { class: 'alert alert-error', role: 'alert' }, err.problem.detail || err.message,
    unplaced.length ? h('ul', {}, unplaced.map((m) => h('li', {}, m))) : null));
  const firstBad = form.querySelector('[aria-invalid="true"]');
  if (firstBad) firstBad.focus();
}
