/* Switchboard admin console entry (SPEC.md §10): sign-in, the left navigation and the hash routes (#/experiences,
   #/spaces, …). Pages live in their own modules and render into <main>; every one works on the public API through
   ./api.js. The token is kept in sessionStorage (this tab only); one passed in the URL fragment
   (/admin#token=…&tenant=…) is taken and removed from the address bar at once. */
import { ApiError, createClient } from './api.js';
import { h, note, toast } from './ui.js';
import * as experiences from './experiences.js';
import * as team from './team.js';
import * as aiAgents from './ai-agents.js';
import * as site from './site.js';
import * as activity from './activity.js';
import * as liveView from './live.js';
import * as webhooks from './webhooks.js';

const KEY = 'switchboard:admin';
const TITLE = 'Switchboard \u00b7 Admin';

/** Route patterns, most specific first; `site` routes are for site admins only. */
const ROUTES = [
  { pattern: 'experiences/new', nav: 'experiences', render: experiences.create },
  { pattern: 'experiences/:id', nav: 'experiences', render: experiences.show },
  { pattern: 'experiences', nav: 'experiences', render: experiences.list },
  { pattern: 'spaces', nav: 'spaces', site: true, render: team.spaces },
  { pattern: 'agents', nav: 'agents', site: true, render: team.agents },
  { pattern: 'ai-agents/new', nav: 'ai-agents', site: true, render: aiAgents.create },
  { pattern: 'ai-agents/:id', nav: 'ai-agents', site: true, render: aiAgents.show },
  { pattern: 'ai-agents', nav: 'ai-agents', site: true, render: aiAgents.list },
  { pattern: 'live/:id', nav: 'live', site: true, render: liveView.live },
  { pattern: 'live', nav: 'live', site: true, render: liveView.live },
  { pattern: 'conversations/:id', nav: 'conversations', site: true, render: activity.conversations },
  { pattern: 'conversations', nav: 'conversations', site: true, render: activity.conversations },
  { pattern: 'settings', nav: 'settings', site: true, render: site.settings },
  { pattern: 'admins', nav: 'admins', site: true, render: site.admins },
  { pattern: 'webhooks/:id', nav: 'webhooks', site: true, render: webhooks.show },
  { pattern: 'webhooks', nav: 'webhooks', site: true, render: webhooks.list },
];

const NAV = [
  ['Customers', [['experiences', 'Customer experiences']]],
  ['Support team', [['spaces', 'Spaces'], ['agents', 'Agents'], ['ai-agents', 'AI agents']]],
  ['Activity', [['live', 'Live view'], ['conversations', 'Conversations']]],
  ['Site', [['settings', 'Site settings'], ['admins', 'Admins'], ['webhooks', 'Webhooks']]],
];
const SITE_ONLY = new Set(ROUTES.filter((r) => r.site).map((r) => r.nav));

const $ = (id) => document.getElementById(id);
const ui = {
  signin: $('signin'), form: $('signin-form'), tenant: $('signin-tenant'), token: $('signin-token'),
  error: $('signin-error'), app: $('app'), nav: $('nav'), view: $('view'), tenantName: $('tenant-name'),
  role: $('role'), signOut: $('sign-out'),
};

const store = {
  get() { try { return JSON.parse(sessionStorage.getItem(KEY)); } catch { return null; } },
  set(value) {
    try { if (value) sessionStorage.setItem(KEY, JSON.stringify(value)); else sessionStorage.removeItem(KEY); } catch { /* blocked */ }
  },
};

let ctx = null; // { api, session, role, tenant, defaults, go, rerender, onLeave } once signed in
let rendering = 0;
let leaving = []; // what the page on screen stops when it is left (the live view's polling)

/** Runs and forgets the current page's leave handlers: before another page renders, and at sign-out. */
function leave() {
  for (const stop of leaving.splice(0)) {
    try { stop(); } catch { /* a page's cleanup must not keep the next page from showing */ }
  }
}

/** A token handed over in the fragment: taken, and removed from the address bar and history. */
function fromFragment() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const token = params.get('token');
  if (!token) return null;
  history.replaceState(null, '', `${location.pathname}#/experiences`);
  return { token, tenant: params.get('tenant') || store.get()?.tenant || '' };
}

function showSignin(message) {
  ctx = null;
  ui.app.hidden = true;
  ui.signin.hidden = false;
  ui.error.textContent = message || '';
  ui.error.hidden = !message;
  ui.token.value = '';
  ui.tenant.value = ui.tenant.value || store.get()?.tenant || '';
  (ui.tenant.value ? ui.token : ui.tenant).focus();
  document.title = TITLE;
}

/** Checks the token against the API and learns the role: chat settings are for site admins only. */
async function signIn(session) {
  const api = createClient(session);
  let role = 'site_admin';
  try {
    await api.get('/chat-settings');
  } catch (error) {
    if (error.code === 'forbidden') role = 'experience_admin';
    else if (error.code === 'unauthorized') throw new Error('This token is not accepted. Check it, or ask a site admin for a new one.');
    else if (error.code === 'not_found') throw new Error('No tenant has this id. Check the tenant id.');
    else throw error;
  }
  let tenant = { id: session.tenant, name: session.tenant, edition: null };
  try { tenant = await api.get(''); } catch { /* experience admins may not read the tenant: its id stands in */ }
  // The texts customers see where a setting is left empty, as the server words them (GET …/default-texts); forms
  // show them greyed out in empty fields. Without them (an older server) the fields are simply left blank.
  let defaults = {};
  try { defaults = await api.get('/default-texts'); } catch { /* placeholders stay empty */ }
  store.set(session);
  ctx = { api, session, role, tenant, defaults, go, rerender: route, onLeave: (stop) => leaving.push(stop) };
  ui.signin.hidden = true;
  ui.app.hidden = false;
  ui.tenantName.textContent = tenant.edition ? `${tenant.name} \u00b7 ${tenant.edition}` : tenant.name;
  ui.role.textContent = role === 'site_admin' ? 'Site admin' : 'Experience admin';
  buildNav();
  if (!location.hash.startsWith('#/')) history.replaceState(null, '', '#/experiences');
  await route();
}

function buildNav() {
  ui.nav.replaceChildren(...NAV.map(([heading, items]) => {
    const shown = items.filter(([path]) => ctx.role === 'site_admin' || !SITE_ONLY.has(path));
    if (!shown.length) return '';
    return h('div.nav-group', {}, h('p.nav-heading', { text: heading }),
      h('ul', {}, shown.map(([path, label]) =>
        h('li', {}, h('a', { href: `#/${path}`, 'data-nav': path, 'data-testid': `nav-${path}`, text: label })))));
  }));
}

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function match(path) {
  const parts = path.split('/').filter(Boolean);
  for (const r of ROUTES) {
    const pattern = r.pattern.split('/');
    if (pattern.length !== parts.length) continue;
    const params = {};
    if (pattern.every((p, i) => (p.startsWith(':') ? (params[p.slice(1)] = decodeURIComponent(parts[i])) : p === parts[i]))) {
      return { r, params };
    }
  }
  return null;
}

async function route() {
  if (!ctx) return;
  const found = match(location.hash.replace(/^#\/?/, '')) || match('experiences');
  const { r, params } = found;
  for (const link of ui.nav.querySelectorAll('a')) {
    if (link.dataset.nav === r.nav) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  const mine = ++rendering;
  leave();
  ui.view.setAttribute('aria-busy', 'true');
  let page;
  try {
    page = r.site && ctx.role !== 'site_admin'
      ? note('Only site admins can open this page.', 'warn')
      : await r.render(ctx, params);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'unauthorized') return signOut('Your token is no longer accepted. Sign in again.');
    page = note(`This page could not be loaded: ${error.message}`, 'error');
  }
  if (mine !== rendering) return; // a newer route won
  ui.view.replaceChildren(page);
  ui.view.removeAttribute('aria-busy');
  const title = ui.view.querySelector('h1');
  document.title = title ? `${title.textContent} \u00b7 ${TITLE}` : TITLE;
  (title || ui.view).focus({ preventScroll: true });
}

function signOut(message) {
  leave();
  store.set(null);
  ui.nav.replaceChildren();
  ui.view.replaceChildren();
  showSignin(message);
}

ui.form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const session = { tenant: ui.tenant.value.trim(), token: ui.token.value.trim() };
  if (!session.tenant || !session.token) return showSignin('Enter both the tenant id and the admin token.');
  const button = ui.form.querySelector('button[type=submit]');
  button.disabled = true;
  try { await signIn(session); } catch (error) { showSignin(error.message); ui.tenant.value = session.tenant; } finally { button.disabled = false; }
});
ui.signOut.addEventListener('click', () => { signOut(); toast('Signed out.'); });
window.addEventListener('hashchange', () => {
  // A sign-in link opened in a tab already showing the console changes only the fragment.
  const handed = fromFragment();
  if (handed?.tenant) signIn(handed).catch((error) => showSignin(error.message));
  else route();
});

const handed = fromFragment();
const saved = handed || store.get();
if (saved?.token && saved?.tenant) signIn(saved).catch((error) => showSignin(error.message));
else {
  showSignin(handed ? 'Enter the tenant id to finish signing in.' : '');
  if (handed) ui.token.value = handed.token;
}
