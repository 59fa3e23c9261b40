/* Switchboard agent console: the agent's work items (SPEC.md §7, CONTRACT.md §2): the items assigned to this agent
   (GET /api/v1/tenants/{tenant}/work-items?assignee=me), open and in progress by default, resolved ones on request;
   one opens in place with its description and the conversation's transcript (read-only) and moves on with
   PATCH …/work-items/{id} {status}: open → in_progress → resolved, resolved → open. The agent token authorises; the
   tenant comes from the welcome frame. Refreshed when one of the agent's conversations ends and every 30 s while the
   page is visible. All server text goes in as text nodes (h()). */
import { h, renderMessage } from './console-ui.js';

const EVERY = 30_000;
const AFTER_END = [1500, 4000, 10_000]; // the item is made after the chat ends, over the bus: look again a few times
const STATUS_NAMES = { open: 'Open', in_progress: 'In progress', resolved: 'Resolved' };
const MOVES = { // status -> the buttons shown: [testid, label, target status, class]
  open: [['work-item-start', 'Start', 'in_progress', 'primary'], ['work-item-resolve', 'Resolve', 'resolved', 'secondary']],
  in_progress: [['work-item-resolve', 'Resolve', 'resolved', 'primary']],
  resolved: [['work-item-reopen', 'Reopen', 'open', 'secondary']],
};
const statusName = (s) => STATUS_NAMES[s] || String(s || '').replace(/_/g, ' ');
const when = (at) => {
  const d = new Date(at);
  if (isNaN(d)) return '';
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
};

/** deps: { token(), tenant(), toast(text, code), say(text), ui: { list, empty, showResolved } } */
export function createWorkItems(deps) {
  const { ui } = deps;
  const items = new Map(); // id -> { item, li, open (detail shown), busy }
  let selected = null, timer = 0, later = [], loading = false, again = false, gen = 0;

  async function call(method, path, body) {
    const tenant = deps.tenant(), token = deps.token();
    if (!tenant || !token) throw Object.assign(new Error('Not signed in.'), { code: 'unauthorized' });
    let res;
    try {
      res = await fetch(`/api/v1/tenants/${encodeURIComponent(tenant)}${path}`, {
        method, headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined, cache: 'no-store',
      });
    } catch {
      throw Object.assign(new Error('Work items could not be reached. Try again in a moment.'), { code: 'offline' });
    }
    let data = null;
    try { data = await res.json(); } catch { /* empty or not JSON */ }
    if (!res.ok) {
      const e = (data && data.error) || {};
      throw Object.assign(new Error(String(e.message || `Work items: the server answered ${res.status}.`)), { code: e.code || String(res.status) });
    }
    return data || {};
  }

  const wanted = (it) => ui.showResolved.checked || it.status !== 'resolved' || it.id === selected;

  async function load() {
    if (!deps.tenant()) return;
    if (loading) { again = true; return; }
    loading = true;
    const mine = gen;
    try {
      // Every page: the list is newest first, a page of 200 at a time, until next_cursor is null.
      const items = [];
      let cursor = null;
      do {
        const data = await call('GET', `/work-items?assignee=me&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        if (mine !== gen) return;
        items.push(...(Array.isArray(data.items) ? data.items : []));
        cursor = data.next_cursor;
      } while (cursor);
      const list = items.filter((it) => it && it.id != null);
      render(list);
    } catch (e) {
      if (mine === gen) deps.toast(e.message, e.code);
    } finally {
      loading = false;
      if (again) { again = false; load(); }
    }
  }

  function render(list) {
    list.sort((a, b) => String(b.created_at || '').localeCompare(String(a.created_at || '')));
    const seen = new Set();
    for (const it of list) {
      const id = String(it.id);
      seen.add(id);
      const entry = items.get(id);
      if (entry) update(entry, it); else items.set(id, build(it));
    }
    for (const [id, entry] of items) if (!seen.has(id)) { entry.li.remove(); items.delete(id); if (selected === id) selected = null; }
    const order = list.map((it) => items.get(String(it.id))).filter((e) => wanted(e.item));
    ui.list.replaceChildren(...order.map((e) => e.li));
    ui.empty.hidden = order.length > 0;
    ui.empty.textContent = ui.showResolved.checked ? 'No work items.' : 'No open work items.';
  }

  function build(it) {
    const id = String(it.id);
    const domId = `wi-${id.replace(/[^\w-]/g, '_')}`;
    const entry = { item: it, busy: false };
    entry.summary = h('span', { class: 'wi-summary' });
    entry.statusEl = h('span', { class: 'wi-status small' });
    entry.meta = h('span', { class: 'wi-meta small muted' });
    entry.head = h('button', { type: 'button', class: 'wi-head', 'aria-expanded': 'false', 'aria-controls': `${domId}-detail`,
      'data-testid': 'work-item-open', onclick: () => toggle(id) },
    h('span', { class: 'wi-top' }, entry.summary, entry.statusEl), entry.meta);
    entry.detail = h('div', { class: 'wi-detail', id: `${domId}-detail`, hidden: true });
    entry.li = h('li', { class: 'wi', 'data-testid': 'work-item', 'data-id': id,
      'data-conversation': it.conversation != null ? String(it.conversation) : null }, entry.head, entry.detail);
    update(entry, it);
    return entry;
  }

  function update(entry, it) {
    entry.item = it;
    const status = String(it.status || '');
    entry.li.dataset.status = status;
    entry.summary.textContent = String(it.summary || '') || 'Untitled work item';
    entry.statusEl.textContent = statusName(status);
    entry.statusEl.dataset.status = status;
    const r = it.reporter || {};
    const reporter = String(r.name || r.email || 'Unknown reporter');
    const t = when(it.created_at);
    entry.meta.textContent = t ? `${reporter} \u00b7 ${t}` : reporter;
    if (t) entry.meta.title = new Date(it.created_at).toLocaleString();
    if (!entry.detail.hidden) fillDetail(entry);
  }

  function fillDetail(entry) {
    const it = entry.item, r = it.reporter || {};
    const actions = (MOVES[it.status] || []).map(([testid, label, to, cls]) =>
      h('button', { type: 'button', class: cls, 'data-testid': testid, disabled: entry.busy,
        onclick: () => move(String(it.id), to) }, label));
    const transcript = Array.isArray(it.transcript) ? it.transcript : [];
    entry.detail.replaceChildren(
      r.email && r.email !== r.name ? h('div', { class: 'small muted wi-email' }, String(r.email)) : null,
      h('h3', { class: 'wi-h' }, 'Description'),
      h('p', { class: 'wi-desc' }, String(it.description || '') || 'No description.'),
      h('h3', { class: 'wi-h' }, 'Transcript'),
      transcript.length
        ? h('div', { class: 'wi-log', 'data-testid': 'work-item-transcript', tabindex: '0', 'aria-label': 'Transcript (read-only)' },
          transcript.map((m) => renderMessage(m || {})))
        : h('p', { class: 'small muted' }, 'No messages.'),
      actions.length ? h('div', { class: 'wi-actions' }, actions) : null);
  }

  function toggle(id) {
    const entry = items.get(id);
    if (!entry) return;
    const opening = entry.detail.hidden;
    for (const [other, e] of items) if (other !== id && !e.detail.hidden) close(e);
    if (!opening) { close(entry); selected = null; render([...items.values()].map((e) => e.item)); return; }
    selected = id;
    entry.detail.hidden = false;
    entry.head.setAttribute('aria-expanded', 'true');
    entry.li.classList.add('open');
    fillDetail(entry);
    call('GET', `/work-items/${encodeURIComponent(id)}`) // the list may be brief; the item itself is the truth
      .then((it) => { if (items.get(id) === entry && it && it.id != null) update(entry, it); })
      .catch((e) => deps.toast(e.message, e.code));
  }
  function close(entry) {
    entry.detail.hidden = true;
    entry.detail.replaceChildren();
    entry.head.setAttribute('aria-expanded', 'false');
    entry.li.classList.remove('open');
  }

  async function move(id, status) {
    const entry = items.get(id);
    if (!entry || entry.busy) return;
    entry.busy = true;
    entry.li.setAttribute('aria-busy', 'true');
    fillDetail(entry);
    const mine = gen;
    try {
      const it = await call('PATCH', `/work-items/${encodeURIComponent(id)}`, { status });
      if (mine !== gen) return;
      entry.busy = false;
      update(entry, it && it.id != null ? it : { ...entry.item, status });
      deps.say(`Work item ${statusName(entry.item.status).toLowerCase()}.`);
    } catch (e) {
      if (mine === gen) deps.toast(e.message, e.code);
    } finally {
      entry.busy = false;
      entry.li.removeAttribute('aria-busy');
      if (items.get(id) === entry && !entry.detail.hidden) fillDetail(entry);
    }
  }

  function tick() { if (!document.hidden) load(); }
  document.addEventListener('visibilitychange', () => { if (!document.hidden && timer) load(); });
  ui.showResolved.addEventListener('change', () => { render([...items.values()].map((e) => e.item)); load(); });

  return {
    /** After welcome: load now and every 30 s. */
    start() {
      clearInterval(timer);
      timer = setInterval(tick, EVERY);
      load();
    },
    /** One of this agent's conversations ended: its work item is on its way. */
    conversationEnded() {
      load();
      later.forEach(clearTimeout);
      later = AFTER_END.map((ms) => setTimeout(tick, ms));
    },
    refresh: load,
    clear() {
      gen += 1;
      clearInterval(timer);
      timer = 0;
      later.forEach(clearTimeout);
      later = [];
      items.clear();
      selected = null;
      ui.list.replaceChildren();
      ui.empty.hidden = false;
    },
  };
}
