/* Switchboard agent console: DOM building blocks (no state, no socket). Every piece of server or user text goes
   into the page as a text node (h() appends strings as text; linkify() only makes <a> from http(s) URLs and
   e-mail addresses): nothing is ever parsed as HTML. */

export const MAX_LEN = 4000;
const COUNTER_AT = 3600;
const ROLES = new Set(['customer', 'ai', 'agent', 'system']);
const ROLE_NAMES = { customer: 'Customer', ai: 'AI agent', agent: 'Agent', system: 'System' };

export const END_PHRASES = {
  customer_ended: 'The customer ended it.',
  agent_ended: 'You ended it.',
  inactivity: 'It ended after a period of inactivity.',
  accept_timeout: 'Nobody accepted it in time.',
  no_agents_available: 'No agents were available.',
  gone: 'It is no longer assigned to you: it ended while you were disconnected.',
};
const WITHDRAWN_PHRASES = {
  timeout: 'the offer timed out', offer_timeout: 'the offer timed out', expired: 'the offer timed out',
  customer_ended: 'the customer left', ended: 'the conversation ended', conversation_ended: 'the conversation ended',
  accept_timeout: 'nobody accepted it in time', inactivity: 'the conversation ended after inactivity',
  accepted: 'another agent accepted it', accepted_elsewhere: 'another agent accepted it', taken: 'another agent accepted it',
  declined: 'you declined it', unavailable: 'you are now unavailable', status: 'you are now unavailable',
  limit: 'you are at your conversation limit', limit_reached: 'you are at your conversation limit',
  reassigned: 'it went to another agent', space_closed: 'live chat was turned off in that space',
  disconnected: 'your console was disconnected too long',
};
export const withdrawnPhrase = (reason) => WITHDRAWN_PHRASES[reason]
  || (reason ? `it was withdrawn (${String(reason).replace(/_/g, ' ')})` : 'it was withdrawn');
export const endPhrase = (reason) => END_PHRASES[reason]
  || (reason ? `Reason: ${String(reason).replace(/_/g, ' ')}.` : '');

// ---- helpers --------------------------------------------------------------------------------------
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat()) if (kid != null && kid !== '') el.append(kid); // strings become text nodes
  return el;
}
const pad = (n) => String(n).padStart(2, '0');
export const hhmm = (at) => { const d = new Date(at); return isNaN(d) ? '' : `${pad(d.getHours())}:${pad(d.getMinutes())}`; };
/** 125000 → "2:05" (never negative). */
export const clock = (ms) => { const s = Math.max(0, Math.ceil(ms / 1000)); return `${Math.floor(s / 60)}:${pad(s % 60)}`; };
export const uuid = () => {
  if (crypto.randomUUID) return crypto.randomUUID(); // only missing outside secure contexts (plain http, not localhost)
  const b = crypto.getRandomValues(new Uint8Array(16)); b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
  const x = [...b].map((n) => n.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
};
export function linkify(text) {
  const out = [], re = /(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]'])|([\w.+-]+@[\w-]+(?:\.[\w-]+)+)/g;
  let last = 0, m;
  while ((m = re.exec(text))) {
    out.push(text.slice(last, m.index));
    out.push(h('a', { href: m[1] || `mailto:${m[2]}`, target: '_blank', rel: 'noopener noreferrer' }, m[0]));
    last = re.lastIndex;
  }
  out.push(text.slice(last));
  return out;
}
export const customerName = (c) => (c && c.name) || (c && c.email) || 'Customer';

// ---- pieces ---------------------------------------------------------------------------------------
/** A notice: testid "notice" with data-kind (status, withdrawn, inactive, ended, error, info). */
export function notice(kind, content, extra) {
  return h('div', { class: `notice ${kind}`, 'data-testid': 'notice', 'data-kind': kind, ...extra }, content);
}

/** A transcript bubble. Server messages carry data-seq; an optimistic one carries data-pending and data-client-id. */
export function renderMessage(m, pending) {
  const a = m.author || {};
  const role = ROLES.has(a.role) ? a.role : 'system';
  const el = h('div', {
    class: `msg ${role}${pending ? ' pending' : ''}`, 'data-testid': 'message', 'data-role': role,
    'data-seq': pending ? null : m.seq, 'data-id': pending ? null : m.id, 'data-client-id': m.client_id,
    'data-pending': pending ? 'true' : null,
  });
  if (role !== 'system') {
    el.append(h('div', { class: 'who' }, a.name || ROLE_NAMES[role],
      role === 'ai' ? h('span', { class: 'tag' }, 'AI') : null,
      role === 'customer' ? h('span', { class: 'sr-only' }, ' (customer)') : null));
  }
  el.append(h('div', { class: 'bubble' }, linkify(String(m.text ?? ''))));
  const t = hhmm(m.at);
  if (t) el.append(h('time', { datetime: m.at }, pending ? `${t} \u00b7 Sending\u2026` : t));
  return el;
}
export function markFailed(el) {
  el.classList.remove('pending');
  el.classList.add('failed');
  delete el.dataset.pending;
  const t = el.querySelector('time');
  if (t) t.textContent = 'Not sent'; else el.append(h('time', null, 'Not sent'));
}

/** An offer card (testid "offer"). actions: { accept(), decline() } */
export function buildOffer(o, spaceName, actions) {
  const c = o.customer || {};
  const countdown = h('span', { class: 'countdown', 'data-testid': 'countdown', role: 'timer', 'aria-label': 'Time left to answer' }, '');
  const accept = h('button', { type: 'button', class: 'primary', 'data-testid': 'accept', onclick: actions.accept }, 'Accept');
  const decline = h('button', { type: 'button', class: 'secondary', 'data-testid': 'decline', onclick: actions.decline }, 'Decline');
  const titleId = `offer-${String(o.offer_id).replace(/[^\w-]/g, '_')}`;
  const el = h('li', { class: 'offer', 'data-testid': 'offer', 'data-offer': o.offer_id, 'data-conversation': o.conversation,
    'aria-labelledby': titleId },
  h('div', { class: 'offer-top' },
    h('strong', { class: 'offer-name', id: titleId }, customerName(c)), countdown),
  c.email && c.email !== c.name ? h('div', { class: 'offer-email muted small' }, c.email) : null,
  h('div', { class: 'offer-space small' }, h('span', { class: 'muted' }, 'Space: '), spaceName),
  o.experience && o.experience.name
    ? h('div', { class: 'offer-experience small', 'data-testid': 'offer-experience' }, h('span', { class: 'muted' }, 'From: '), String(o.experience.name))
    : null,
  o.summary ? h('p', { class: 'offer-summary' }, String(o.summary)) : null,
  h('div', { class: 'offer-actions' }, accept, decline));
  return { el, countdown, accept, decline };
}

/** A conversation pane (testid "conversation"). on: { send(), end(), close(), input(), focus() } */
export function buildPane(id, on) {
  const domId = `conv-${String(id).replace(/[^\w-]/g, '_')}`;
  const name = h('h2', { class: 'pane-name', id: `${domId}-name` });
  const email = h('div', { class: 'pane-email muted small' });
  const state = h('span', { class: 'pane-state small' }, 'Live');
  const endBtn = h('button', { type: 'button', class: 'secondary danger-text', 'data-testid': 'end-conversation', onclick: on.end }, 'End');
  const closeBtn = h('button', { type: 'button', class: 'secondary', 'data-testid': 'close-conversation', hidden: true, onclick: on.close }, 'Close');
  const log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-labelledby': `${domId}-name`, tabindex: '0' });
  const typing = h('div', { class: 'typing', 'data-testid': 'typing' });
  const input = h('textarea', { 'data-testid': 'composer', rows: '2', maxlength: MAX_LEN, id: `${domId}-input`,
    placeholder: 'Write a reply\u2026', title: 'Enter sends, Shift+Enter adds a new line', 'aria-describedby': `${domId}-hint` });
  const label = h('label', { class: 'sr-only', for: `${domId}-input` }, 'Reply');
  const hint = h('span', { class: 'sr-only', id: `${domId}-hint` }, 'Enter sends, Shift+Enter adds a new line.');
  const sendBtn = h('button', { type: 'submit', class: 'primary', 'data-testid': 'send', disabled: true }, 'Send');
  const counter = h('div', { class: 'counter small', hidden: true, 'aria-live': 'polite' });
  const form = h('form', { class: 'composer', onsubmit: (e) => { e.preventDefault(); on.send(); } }, label, hint, input, sendBtn);
  const el = h('section', { class: 'pane', id: domId, 'data-testid': 'conversation', 'data-conversation': id,
    'aria-labelledby': `${domId}-name` },
  h('header', { class: 'pane-head' },
    h('div', { class: 'pane-who' }, name, email), state, endBtn, closeBtn),
  log, typing, counter, form);
  input.addEventListener('input', () => {
    const n = input.value.length;
    sendBtn.disabled = !input.value.trim() || input.disabled;
    counter.hidden = n < COUNTER_AT;
    counter.textContent = `${n} / ${MAX_LEN}`;
    counter.classList.toggle('over', n >= MAX_LEN);
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight + 2, 160)}px`;
    on.input();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); on.send(); }
  });
  el.addEventListener('focusin', on.focus);
  el.addEventListener('pointerdown', on.focus);
  return { el, domId, name, email, state, endBtn, closeBtn, log, typing, input, sendBtn, counter };
}

/** The sidebar entry and the narrow-screen tab of a conversation; both select it. */
export function buildNavItems(id, domId, select) {
  const mk = (cls, testid) => {
    const nameEl = h('span', { class: 'nav-name' });
    const stateEl = h('span', { class: 'nav-state small muted' });
    const badge = h('span', { class: 'badge', 'data-testid': 'unread', hidden: true });
    const unreadText = h('span', { class: 'sr-only' }); // "3 unread" for screen readers; the badge shows the number
    const btn = h('button', { type: 'button', class: cls, 'data-testid': testid, 'data-conversation': id,
      'aria-controls': domId, onclick: select }, nameEl, stateEl, badge, unreadText);
    return { btn, nameEl, stateEl, badge, unreadText };
  };
  const item = mk('conv-item', 'conversation-item');
  return { li: h('li', null, item.btn), item, tab: mk('tab', 'conversation-tab') };
}
