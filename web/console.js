/* Switchboard agent console (SPEC.md §5 and §7, CONTRACT.md §3 GET /ws/agent): sign-in, availability per space,
   offers with a countdown, live conversations side by side. ES module entry; the gateway serves /console (the page),
   /console.css, this file and its modules ./console-ws.js (the socket), ./console-convs.js (conversation panes),
   ./console-work.js (work items, CONTRACT.md §2) and ./console-ui.js (DOM pieces). This file holds sign-in, availability and offers, and routes server frames.
   The server is the truth: availability and endings change only when its frames say so. */
import { Connection } from './console-ws.js';
import { createConversations } from './console-convs.js';
import { createWorkItems } from './console-work.js';
import { h, clock, notice, buildOffer, customerName, withdrawnPhrase } from './console-ui.js';

const TOKEN_KEY = 'switchboard:agent-token';
const TITLE = 'Switchboard \u00b7 Agent console';
const OFFER_GRACE = 5000; // an offer card outlives its expiry this long when the server says nothing more
const NOTE_FOR = 8000, BUSY_FOR = 5000, CONFLICT_WINDOW = 15000; // ms
const AUTH_CODES = new Set(['unauthorized', 'forbidden', 'invalid_token', 'token_invalid', 'unknown_agent']);
const OFFLINE = 'Not connected. Try again in a moment.';

const $ = (id) => document.getElementById(id);
const ui = {
  signin: $('signin'), form: $('signin-form'), token: $('token'), signinError: $('signin-error'), app: $('app'),
  agentName: $('agent-name'), signOut: $('sign-out'), statusAll: $('status-all'), spaces: $('spaces'), noSpaces: $('no-spaces'),
  offers: $('offers'), offersCount: $('offers-count'), noOffers: $('no-offers'), offerNotes: $('offer-notes'),
  offersH: $('offers-h'), convs: $('convs'), noConvs: $('no-convs'), convsH: $('convs-h'), banners: $('banners'),
  tabs: $('tabs'), panes: $('panes'), empty: $('empty'), toasts: $('toasts'), announce: $('announce'),
  confirm: $('confirm'), confirmText: $('confirm-text'),
  work: $('work-items'), noWork: $('no-work'), workShowResolved: $('work-show-resolved'), workRefresh: $('work-refresh'),
};
// The agent token lives in this tab's sessionStorage: it survives a reload and is gone when the tab closes. Never in
// localStorage, which every page of the gateway's origin (the support pages included) could read at any time, in any
// tab, for as long as the browser keeps it (docs/operations.md, "Browser pages").
const store = {
  get() { try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; } },
  set(v) { try { if (v) sessionStorage.setItem(TOKEN_KEY, v); else sessionStorage.removeItem(TOKEN_KEY); } catch { /* blocked */ } },
};
try { localStorage.removeItem(TOKEN_KEY); } catch { /* blocked */ } // where earlier releases kept it

const st = {
  token: null, tenant: null, agent: null, welcomed: false, everWelcomed: false, skew: 0,
  spaces: new Map(), // space id -> { id, name, status, btn, nameEl, stateEl, li, banner }
  offers: new Map(), // offer id -> { id, o, conv, card, expires, accepting }
  accepting: [], // offer ids with an accept in flight, oldest first (error frames carry no reference)
  lastAcceptAt: 0,
  customers: new Map(), // conversation id -> customer, learnt from offers (assigned may not carry one)
  ticker: 0, connBanner: null, connText: '',
};

const conn = new Connection(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/agent`,
  { open: () => conn.send({ type: 'hello', token: st.token }), frame: handle, down: onDown });
const send = (f) => conn.send(f);
const convs = createConversations({ send, welcomed: () => st.welcomed, agentName: () => (st.agent && st.agent.name) || 'Agent',
  toast, say, changed: refresh, ui });
const work = createWorkItems({ token: () => st.token, tenant: () => st.tenant, toast, say,
  ui: { list: ui.work, empty: ui.noWork, showResolved: ui.workShowResolved } });
ui.workRefresh.addEventListener('click', () => work.refresh());

// ---- sign-in --------------------------------------------------------------------------------------
function showSignin(error) {
  ui.app.hidden = true;
  ui.signin.hidden = false;
  ui.signinError.textContent = error || '';
  ui.signinError.hidden = !error;
  ui.token.value = '';
  ui.token.focus();
  document.title = TITLE;
}
function start(token) {
  st.token = token;
  ui.signin.hidden = true;
  ui.app.hidden = false;
  connBanner('Connecting\u2026');
  conn.start();
}
function signOut(error) {
  conn.stop();
  store.set(null);
  clearInterval(st.ticker);
  Object.assign(st, { token: null, tenant: null, agent: null, welcomed: false, everWelcomed: false, accepting: [],
    ticker: 0, connBanner: null, connText: '' });
  for (const m of [st.spaces, st.offers, st.customers]) m.clear();
  for (const n of [ui.spaces, ui.offers, ui.offerNotes, ui.convs, ui.banners, ui.tabs, ui.toasts]) n.replaceChildren();
  convs.clear();
  work.clear();
  ui.agentName.textContent = '\u2026';
  refreshAll();
  showSignin(error);
}
ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  const token = ui.token.value.trim();
  if (!token) return showSignin('Enter your agent token.');
  store.set(token);
  start(token);
});
ui.signOut.addEventListener('click', () => signOut());

// ---- connection -----------------------------------------------------------------------------------
function onDown(e, fatal) {
  st.welcomed = false;
  convs.disconnected();
  [...st.accepting].forEach(resetAccept);
  const why = e.reason ? ` (${e.reason})` : '';
  if (fatal && !st.everWelcomed) return signOut(`The server refused this token${why}.`);
  if (fatal) return connBanner(`Disconnected by the server${why}.`, true);
  connBanner(st.everWelcomed ? 'Reconnecting\u2026 Your availability has not changed.' : 'Connecting\u2026');
}
function connBanner(text, retryButton) {
  if (text === st.connText) return;
  st.connText = text || '';
  if (!text) { if (st.connBanner) st.connBanner.remove(); st.connBanner = null; return; }
  const el = h('div', { class: 'banner conn', 'data-testid': 'connection', role: 'status' }, h('span', null, text),
    retryButton ? h('button', { type: 'button', class: 'secondary', onclick: () => { connBanner('Connecting\u2026'); conn.start(); } }, 'Reconnect') : null);
  if (st.connBanner) st.connBanner.replaceWith(el); else ui.banners.prepend(el);
  st.connBanner = el;
}

function handle(f) {
  switch (f.type) {
    case 'welcome': return onWelcome(f);
    case 'status': return onStatus(f);
    case 'offer': return addOffer(f);
    case 'offer_withdrawn': return onWithdrawn(f);
    case 'assigned': return onAssigned(f);
    case 'message': return convs.onMessage(f.message);
    case 'typing': return convs.typing(f);
    case 'inactive': return convs.onInactive(f);
    case 'ended': return onEnded(f);
    case 'transcript': { const p = convs.get(f.conversation); return p && convs.fill(p, f.messages); }
    case 'error': return onError(f);
    default: // unknown frames are ignored: the server may add frames freely
  }
}

function onWelcome(f) {
  const again = st.everWelcomed;
  st.welcomed = st.everWelcomed = true;
  conn.welcomed();
  const t = Date.parse(f.server_time);
  if (!isNaN(t)) st.skew = t - Date.now();
  st.agent = f.agent || {};
  if (f.tenant != null) st.tenant = String(f.tenant);
  ui.agentName.textContent = st.agent.name || 'Agent';
  setSpaces(Array.isArray(f.spaces) ? f.spaces : []);
  const listed = new Set();
  for (const c of Array.isArray(f.conversations) ? f.conversations : []) {
    if (!c || c.id == null) continue;
    listed.add(String(c.id));
    const p = convs.open(c.id, c.customer);
    if (Array.isArray(c.transcript)) convs.fill(p, c.transcript);
    if (c.state === 'ended') convs.markEnded(p, c.reason);
    else if (!Array.isArray(c.transcript)) send({ type: 'transcript', conversation: c.id });
  }
  // A conversation of ours that the server no longer lists ended while we were away.
  for (const p of convs.all()) if (!p.ended && !listed.has(p.id)) convs.markEnded(p, 'gone');
  if (Array.isArray(f.offers)) f.offers.forEach(addOffer);
  convs.resendPending();
  connBanner(null);
  if (again) say('Reconnected.');
  work.start();
  tick();
}

// ---- availability ---------------------------------------------------------------------------------
function setSpaces(list) {
  const seen = new Set();
  for (const s of list) {
    if (!s || s.id == null) continue;
    const sp = st.spaces.get(String(s.id)) || addSpace(String(s.id));
    seen.add(sp.id);
    sp.name = String(s.name || sp.name);
    sp.nameEl.textContent = sp.name;
    setSpaceStatus(sp, s.status);
  }
  for (const [id, sp] of st.spaces) if (!seen.has(id)) { sp.li.remove(); if (sp.banner) sp.banner.remove(); st.spaces.delete(id); }
  refreshAll();
}
function addSpace(id) {
  const nameEl = h('span', { class: 'switch-label' }, id);
  const stateEl = h('span', { class: 'switch-state', 'aria-hidden': 'true' });
  const btn = h('button', { type: 'button', class: 'switch', role: 'switch', 'aria-checked': 'false',
    'data-testid': 'status-toggle', 'data-space': id, 'data-status': 'unavailable' },
  nameEl, stateEl, h('span', { class: 'track', 'aria-hidden': 'true' }));
  const sp = { id, name: id, status: 'unavailable', btn, nameEl, stateEl, li: h('li', null, btn), banner: null };
  btn.addEventListener('click', () => setStatus(sp.status === 'available' ? 'unavailable' : 'available', sp));
  st.spaces.set(id, sp);
  ui.spaces.append(sp.li);
  return sp;
}
function setSpaceStatus(sp, status) {
  sp.status = status === 'available' ? 'available' : 'unavailable';
  const on = sp.status === 'available';
  sp.btn.dataset.status = sp.status;
  sp.btn.setAttribute('aria-checked', String(on));
  sp.stateEl.textContent = on ? 'Available' : 'Unavailable';
  if (on && sp.banner) { sp.banner.remove(); sp.banner = null; } // the offer-timeout banner has done its job
  busy(sp.btn, false);
}
function setStatus(status, sp) {
  if (!send(sp ? { type: 'set_status', status, space: sp.id } : { type: 'set_status', status })) return toast(OFFLINE, 'offline');
  const changing = sp ? [sp] : [...st.spaces.values()].filter((s) => s.status !== status);
  changing.forEach((s) => busy(s.btn, true));
  if (!sp && changing.length) busy(ui.statusAll, true);
}
function busy(btn, on) {
  clearTimeout(btn.busyTimer);
  if (!on) return btn.removeAttribute('aria-busy');
  btn.setAttribute('aria-busy', 'true');
  btn.busyTimer = setTimeout(() => btn.removeAttribute('aria-busy'), BUSY_FOR); // no frame comes when nothing changed
}
function refreshAll() {
  const all = [...st.spaces.values()], n = all.filter((s) => s.status === 'available').length;
  const status = all.length && n === all.length ? 'available' : n ? 'mixed' : 'unavailable';
  ui.statusAll.dataset.status = status;
  ui.statusAll.setAttribute('aria-checked', String(status === 'available'));
  ui.statusAll.querySelector('.switch-state').textContent =
    status === 'available' ? 'All available' : status === 'mixed' ? `${n} of ${all.length} available` : 'All unavailable';
  ui.statusAll.disabled = !all.length;
  ui.noSpaces.hidden = !!all.length;
  busy(ui.statusAll, false);
}
ui.statusAll.addEventListener('click', () => setStatus(ui.statusAll.dataset.status === 'available' ? 'unavailable' : 'available'));

function onStatus(f) {
  const ids = f.space != null ? [String(f.space)] : [...st.spaces.keys()]; // no space: all of them
  for (const id of ids) {
    const sp = st.spaces.get(id) || addSpace(id);
    const was = sp.status;
    setSpaceStatus(sp, f.status);
    if (sp.status === 'unavailable' && STATUS_REASONS[f.reason]) statusBanner(sp, STATUS_REASONS[f.reason]);
    if (was !== sp.status) say(`You are ${sp.status} in ${sp.name}.`);
  }
  refreshAll();
}
// Why the router set an agent unavailable (the agent turns itself back on).
const STATUS_REASONS = {
  offer_timeout: 'an offer timed out',
  disconnected: 'no console of yours was connected for a while',
};
function statusBanner(sp, why) {
  if (sp.banner) sp.banner.remove();
  const drop = () => { if (sp.banner) sp.banner.remove(); sp.banner = null; };
  sp.banner = notice('status', [h('span', { class: 'grow' }, `You were set unavailable in ${sp.name} because ${why}.`),
    h('button', { type: 'button', class: 'secondary', onclick: () => setStatus('available', sp) }, 'Become available'),
    h('button', { type: 'button', class: 'icon', 'aria-label': 'Dismiss', onclick: drop }, '\u00d7')],
  { role: 'alert', 'data-space': sp.id });
  sp.banner.classList.add('banner', 'warn');
  ui.banners.append(sp.banner);
}

// ---- offers ---------------------------------------------------------------------------------------
function addOffer(o) {
  if (!o || o.offer_id == null) return;
  const id = String(o.offer_id), conv = String(o.conversation);
  if (o.customer) st.customers.set(conv, o.customer);
  const known = st.offers.get(id);
  if (known) { known.o = o; known.expires = Date.parse(o.expires_at); return tick(); }
  const mine = convs.get(conv);
  if (mine && !mine.ended) return; // already ours: a stale re-send
  const sp = st.spaces.get(String(o.space));
  const spaceName = (sp && sp.name) || String(o.space_name || o.space || 'Unknown space');
  const card = buildOffer(o, spaceName, { accept: () => accept(id), decline: () => decline(id) });
  st.offers.set(id, { id, o, conv, card, expires: Date.parse(o.expires_at), accepting: false });
  ui.offers.append(card.el);
  say(`New offer: ${customerName(o.customer)} in ${spaceName}. ${o.summary || ''}`);
  tick();
}
function tick() {
  const now = Date.now() + st.skew;
  for (const of of st.offers.values()) {
    const left = of.expires - now;
    of.card.countdown.textContent = isNaN(left) ? '' : clock(left);
    of.card.countdown.dataset.remaining = isNaN(left) ? '' : String(Math.max(0, Math.ceil(left / 1000)));
    of.card.el.classList.toggle('urgent', left < 20000);
    of.card.el.classList.toggle('expired', left <= 0);
    if (left < -OFFER_GRACE && !of.accepting) removeOffer(of.id, 'expired');
  }
  if (st.offers.size && !st.ticker) st.ticker = setInterval(tick, 1000);
  if (!st.offers.size && st.ticker) { clearInterval(st.ticker); st.ticker = 0; }
  refresh();
}
function removeOffer(id, reason) {
  const of = st.offers.get(id);
  if (!of) return;
  const hadFocus = of.card.el.contains(document.activeElement);
  of.card.el.remove();
  st.offers.delete(id);
  st.accepting = st.accepting.filter((x) => x !== id);
  if (reason) {
    const n = notice('withdrawn', `Offer from ${customerName(of.o.customer)} withdrawn: ${withdrawnPhrase(reason)}.`, { 'data-offer': id });
    ui.offerNotes.append(n);
    setTimeout(() => n.remove(), NOTE_FOR);
    say(n.textContent);
  }
  if (hadFocus) {
    const next = ui.offers.querySelector('[data-testid=accept]:not(:disabled)');
    (next || ui.offersH).focus();
  }
  tick();
}
function onWithdrawn(f) {
  const of = st.offers.get(String(f.offer_id));
  if (!of) return; // declined or accepted here already
  removeOffer(of.id, of.accepting && f.reason === 'accepted' ? null : (f.reason || 'withdrawn'));
}
function accept(id) {
  const of = st.offers.get(id);
  if (!of || of.accepting) return;
  if (!send({ type: 'accept', offer_id: of.o.offer_id })) return toast(OFFLINE, 'offline');
  of.accepting = true;
  st.accepting.push(id);
  st.lastAcceptAt = Date.now();
  convs.expectFocus(of.conv);
  of.card.accept.disabled = of.card.decline.disabled = true;
  of.card.accept.textContent = 'Accepting\u2026';
  of.card.el.setAttribute('aria-busy', 'true');
}
function resetAccept(id) {
  const of = st.offers.get(id);
  st.accepting = st.accepting.filter((x) => x !== id);
  if (!of) return;
  of.accepting = false;
  of.card.accept.disabled = of.card.decline.disabled = false;
  of.card.accept.textContent = 'Accept';
  of.card.el.removeAttribute('aria-busy');
}
function decline(id) {
  const of = st.offers.get(id);
  if (!of || of.accepting) return;
  if (!send({ type: 'decline', offer_id: of.o.offer_id })) return toast(OFFLINE, 'offline');
  removeOffer(id);
  say('Offer declined.');
}

// ---- conversations (the panes live in console-convs.js) --------------------------------------------
function onAssigned(f) {
  const conv = String(f.conversation);
  for (const of of [...st.offers.values()]) if (of.conv === conv) removeOffer(of.id);
  convs.assigned(conv, f.customer || st.customers.get(conv), f.transcript);
}
function onEnded(f) {
  const conv = String(f.conversation);
  for (const of of [...st.offers.values()]) if (of.conv === conv) removeOffer(of.id, f.reason || 'ended');
  const p = convs.get(conv);
  if (p) { convs.markEnded(p, f.reason); work.conversationEnded(); }
}

// ---- errors, notes, title -------------------------------------------------------------------------
function onError(f) {
  const code = String(f.code || ''), text = String(f.message || 'Something went wrong.');
  if (!st.welcomed && AUTH_CODES.has(code)) return signOut(`Sign-in failed: ${text}`);
  if (f.client_id != null) convs.failed(f.client_id);
  const p = convs.get(f.conversation);
  if (p) convs.resetEnd(p);
  // An error answering an accept: the frame may name the offer; otherwise it is the oldest accept in flight.
  const offer = f.offer_id != null ? String(f.offer_id) : (f.client_id == null && f.conversation == null ? st.accepting[0] : null);
  if (offer && st.offers.has(offer) && st.offers.get(offer).accepting) {
    if (code === 'conflict' || code === 'not_found') { removeOffer(offer); return toast('That conversation is no longer available.', code); }
    resetAccept(offer);
  } else if (code === 'conflict' && Date.now() - st.lastAcceptAt < CONFLICT_WINDOW) {
    return toast('That conversation is no longer available.', code);
  }
  toast(text, code);
}
function toast(text, code) {
  const el = notice('error', [h('span', { class: 'grow' }, text),
    h('button', { type: 'button', class: 'icon', 'aria-label': 'Dismiss', onclick: () => el.remove() }, '\u00d7')],
  { role: 'alert', 'data-code': code || null });
  ui.toasts.append(el);
  setTimeout(() => el.remove(), NOTE_FOR);
}
let sayBuf = [], sayTimer = 0;
function say(text) { // one polite live region for offers, status and conversation events; bursts are joined
  sayBuf.push(text);
  clearTimeout(sayTimer);
  sayTimer = setTimeout(() => { ui.announce.textContent = sayBuf.join(' '); sayBuf = []; }, 150);
}
function refresh() {
  const n = st.offers.size, unread = convs.unread();
  ui.offersCount.textContent = String(n);
  ui.offersCount.hidden = !n;
  ui.noOffers.hidden = !!n;
  document.title = `${n + unread ? `(${n + unread}) ` : ''}${TITLE}`;
}

// ---- start ----------------------------------------------------------------------------------------
ui.offersH.tabIndex = -1;
ui.convsH.tabIndex = -1;
{
  const url = new URL(location.href);
  if (url.searchParams.has('token')) { // demo convenience: /console?token=…, kept out of the address bar and history
    const t = (url.searchParams.get('token') || '').trim();
    if (t) store.set(t);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
  }
  const token = store.get();
  if (token) start(token); else showSignin();
}
