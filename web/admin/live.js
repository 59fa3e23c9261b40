/* Switchboard admin console: the live view of a space (SPEC.md §10). Who is waiting, in queue order, and for how long;
   whom each is offered to right now; every agent of the space with their status there and their load against the
   site's limit. Read from GET …/spaces/{id}/live every 2 seconds while the page is open (never while it is left);
   the waiting times tick every second in between, counted from the server's figure so a wrong clock here does not
   matter. A waiting conversation opens in the Conversations page, with its transcript and routing decisions. */
import { h, pageHead, card, note, option } from './ui.js';

const REFRESH_MS = 2000;
const TICK_MS = 1000;

/** `#/live` (the first space) and `#/live/{space}`. */
export async function live(ctx, params) {
  const spaces = await ctx.api.list('/spaces');
  const head = pageHead('Live view', 'Who is waiting and for how long, and each agent\u2019s status and load.');
  if (!spaces.length) {
    return h('div', {}, head, card('No spaces yet', note('Create a space on the Spaces page; its live view shows here.')));
  }
  const space = spaces.find((s) => s.id === params.id);
  if (params.id && !space) {
    return h('div', {}, head, note('This space does not exist (any more). Choose another one.', 'warn'), picker(ctx, spaces, ''));
  }
  const view = spaceView(ctx, space || spaces[0]);
  await view.refresh();
  view.start();
  return h('div', { 'data-testid': 'live-view', 'data-space': view.id }, head, picker(ctx, spaces, view.id), view.el);
}

function picker(ctx, spaces, current) {
  const select = h('select', { id: 'live-space', 'data-testid': 'live-space' },
    current ? null : option('', 'Choose a space'),
    spaces.map((s) => option(s.id, s.name, { selected: s.id === current })));
  select.addEventListener('change', () => { if (select.value) ctx.go(`#/live/${encodeURIComponent(select.value)}`); });
  return h('div.field.live-picker', {}, h('label', { for: 'live-space', text: 'Space' }), select);
}

/** One space's view: its sections, kept current by refresh() and the timers start() sets going. */
function spaceView(ctx, space) {
  const status = h('p.muted.small', { 'data-testid': 'live-updated', 'aria-live': 'off' });
  const problem = h('div', {});
  const summary = h('p.live-summary', { 'data-testid': 'live-summary' });
  const chatOff = note('Live chat is off in this space: no new offers here, and customers who were waiting got the fallback message.', 'warn');
  chatOff.hidden = true;
  const waiting = waitingTable(ctx);
  const agents = agentsTable();
  const el = h('div', {}, h('div.live-status', {}, summary, status), problem, chatOff,
    card('Waiting, in queue order', waiting.el), card('Agents', agents.el));
  let timers = [];
  let polling = false;

  async function refresh() {
    try {
      const view = await ctx.api.get(`/spaces/${encodeURIComponent(space.id)}/live`);
      const at = performance.now();
      problem.replaceChildren();
      chatOff.hidden = view.space.live_chat;
      const available = view.agents.filter((a) => a.status === 'available').length;
      summary.textContent = `${view.space.name}: ${count(view.waiting.length, 'customer')} waiting \u00b7 `
        + `${available} of ${count(view.agents.length, 'agent')} available \u00b7 up to ${view.limit} conversations each`;
      waiting.show(view.waiting, at);
      agents.show(view.agents);
      status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      // The last good figures stay on screen; the next refresh may well succeed.
      problem.replaceChildren(note(`The live view could not be refreshed: ${error.message}`, 'error'));
      if (error.code === 'unauthorized') stop();
    }
  }

  function stop() {
    timers.forEach(clearInterval);
    timers = [];
  }

  // Runs `work` every `ms` while the page is on screen; leaving the page (another route, sign-out) stops every timer.
  function every(ms, work) {
    timers.push(setInterval(() => {
      if (!el.isConnected) return stop();
      work();
    }, ms));
  }

  function start() {
    ctx.onLeave(stop);
    every(REFRESH_MS, async () => {
      if (polling || document.hidden) return;
      polling = true;
      try { await refresh(); } finally { polling = false; }
    });
    every(TICK_MS, () => waiting.tick());
  }

  return { id: space.id, el, refresh, start };
}

/** The waiting table; rows are kept by conversation, so a refresh never replaces the link being clicked. */
function waitingTable(ctx) {
  const rows = new Map(); // conversation id -> { tr, cells, seconds, at }
  const body = h('tbody', {});
  const empty = note('Nobody is waiting.');
  const table = h('div.table-wrap', {}, h('table', { 'data-testid': 'live-waiting' },
    h('thead', {}, h('tr', {}, ['#', 'Customer', 'Experience', 'Waiting for', 'Offered to']
      .map((t) => h('th', { scope: 'col', text: t })))), body));

  function row(item) {
    const open = h('a', { href: `#/conversations/${encodeURIComponent(item.conversation)}`, 'data-testid': 'waiting-open' });
    const cells = {
      position: h('td.num', { 'data-testid': 'waiting-position' }),
      customer: h('td', {}, open, h('p.muted.small', {})),
      experience: h('td', {}),
      waited: h('td.num', { 'data-testid': 'waiting-for' }),
      offered: h('td', { 'data-testid': 'offered-to' }, h('span', {}), h('p.muted.small', {})),
    };
    const tr = h('tr', { 'data-testid': 'waiting-row', 'data-conversation': item.conversation }, Object.values(cells));
    return { tr, cells, open };
  }

  function paint(entry) {
    const seconds = entry.seconds + Math.floor((performance.now() - entry.at) / 1000);
    entry.cells.waited.dataset.seconds = String(seconds);
    set(entry.cells.waited, duration(seconds));
  }

  return {
    el: h('div', {}, table, empty),
    show(items, at) {
      const seen = new Set();
      const ordered = items.map((item) => {
        seen.add(item.conversation);
        const entry = rows.get(item.conversation) || row(item);
        rows.set(item.conversation, entry);
        Object.assign(entry, { seconds: item.waiting_seconds, at });
        set(entry.cells.position, String(item.position));
        set(entry.open, item.customer.name || 'Customer');
        set(entry.cells.customer.lastChild, item.customer.email || '');
        set(entry.cells.experience, item.experience.name || '(deleted experience)');
        const offer = item.offered_to;
        set(entry.cells.offered.firstChild, offer ? offer.name || '(deleted agent)' : '\u2014');
        set(entry.cells.offered.lastChild, offer ? `until ${new Date(offer.expires_at).toLocaleTimeString()}` : '');
        entry.cells.offered.dataset.agent = offer ? offer.id : '';
        paint(entry);
        return entry.tr;
      });
      for (const [id, entry] of rows) if (!seen.has(id)) { entry.tr.remove(); rows.delete(id); }
      // Moved only when the order changed: a row being clicked stays where it is.
      if (ordered.some((tr, i) => body.children[i] !== tr)) body.append(...ordered);
      table.hidden = !ordered.length;
      empty.hidden = !!ordered.length;
    },
    tick() { for (const entry of rows.values()) paint(entry); },
  };
}

function agentsTable() {
  const rows = new Map(); // agent id -> { tr, cells }
  const body = h('tbody', {});
  const empty = note('No agents work in this space yet. Add them on the Spaces or Agents page.');
  const table = h('div.table-wrap', {}, h('table', { 'data-testid': 'live-agents' },
    h('thead', {}, h('tr', {}, ['Agent', 'Status', 'Load', 'Console'].map((t) => h('th', { scope: 'col', text: t })))), body));
  return {
    el: h('div', {}, table, empty),
    show(agents) {
      const seen = new Set();
      const ordered = agents.map((agent) => {
        seen.add(agent.id);
        let entry = rows.get(agent.id);
        if (!entry) {
          const cells = { name: h('td', {}), status: h('td', {}, h('span.pill', { 'data-testid': 'agent-status' })),
            load: h('td', { 'data-testid': 'agent-load' }), console: h('td', { 'data-testid': 'agent-connected' }) };
          entry = { cells, tr: h('tr', { 'data-testid': 'live-agent', 'data-id': agent.id }, Object.values(cells)) };
          rows.set(agent.id, entry);
        }
        const { cells, tr } = entry;
        set(cells.name, agent.name || '(deleted agent)');
        const pill = cells.status.firstChild;
        pill.className = `pill ${agent.status === 'available' ? 'ok' : 'off'}`;
        pill.dataset.status = agent.status;
        set(pill, agent.status === 'available' ? 'Available' : 'Unavailable');
        set(cells.load, `${agent.load} of ${agent.limit}`);
        // Presence (SPEC §5): an agent without a console for 60 s is set unavailable everywhere.
        set(cells.console, agent.connected ? 'Connected' : 'Not connected');
        tr.dataset.connected = String(!!agent.connected);
        tr.dataset.load = String(agent.load);
        tr.classList.toggle('full', agent.load >= agent.limit);
        return tr;
      });
      for (const [id, entry] of rows) if (!seen.has(id)) { entry.tr.remove(); rows.delete(id); }
      if (ordered.some((tr, i) => body.children[i] !== tr)) body.append(...ordered);
      table.hidden = !ordered.length;
      empty.hidden = !!ordered.length;
    },
  };
}

/** Sets text only when it changed, so screen readers and selections are left alone. */
function set(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

const count = (n, what) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** 75 → "1:15", 3725 → "1:02:05". */
export function duration(seconds) {
  const s = Math.max(0, seconds);
  const pad = (n) => String(n).padStart(2, '0');
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  return hours ? `${hours}:${pad(minutes)}:${pad(s % 60)}` : `${minutes}:${pad(s % 60)}`;
}
