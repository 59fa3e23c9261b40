/* Switchboard chat widget: the customer-facing chat, embeddable on any site (CONTRACT.md sections 3 and 5).
   No build step and no dependencies: the gateway serves helpers.js, style.css and this file as /widget.js.
   Reads window.switchboardSettings = { widget, server, authenticate?, signInUrl?, container?, title?, greeting?, accentColor? },
   exposes window.Switchboard(command, ...args) (open, close, toggle, identify, on, off) and replays calls queued
   in window.Switchboard.q. Renders into an open Shadow DOM so host-page CSS can neither break it nor be broken. */
'use strict';

const S = window.switchboardSettings || {};
const script = document.currentScript;
const server = String(S.server || (script && script.src ? new URL(script.src).origin : location.origin)).replace(/\/+$/, '');
const widget = String(S.widget || '');
const RESUME_KEY = `switchboard:${widget}:resume`, OPEN_KEY = `switchboard:${widget}:open`;
const MAX_LEN = 4000, COUNTER_AT = 3600, TYPING_EVERY = 3000, TYPING_IDLE = 3000, TYPING_CLEAR = 5000;
const STYLES = WIDGET_CSS; // web/widget/style.css, put in by the gateway
const resume = storage('localStorage', RESUME_KEY), openState = storage('sessionStorage', OPEN_KEY);

// ---- state --------------------------------------------------------------------------------------
const st = {
  ws: null, welcomed: false, ready: false, stopped: false, attempt: 0, retryTimer: 0,
  identifyToken: null, helloToken: null, signedIn: false, mode: null, convState: null, agentName: null, resumeSent: false,
  pending: new Map(), // client_id -> { text, el }: shown optimistically, re-sent after reconnects until echoed
  sections: [], // one per conversation: { id, el, msgs: Map(id -> element), ended, endNoticed }
  typers: new Map(), typingOn: false, typingSentAt: 0, typingIdle: 0,
  queuedEl: null, inactiveEl: null, open: false, unread: 0,
  signInUrl: S.signInUrl ? String(S.signInUrl) : null, signInReturn: false,
};
// Back from the site's sign-in page (SPEC 11): the token comes in the URL fragment, which never reaches a server
// log. Take it out of the address bar at once, then sign in on the resumed anonymous thread after `welcome`.
const returned = /(?:^#|&)switchboard_token=([^&]+)/.exec(location.hash);
if (returned) {
  const rest = location.hash.slice(1).split('&').filter((p) => !p.startsWith('switchboard_token=')).join('&');
  history.replaceState(history.state, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  st.identifyToken = decodeURIComponent(returned[1]); st.signInReturn = true;
}
const handlers = {};
const emit = (ev, ...args) => (handlers[ev] || []).slice().forEach((fn) => { try { fn(...args); } catch (e) { console.error(e); } });

// ---- DOM ----------------------------------------------------------------------------------------
const inline = !!S.container; // container mode: fill that element, always open, no launcher
const host = document.createElement('switchboard-widget');
if (inline) host.style.cssText = 'display:block;width:100%;height:100%';
const root = host.attachShadow({ mode: 'open' }); // open: browser tests pierce it
const titleText = String(S.title || 'Support');

const statusEl = h('div', { class: 'status', 'aria-live': 'polite' });
const endBtn = h('button', { type: 'button', class: 'link', 'data-testid': 'end-chat', hidden: true, onclick: endChat }, 'End chat');
const closeBtn = inline ? null : h('button', { type: 'button', class: 'icon', 'aria-label': 'Close chat', onclick: () => setOpen(false) }, '\u00d7');
const empty = h('p', { class: 'empty' }, String(S.greeting || 'Hi! How can we help you today?'));
const log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation', tabindex: '0' }, empty);
const typingEl = h('div', { class: 'typing', 'data-testid': 'typing', hidden: true });
const errors = h('div', { class: 'errors' });
const signinText = h('span');
const signinBtn = h('button', { type: 'button', class: 'chip primary', 'data-testid': 'sign-in', onclick: signInClicked }, 'Sign in');
const signin = h('div', { class: 'signin', hidden: true, role: 'group', 'aria-label': 'Sign in' }, signinText, signinBtn);
const humanBtn = h('button', { type: 'button', class: 'chip', 'data-testid': 'talk-to-person', hidden: true, onclick: requestHuman }, 'Talk to a person');
const actions = h('div', { class: 'actions', hidden: true }, humanBtn);
const input = h('textarea', { 'data-testid': 'composer', rows: '1', maxlength: MAX_LEN, placeholder: 'Type your message\u2026', 'aria-label': 'Message' });
const sendBtn = h('button', { type: 'submit', class: 'send', 'data-testid': 'send', disabled: true }, 'Send');
const counter = h('div', { class: 'counter', hidden: true, 'aria-live': 'polite' });
const form = h('form', { class: 'composer', onsubmit: (e) => { e.preventDefault(); send(); } }, input, sendBtn);
const panel = h('section', { class: 'panel', id: 'sb-panel', role: inline ? 'region' : 'dialog', 'aria-labelledby': 'sb-title', hidden: !inline },
  h('header', { class: 'head' }, h('div', { class: 'titles' }, h('h2', { class: 'title', id: 'sb-title' }, titleText), statusEl), endBtn, closeBtn),
  log, typingEl, errors, signin, actions, counter, form);
const badge = h('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
const launcher = inline ? null : h('button', { type: 'button', class: 'launcher', 'aria-label': 'Open chat', 'aria-expanded': 'false',
  'aria-controls': 'sb-panel', onclick: () => setOpen(!st.open) }, h('span', { class: 'x', 'aria-hidden': 'true' }, '\u00d7'), badge);
if (launcher) launcher.insertAdjacentHTML('afterbegin', ICON); // a constant, never data
const wrap = h('div', { class: inline ? 'sb inline' : 'sb' }, panel, launcher);
if (S.accentColor && window.CSS && CSS.supports('color', S.accentColor)) wrap.style.setProperty('--accent', S.accentColor);
// A constructed stylesheet is not inline style, so a host page's Content-Security-Policy need not allow any; browsers
// without them get a <style> (the gateway's own support page allows it by its hash).
const sheet = (() => { try { const s = new CSSStyleSheet(); s.replaceSync(STYLES); return s; } catch { return null; } })();
if (sheet && 'adoptedStyleSheets' in root) root.adoptedStyleSheets = [sheet]; else root.append(h('style', null, STYLES));
root.append(wrap);

input.addEventListener('input', onInput);
input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); send(); }
});
panel.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !inline) setOpen(false); });

// ---- transcript rendering -----------------------------------------------------------------------
const nearBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight < 120;
const scrollDown = () => { log.scrollTop = log.scrollHeight; };
// Stay pinned to the newest line while the reader is there, also when notices or the keyboard shrink the log.
let stick = true;
log.addEventListener('scroll', () => { stick = nearBottom(); });
if (window.ResizeObserver) new ResizeObserver(() => { if (stick) scrollDown(); }).observe(log);
const firstPending = (s) => [...s.el.children].find((c) => c.dataset.pending) || null;

function newSection(id) {
  const prev = st.sections[st.sections.length - 1];
  if (prev) prev.ended = true;
  if (st.sections.some((s) => s.el.childElementCount)) log.append(h('div', { class: 'divider', role: 'separator' }, 'New conversation'));
  const s = { id: id || null, el: h('div', { class: 'conversation' }), msgs: new Map(), ended: false, endNoticed: false };
  log.append(s.el);
  st.sections.push(s);
  empty.hidden = true;
  return s;
}
function current() { const s = st.sections[st.sections.length - 1]; return s && !s.ended ? s : newSection(); }
function sectionFor(id) {
  if (!id) return current();
  const found = st.sections.find((s) => s.id === id);
  if (found) return found;
  const cur = current();
  if (!cur.id) { cur.id = id; return cur; }
  return newSection(id);
}

function renderMsg(m, pending) {
  const role = (m.author && m.author.role) || 'system';
  // A stored notice (a system message with `notice` set: agent joined, fallback, sign in) looks like the notice
  // it is, also when it comes back in a transcript after a reload.
  if (role === 'system' && m.notice) {
    return h('div', { class: 'notice', 'data-testid': 'notice', 'data-kind': String(m.notice), 'data-seq': m.seq, 'data-id': m.id },
      linkify(String(m.text || '')));
  }
  const el = h('div', { class: `msg ${role}${pending ? ' pending' : ''}`, 'data-testid': 'message', 'data-role': role,
    'data-seq': pending ? null : m.seq, 'data-id': m.id, 'data-pending': pending ? 'true' : null });
  if (role === 'ai' || role === 'agent') el.append(h('div', { class: 'who' }, (m.author && m.author.name) || (role === 'ai' ? 'AI assistant' : 'Agent')));
  el.append(h('div', { class: 'bubble' }, linkify(String(m.text || ''))));
  const t = hhmm(m.at);
  if (t) el.append(h('time', { datetime: m.at }, pending ? `${t} \u00b7 Sending\u2026` : t));
  return el;
}

// Inserts a server message once (keyed by id), in seq order; replaces its optimistic copy. Returns true when new.
function upsert(m) {
  if (!m || m.id == null) return false;
  const p = m.client_id != null && st.pending.get(m.client_id);
  if (p) { p.el.remove(); st.pending.delete(m.client_id); }
  const s = sectionFor(m.conversation);
  if (s.msgs.has(m.id)) return false;
  for (const [id, el] of s.msgs) if (Number(el.dataset.seq) === m.seq) { el.remove(); s.msgs.delete(id); }
  const el = renderMsg(m, false);
  s.msgs.set(m.id, el);
  const before = [...s.el.children].find((c) => c.dataset.pending || (c.dataset.seq && Number(c.dataset.seq) > m.seq)) || null;
  s.el.insertBefore(el, before);
  return true;
}

function notice(kind, content, section) {
  // Notices belong to the latest conversation, even one that just ended (a fallback can follow its end).
  const s = section || st.sections[st.sections.length - 1] || current();
  const el = h('div', { class: 'notice', 'data-testid': 'notice', 'data-kind': kind }, content);
  s.el.insertBefore(el, firstPending(s));
  if (stick) scrollDown();
  return el;
}
// The socket sends a stored notice's `message` and then its own frame (agent_joined, fallback, sign_in_required):
// the frame shows a notice only when the newest message is not already that notice.
function noticeShown(kind) {
  const s = st.sections[st.sections.length - 1];
  let newest = null;
  if (s) for (const el of s.msgs.values()) if (!newest || Number(el.dataset.seq) > Number(newest.dataset.seq)) newest = el;
  return !!newest && newest.dataset.kind === kind;
}
function showError(text, code) {
  const el = h('div', { class: 'notice', 'data-testid': 'notice', 'data-kind': 'error', 'data-code': code, role: 'alert' }, text);
  errors.append(el);
  setTimeout(() => el.remove(), 8000);
}

function setTyping(role, name, on) {
  if (role === 'customer') return;
  const key = `${role}:${name || ''}`, old = st.typers.get(key);
  if (old) clearTimeout(old.timer);
  st.typers.delete(key);
  if (on) st.typers.set(key, { name: name || (role === 'ai' ? 'AI assistant' : 'Agent'), timer: setTimeout(() => setTyping(role, name, false), TYPING_CLEAR) });
  const names = [...st.typers.values()].map((t) => t.name);
  typingEl.textContent = names.length ? `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} typing\u2026` : '';
  typingEl.hidden = !names.length;
}
const clearTypers = () => [...st.typers.keys()].forEach((k) => { const [r, ...n] = k.split(':'); setTyping(r, n.join(':'), false); });

function setStatus() {
  statusEl.textContent = !st.welcomed
    ? (st.stopped ? 'Chat is unavailable right now' : st.ready ? 'Reconnecting\u2026' : 'Connecting\u2026')
    : ({ ai: 'Chatting with our AI assistant', queued: 'Waiting for an agent', ended: 'Chat ended',
      live: st.agentName ? `Chatting with ${st.agentName}` : 'Chatting with our team' }[st.convState] || 'We are here to help');
}
function updateControls() {
  const had = root.activeElement;
  endBtn.hidden = !st.convState || st.convState === 'ended';
  // Only a conversation with the AI can be handed over: before the first message (or after an end) the server
  // answers "send a message first", and a queued or live one is with the team already.
  humanBtn.hidden = st.mode !== 'ai_and_team' || st.convState !== 'ai';
  actions.hidden = humanBtn.hidden;
  if (had && had.hidden) input.focus(); // never strand keyboard focus on a control that just disappeared
  setStatus();
}
function setConvState(state) {
  if (state === st.convState) return;
  st.convState = state;
  if (state !== 'queued') st.queuedEl = null;
  // Waiting starts with the state change; a `queued {position}` frame (which may come later, or first) fills
  // in the position. Without this the customer sees nothing happen between the handoff and the position.
  else if (!st.queuedEl || !st.queuedEl.isConnected) st.queuedEl = notice('queued', 'Waiting for an agent\u2026');
  if (state === 'ended') st.agentName = null;
  updateControls();
  emit('state', state);
}
function endSection(reason) {
  const s = st.sections[st.sections.length - 1] || current();
  if (reason !== undefined && !s.endNoticed) {
    s.endNoticed = true;
    notice('ended', `Chat ended. ${END_PHRASES[reason] || ''} Send a message to start a new chat.`.replace(/\s+/g, ' '), s);
  }
  s.ended = true;
  st.inactiveEl = null;
  resume.set(null);
  clearTypers();
}

// ---- server frames ------------------------------------------------------------------------------
function handle(f) {
  switch (f.type) {
    case 'welcome':
      st.welcomed = true; st.attempt = 0; st.signedIn = !!f.signed_in; st.mode = f.support_mode || st.mode;
      st.signInUrl = f.sign_in_url || st.signInUrl;
      if (st.signedIn) { signin.hidden = true; st.signInReturn = false; }
      if (!st.signedIn && st.identifyToken && st.identifyToken !== st.helloToken) frame({ type: 'sign_in', token: st.identifyToken });
      updateControls();
      flushPending();
      if (!st.ready) { st.ready = true; emit('ready', { signed_in: st.signedIn, support_mode: st.mode }); }
      return;
    case 'conversation':
      st.resumeSent = false;
      sectionFor(f.id);
      if (f.state === 'ended') endSection(); else if (f.resume_token) resume.set(f.resume_token);
      return setConvState(f.state);
    case 'message': {
      if (!upsert(f.message)) return;
      const a = f.message.author || {};
      setTyping(a.role, a.name, false);
      if (st.inactiveEl) { st.inactiveEl.remove(); st.inactiveEl = null; } // any message resets inactivity
      if (stick || a.role === 'customer') scrollDown();
      if (!inline && !st.open && a.role !== 'customer') { st.unread += 1; badge.textContent = String(st.unread); badge.hidden = false; }
      return emit('message', f.message);
    }
    case 'transcript':
      (f.messages || []).slice().sort((a, b) => a.seq - b.seq).forEach(upsert);
      return scrollDown();
    case 'typing': return setTyping(f.role, f.name, !!f.on);
    case 'queued': {
      const text = f.position ? `You are number ${f.position} in the queue` : 'Waiting for an agent\u2026';
      if (st.queuedEl && st.queuedEl.isConnected) st.queuedEl.textContent = text; else st.queuedEl = notice('queued', text);
      return setConvState('queued');
    }
    case 'agent_joined':
      st.agentName = (f.agent && f.agent.name) || 'An agent';
      if (!noticeShown('agent_joined')) notice('agent_joined', `${st.agentName} joined the chat`);
      setConvState('live');
      return setStatus();
    case 'sign_in_required':
      if (!noticeShown('sign_in_required')) notice('sign_in_required', 'Please sign in so we can connect you with a person.');
      signinText.textContent = S.authenticate || st.signInUrl ? 'Sign in to continue this chat with our team.'
        : 'Please sign in on this website, then come back: your chat will continue here.';
      signinBtn.hidden = typeof S.authenticate !== 'function' && !st.signInUrl;
      signin.hidden = false;
      return;
    case 'fallback': return void (noticeShown('fallback') || notice('fallback', linkify(String(f.text || ''))));
    case 'inactive':
      if (st.inactiveEl) st.inactiveEl.remove();
      st.inactiveEl = notice('inactive', `This chat is inactive and will end at ${hhmm(f.ends_at) || 'soon'} unless you reply.`);
      return;
    case 'ended':
      endSection(f.reason || null);
      setConvState('ended');
      return emit('ended', f.reason);
    case 'error': {
      const code = String(f.code || '');
      if (/resume/.test(code) || (st.resumeSent && /not_found|expired|invalid|ended|gone/.test(code))) { resume.set(null); st.resumeSent = false; }
      const p = f.client_id != null && st.pending.get(f.client_id);
      if (p) { // the server refused this message for good: stop re-sending it
        st.pending.delete(f.client_id);
        p.el.classList.add('failed');
        delete p.el.dataset.pending;
        const t = p.el.querySelector('time'); if (t) t.textContent = 'Not sent';
      }
      showError(String(f.message || 'Something went wrong.'), code);
      return emit('error', { code, message: f.message });
    }
    default: // unknown frames are ignored: the server may add frames freely
  }
}

// ---- connection ---------------------------------------------------------------------------------
function frame(obj) {
  const ws = st.ws;
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify(obj));
  return true;
}
function flushPending() {
  if (!st.welcomed) return;
  for (const [id, p] of st.pending) frame({ type: 'message', client_id: id, text: p.text }); // same client_id: the server dedupes
}
async function connect() {
  clearTimeout(st.retryTimer);
  if (st.stopped || st.ws) return;
  let token = st.identifyToken;
  if (!token && typeof S.authenticate === 'function') {
    try { token = await Promise.race([S.authenticate(), new Promise((r) => setTimeout(r, 10000))]); } catch { token = null; } // anonymous
  }
  if (st.ws) return;
  // A token brought back from the sign-in page belongs to a customer the anonymous thread does not name yet:
  // reattach anonymously, then `sign_in` (after `welcome`) so the same thread continues signed in.
  if (st.signInReturn && resume.get()) token = null;
  let ws;
  try { ws = new WebSocket(`${server.replace(/^http/, 'ws')}/ws/customer?widget=${encodeURIComponent(widget)}`); } catch (e) { return retry(); }
  st.ws = ws;
  ws.onopen = () => {
    const r = resume.get();
    st.resumeSent = !!r; st.helloToken = token || null;
    ws.send(JSON.stringify({ type: 'hello', token: token || undefined, resume: r || undefined }));
  };
  ws.onmessage = (e) => { let f; try { f = JSON.parse(e.data); } catch { return; } if (ws === st.ws && f && f.type) handle(f); };
  ws.onclose = (e) => {
    if (ws !== st.ws) return;
    st.ws = null; st.welcomed = false; st.typingOn = false;
    clearTypers();
    // 1008 / 44xx: the server refused this widget or origin for good, retrying would not help.
    if (e.code === 1008 || (e.code >= 4400 && e.code < 4500)) { st.stopped = true; return setStatus(); }
    retry();
  };
}
function retry() {
  st.ws = null;
  const delay = Math.min(10000, 500 * 2 ** st.attempt++) * (0.8 + Math.random() * 0.4);
  st.retryTimer = setTimeout(connect, Math.min(10000, delay));
  setStatus();
}
window.addEventListener('online', () => { if (!st.ws && !st.stopped) connect(); });

// ---- customer actions ---------------------------------------------------------------------------
function onInput() {
  const n = input.value.length;
  sendBtn.disabled = !input.value.trim();
  counter.hidden = n < COUNTER_AT;
  counter.textContent = `${n} / ${MAX_LEN}`;
  counter.classList.toggle('over', n >= MAX_LEN);
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight + 2, 140)}px`;
  if (input.value.trim()) typing(true);
}
// Typing is only sent inside an open conversation: before the first message there is nothing to type into.
function typing(on) {
  clearTimeout(st.typingIdle);
  const open = st.convState && st.convState !== 'ended';
  if (on && open) {
    if (!st.typingOn || Date.now() - st.typingSentAt >= TYPING_EVERY) {
      if (frame({ type: 'typing', on: true })) { st.typingOn = true; st.typingSentAt = Date.now(); }
    }
    st.typingIdle = setTimeout(() => typing(false), TYPING_IDLE);
  } else if (!on && st.typingOn) {
    st.typingOn = false;
    frame({ type: 'typing', on: false });
  }
}
function send() {
  const text = input.value.trim();
  if (!text) return;
  if (text.length > MAX_LEN) return showError(`Messages can be at most ${MAX_LEN} characters.`, 'invalid');
  const id = uuid();
  const el = renderMsg({ author: { role: 'customer', name: 'You' }, text, at: new Date().toISOString() }, true);
  el.dataset.clientId = id;
  st.pending.set(id, { text, el });
  current().el.append(el);
  scrollDown();
  input.value = '';
  onInput();
  typing(false);
  if (st.welcomed) frame({ type: 'message', client_id: id, text }); // otherwise sent after the next welcome
  input.focus();
}
function requestHuman() {
  if (!frame({ type: 'request_human' })) return showError('Not connected. Please try again in a moment.', 'offline');
  humanBtn.disabled = true;
  setTimeout(() => { humanBtn.disabled = false; }, 3000);
}
function endChat() {
  if (!frame({ type: 'end' })) showError('Not connected. Please try again in a moment.', 'offline');
}
function signIn(token) {
  if (!token) return;
  signin.hidden = true;
  if (st.welcomed && frame({ type: 'sign_in', token: String(token) })) flushPending(); // messages refused before sign-in go again
}
function goToSignInPage() { // the site signs the customer in and sends them back here with the token
  const back = location.href.split('#')[0];
  location.assign(`${st.signInUrl}${st.signInUrl.includes('?') ? '&' : '?'}return_to=${encodeURIComponent(back)}`);
}
async function signInClicked() {
  if (typeof S.authenticate !== 'function') return st.signInUrl ? goToSignInPage() : undefined;
  signinBtn.disabled = true;
  try {
    const token = await S.authenticate();
    if (token) signIn(token); else showError('Sign-in did not complete. Please try again.', 'sign_in_failed');
  } catch { showError('Sign-in failed. Please try again.', 'sign_in_failed'); }
  signinBtn.disabled = false;
}
function setOpen(v, focus = true) {
  if (inline) return;
  const focusInside = !!root.activeElement;
  st.open = !!v;
  panel.hidden = !st.open;
  wrap.classList.toggle('open', st.open);
  launcher.setAttribute('aria-expanded', String(st.open));
  launcher.setAttribute('aria-label', st.open ? 'Close chat' : 'Open chat');
  openState.set(st.open ? '1' : null);
  if (st.open) { st.unread = 0; badge.hidden = true; scrollDown(); if (focus) input.focus(); } else if (focusInside) launcher.focus();
  emit(st.open ? 'open' : 'close');
}

// ---- public API ---------------------------------------------------------------------------------
let mounted = false;
const early = [];
function run(cmd, ...args) {
  switch (cmd) {
    case 'open': return setOpen(true);
    case 'close': return setOpen(false);
    case 'toggle': return setOpen(!st.open);
    case 'identify':
      st.identifyToken = args[0] ? String(args[0]) : null;
      return st.welcomed ? signIn(st.identifyToken) : undefined; // otherwise it goes in the next hello
    case 'on':
      if (typeof args[1] !== 'function') return;
      (handlers[args[0]] = handlers[args[0]] || []).push(args[1]);
      if (args[0] === 'ready' && st.ready) args[1]({ signed_in: st.signedIn, support_mode: st.mode }); // late subscribers still hear it
      return;
    case 'off': handlers[args[0]] = (handlers[args[0]] || []).filter((fn) => fn !== args[1]); return;
    default: console.warn(`Switchboard: unknown command "${cmd}"`);
  }
}
function api(...args) { if (mounted) return run(...args); early.push(args); }
api.loaded = true;
const queued = (window.Switchboard && window.Switchboard.q) || [];
window.Switchboard = api;

function mount() {
  const target = typeof S.container === 'string' ? document.querySelector(S.container) : S.container;
  if (inline && !(target instanceof Element)) console.warn('Switchboard: container not found, appending the chat to the page');
  (target instanceof Element ? target : document.body).append(host);
  mounted = true;
  setStatus();
  for (const args of [...queued, ...early]) run(...Array.from(args));
  if (!inline && openState.get() && !st.open) setOpen(true, false); // reopen across page loads without stealing focus
  if (!widget) { console.error('Switchboard: switchboardSettings.widget is missing'); st.stopped = true; return setStatus(); }
  connect();
}
// A container named by selector may come later in the page than the script: wait for the document then.
if (document.body && (!inline || document.readyState !== 'loading')) mount(); else document.addEventListener('DOMContentLoaded', mount);
