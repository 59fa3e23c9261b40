/* Switchboard admin console: DOM pieces shared by the pages. h() builds elements (text is always set as text, never
   parsed as HTML); field() wraps a control with its label, hint and error slot; showErrors() puts an API refusal next
   to the field it names; confirmDelete() is the one confirm dialog; toast() and announce() report outcomes. */
import { fieldOf } from './api.js';

/** h('tag.class', {attrs, on: {event: fn}}, ...children); strings become text nodes, null/false are skipped. */
export function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'on') for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    else if (key === 'text') el.textContent = value;
    else if (key === 'value' && tag !== 'select') el.value = value;
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let ids = 0;
export const uid = (prefix) => `${prefix}-${++ids}`;

/**
 * A labelled form row for `control`; `name` ties it to API field names (data-field) so showErrors() can find it.
 * The error slot is announced to screen readers and described by the control.
 */
export function field(name, label, control, hint) {
  const id = control.id || (control.id = uid(name));
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  control.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  return h('div.field', { 'data-field': name },
    h('label', { for: id, text: label }),
    hint ? h('p.hint', { id: hintId, text: hint }) : null,
    control,
    h('p.field-error', { id: errorId, role: 'alert', hidden: true, 'data-testid': `error-${name}` }));
}

/** A group of radio buttons or checkboxes as a fieldset with a legend; same error slot as field(). */
export function group(name, legend, body, hint) {
  return h('fieldset.field', { 'data-field': name },
    h('legend', { text: legend }),
    hint ? h('p.hint', { text: hint }) : null,
    body,
    h('p.field-error', { role: 'alert', hidden: true, 'data-testid': `error-${name}` }));
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll('.field-error, .form-error')) { slot.hidden = true; slot.textContent = ''; }
  for (const row of form.querySelectorAll('.field.invalid')) row.classList.remove('invalid');
  for (const control of form.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
}

/** Shows `error` next to the field of `form` it names, or at the top of the form; returns the field or null. */
export function showErrors(form, error) {
  clearErrors(form);
  const fields = [...form.querySelectorAll('[data-field]')].map((row) => row.dataset.field);
  const name = fieldOf(error, fields);
  const row = name && form.querySelector(`[data-field="${name}"]`);
  const slot = row ? row.querySelector(':scope > .field-error') : form.querySelector('.form-error');
  if (slot) {
    // Beside its field, the field's name in front of the message says nothing new.
    const text = row ? error.message.replace(/^[a-z_]+\s*:\s*/, '') : error.message;
    slot.textContent = text.replace(/`([^`]*)`/g, '\u201c$1\u201d');
    slot.hidden = false;
  }
  if (row) {
    row.classList.add('invalid');
    const control = row.querySelector('input, select, textarea');
    if (control) { control.setAttribute('aria-invalid', 'true'); control.focus({ preventScroll: false }); }
  }
  return name || null;
}

/** A form-level error slot, for refusals that name no field. */
export const formError = () => h('p.form-error', { role: 'alert', hidden: true, 'data-testid': 'form-error' });

/** Runs `work` with `button` disabled and a busy label, so a double click cannot send twice. */
export async function busy(button, label, work) {
  const before = button.textContent;
  button.disabled = true;
  button.textContent = label;
  try { return await work(); } finally { button.disabled = false; button.textContent = before; }
}

export function toast(text, kind = 'ok') {
  const box = document.getElementById('toasts');
  const item = h(`div.toast.${kind}`, { role: kind === 'error' ? 'alert' : 'status', text });
  box.append(item);
  // A few at most: older news is stale once more has happened.
  while (box.children.length > 2) box.firstElementChild.remove();
  setTimeout(() => item.remove(), kind === 'error' ? 8000 : 4000);
}

export function announce(text) {
  const live = document.getElementById('announce');
  live.textContent = '';
  requestAnimationFrame(() => { live.textContent = text; });
}

/** What deleting an experience or a widget does to its conversations (SPEC §10); every delete dialog says it. */
export const LIVE_CONVERSATIONS =
  'Conversations open on it (with the AI, waiting or live) end with the fallback message and stay readable; work items stay.';

/** Asks before deleting; resolves true when the admin confirms. */
export function confirmDelete(title, text, action = 'Delete') {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = action;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

/**
 * Copies `text` with the clipboard API; says whether it worked. Without it (plain http away from localhost is not
 * a secure context) the text is put in a selection and copied the old way, and left selected for Ctrl+C if that fails.
 */
export async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    toast(`${what} copied to the clipboard.`);
    return true;
  } catch { /* not allowed or not there: the selection below */ }
  const holder = h('textarea.sr-only', { readonly: true, value: text, 'aria-hidden': 'true' });
  document.body.append(holder);
  holder.select();
  let copied = false;
  try { copied = document.execCommand('copy'); } catch { /* unsupported */ }
  holder.remove();
  toast(copied ? `${what} copied to the clipboard.` : `The browser did not allow copying. Select the ${what.toLowerCase()} and copy it by hand.`,
    copied ? 'ok' : 'error');
  return copied;
}

/** A freshly issued token, shown once, with a Copy button. */
export function tokenReveal(who, token) {
  return h('div.reveal', { role: 'status', 'data-testid': 'token-reveal' },
    h('p', {}, h('strong', { text: `New sign-in token for ${who}. ` }),
      'Copy it now: it is shown only once. Any earlier token stops working.'),
    h('div.reveal-row', {},
      h('code.token', { 'data-testid': 'token-value', text: token }),
      h('button.secondary', { type: 'button', on: { click: () => copy(token, 'Token') } }, 'Copy')));
}

/** A page's title row with optional actions on the right. */
export function pageHead(title, lead, ...actions) {
  return h('header.page-head', {},
    h('div', {}, h('h1', { id: 'page-title', tabindex: '-1', text: title }), lead ? h('p.lead', { text: lead }) : null),
    actions.length ? h('div.actions', {}, actions) : null);
}

export function card(title, ...body) {
  const id = uid('card');
  return h('section.card', { 'aria-labelledby': id }, h('h2', { id, text: title }), body);
}

/** A message in place of content: an empty list, a failure, or something this server cannot do yet. */
export function note(text, kind = 'info') {
  return h(`p.note.${kind}`, { text });
}

/** The note for an API failure while loading a page section. */
export function failure(error, what) {
  if (error.unsupported) return note(`${what} are not available on this server yet.`, 'warn');
  return note(`${what} could not be loaded: ${error.message}`, 'error');
}

export const checkbox = (attrs, label) => h('label.check', {}, h('input', { type: 'checkbox', ...attrs }), h('span', { text: label }));
export const radio = (attrs, label) => h('label.check', {}, h('input', { type: 'radio', ...attrs }), h('span', { text: label }));
export const option = (value, label, attrs = {}) => h('option', { value, ...attrs, text: label });
