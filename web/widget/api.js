/* Switchboard chat widget: the page's API, window.Switchboard(command, ...args) (CONTRACT.md §5, docs/widget.md).
   Calls made before the script loaded wait in window.Switchboard.q (the snippet's stub) and run in order once the
   page is ready. Each boot builds the widget afresh from the settings; shutdown takes it away and forgets the customer. */
'use strict';

const MAX_LEN = 4000, COUNTER_AT = 3600, TYPING_EVERY = 3000, TYPING_IDLE = 3000, TYPING_CLEAR = 5000;
const script = document.currentScript;
const scriptOrigin = script && script.src ? new URL(script.src).origin : location.origin;

let S = {}; // the settings of the running boot: window.switchboardSettings with boot's own over them
// Between boots: nothing runs, nothing is shown, nothing is known of the customer.
const idleState = () => ({ stopped: true, typers: new Map(), sections: [], pending: new Map(), visitor: {}, unread: 0 });
let st = idleState();
let ui = null;
let booted = false;
let resume = storage('localStorage', ''), openState = storage('sessionStorage', '');
// Set before a boot (identify, update, prefill, open, hideLauncher while none runs): the next boot starts with it.
let early = {};
const handlers = {}; // the page's subscriptions: they outlive shutdown and boot

const emit = (ev, ...args) => (handlers[ev] || []).slice().forEach((fn) => { try { fn(...args); } catch (e) { console.error(e); } });
const readyPayload = () => ({ signed_in: st.signedIn, support_mode: st.mode });

// Back from the site's sign-in page (SPEC 11): the token comes in the URL fragment, which never reaches a server
// log. Take it out of the address bar at once; the first boot signs in with it on the resumed anonymous thread.
const returned = /(?:^#|&)switchboard_token=([^&]+)/.exec(location.hash);
if (returned) {
  const rest = location.hash.slice(1).split('&').filter((p) => !p.startsWith('switchboard_token=')).join('&');
  history.replaceState(history.state, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  early.returnedToken = decodeURIComponent(returned[1]);
}

// Name, e-mail and attributes as given: strings and a flat object of strings, numbers and booleans.
function visitorProblem(v) {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'expects an object {name?, email?, attributes?}';
  for (const key of Object.keys(v)) if (!['name', 'email', 'attributes'].includes(key)) return `does not know "${key}"`;
  for (const key of ['name', 'email']) if (v[key] != null && typeof v[key] !== 'string') return `${key}: must be a string`;
  const a = v.attributes;
  if (a != null && (typeof a !== 'object' || Array.isArray(a))) return 'attributes: must be an object';
  for (const [k, x] of Object.entries(a || {})) if (x != null && !['string', 'number', 'boolean'].includes(typeof x)) return `attributes.${k}: must be a string, number or boolean`;
  return null;
}
const mergeVisitor = (old, v) => ({ ...old, ...v, attributes: { ...(old.attributes || {}), ...(v.attributes || {}) } });

function boot(extra) {
  if (extra != null && (typeof extra !== 'object' || Array.isArray(extra))) return console.warn('Switchboard: boot expects a settings object');
  if (extra && extra.visitor != null && visitorProblem(extra.visitor)) return console.warn(`Switchboard: boot: visitor ${visitorProblem(extra.visitor)}`);
  if (booted) stop();
  const pre = early;
  early = {};
  S = { ...(window.switchboardSettings || {}), ...(extra || {}) };
  const widget = String(S.widget || '');
  const inline = !!S.container; // container mode: fill that element, always open, no launcher
  useLocale(S.locale);
  resume = storage('localStorage', `switchboard:${widget}:resume`);
  openState = storage('sessionStorage', `switchboard:${widget}:open`);
  st = {
    widget, inline, server: String(S.server || scriptOrigin).replace(/\/+$/, ''),
    ws: null, welcomed: false, ready: false, stopped: false, attempt: 0, retryTimer: 0,
    identifyToken: pre.token || pre.returnedToken || (S.token ? String(S.token) : null), helloToken: null,
    signedIn: false, mode: null, convState: null, agentName: null, resumeSent: false,
    pending: new Map(), // client_id -> { text, el }: shown optimistically, re-sent after reconnects until echoed
    sections: [], // one per conversation: { id, el, msgs: Map(id -> element), ended, endNoticed }
    typers: new Map(), typingOn: false, typingSentAt: 0, typingIdle: 0,
    queuedEl: null, inactiveEl: null, open: false, unread: 0,
    visitor: mergeVisitor(S.visitor && !visitorProblem(S.visitor) ? S.visitor : {}, pre.visitor || {}),
    launcherHidden: !!(pre.hideLauncher ?? S.hideLauncher ?? S.hide_launcher),
    signInUrl: S.signInUrl ? String(S.signInUrl) : null, signInReturn: !!pre.returnedToken,
  };
  ui = buildView(inline);
  const target = typeof S.container === 'string' ? document.querySelector(S.container) : S.container;
  if (inline && !(target instanceof Element)) console.warn('Switchboard: container not found, appending the chat to the page');
  (target instanceof Element ? target : document.body).append(ui.host);
  booted = true;
  applyLauncher();
  setStatus();
  const text = pre.prefill ?? S.prefill;
  if (text != null && text !== '') prefill(text);
  // Reopen across page loads without stealing focus; an `open` asked for before the boot does focus.
  if (pre.open != null) setOpen(pre.open); else if (!inline && openState.get()) setOpen(true, false);
  if (!widget) { console.error('Switchboard: switchboardSettings.widget is missing'); st.stopped = true; return setStatus(); }
  // Connects once the current task is done: calls queued behind an automatic boot (identify above all) make the hello.
  queueMicrotask(connect);
}
// Takes this boot's widget off the page and closes its socket; the stored state stays (a boot resumes it).
function stop() {
  if (st.open) { st.open = false; emit('close'); }
  disconnect();
  ui.host.remove();
  ui = null;
  booted = false;
}
// Sign-out on the site: nothing of this customer is left in the page or its storage — the resume tokens and open
// states of every widget of this site (the `switchboard:` keys are the widget's own), also when none is booted now.
function shutdown() {
  early = {};
  if (booted) stop();
  st = idleState();
  for (const area of ['localStorage', 'sessionStorage']) {
    try {
      const store = window[area];
      Object.keys(store).filter((key) => key.startsWith('switchboard:')).forEach((key) => store.removeItem(key));
    } catch { /* storage blocked: nothing was kept */ }
  }
}
function update(v) {
  const problem = visitorProblem(v);
  if (problem) return console.warn(`Switchboard: update ${problem}; nothing changed`);
  if (!booted) { early.visitor = mergeVisitor(early.visitor || {}, v); return; }
  st.visitor = mergeVisitor(st.visitor, v);
  ui.empty.textContent = greetingText();
}

function run(cmd, ...args) {
  switch (cmd) {
    case 'boot': return boot(args[0]);
    case 'shutdown': return shutdown();
    case 'update': return update(args[0]);
    case 'open': case 'close': case 'toggle': {
      const want = cmd === 'toggle' ? !(booted ? st.open : early.open) : cmd === 'open';
      if (booted) return setOpen(want);
      early.open = want; return;
    }
    case 'hideLauncher': {
      const hide = args.length === 0 || !!args[0];
      if (!booted) { early.hideLauncher = hide; return; }
      st.launcherHidden = hide; return applyLauncher();
    }
    case 'prefill':
      if (typeof args[0] !== 'string') return console.warn('Switchboard: prefill expects the text, a string');
      if (booted) return prefill(args[0]);
      early.prefill = args[0]; return;
    case 'identify':
      if (!booted) { early.token = args[0] ? String(args[0]) : undefined; return; }
      st.identifyToken = args[0] ? String(args[0]) : null;
      return st.welcomed ? signIn(st.identifyToken) : undefined; // otherwise it goes in the next hello
    case 'unreadCount': return booted ? st.unread : 0;
    case 'on':
      if (typeof args[1] !== 'function') return console.warn('Switchboard: on expects an event name and a function');
      (handlers[args[0]] = handlers[args[0]] || []).push(args[1]);
      if (args[0] === 'ready' && booted && st.ready) args[1](readyPayload()); // late subscribers still hear it
      return;
    case 'off': handlers[args[0]] = (handlers[args[0]] || []).filter((fn) => fn !== args[1]); return;
    default: console.warn(`Switchboard: unknown command "${cmd}"`);
  }
}

let started = false;
const beforeStart = [];
function api(...args) { if (started) return run(...args); beforeStart.push(args); }
api.loaded = true;
const stubbed = (window.Switchboard && window.Switchboard.q) || [];
window.Switchboard = api;

// Boots by itself unless the page says `autoBoot: false` or queued a `boot` of its own (which then runs in its place
// in the queue); the queued calls then run in the order they were made.
function start() {
  started = true;
  const queued = [...Array.from(stubbed, (a) => Array.from(a)), ...beforeStart];
  const settings = window.switchboardSettings || {};
  if (settings.autoBoot !== false && !queued.some((a) => a[0] === 'boot')) boot();
  for (const args of queued) run(...args);
}
// A container named by selector may come later in the page than the script: wait for the document then.
const settingsAtLoad = window.switchboardSettings || {};
if (document.body && (!settingsAtLoad.container || document.readyState !== 'loading')) start();
else document.addEventListener('DOMContentLoaded', start);
