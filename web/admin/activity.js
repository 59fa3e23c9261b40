/* Switchboard admin console: conversations. The newest first, filtered by state, space, experience and start date,
   a page at a time (GET …/conversations); opening one (a row, an id, or #/conversations/{id} from the live view)
   shows it, its transcript and its routing decision record, with agents by name (CONTRACT.md §2:
   GET …/conversations/{id}, …/transcript and …/decisions). The live view of a space is in ./live.js. */
import { h, field, formError, clearErrors, showErrors, busy, pageHead, card, note, failure, option } from './ui.js';

export async function conversations(ctx, params = {}) {
  // Names for the decision record; without them it still shows, by id.
  const agents = await ctx.api.list('/agents').catch(() => []);
  const names = new Map(agents.map((a) => [a.id, a.name]));
  const id = h('input', { required: true, spellcheck: 'false', placeholder: 'Conversation id', 'data-testid': 'conversation-id' });
  const open = h('button.primary', { type: 'submit' }, 'Open');
  const out = h('div', { 'data-testid': 'conversation' });
  const form = h('form.row-form', { novalidate: true }, formError(), field('conversation', 'Conversation id', id), h('div.form-actions', {}, open));
  async function openConversation(value) {
    id.value = value;
    clearErrors(form);
    await busy(open, 'Opening\u2026', async () => {
      try {
        const key = encodeURIComponent(id.value.trim());
        // The record is secondary: when it cannot be read the conversation still shows, with a note saying so.
        const [info, transcript, record] = await Promise.all([ctx.api.get(`/conversations/${key}`),
          ctx.api.list(`/conversations/${key}/transcript`), ctx.api.list(`/conversations/${key}/decisions`).then((items) => ({ decisions: items }), () => null)]);
        out.replaceChildren(conversation(info, transcript), decisions(record, names));
      } catch (error) { out.replaceChildren(); showErrors(form, error); }
    });
  }
  form.addEventListener('submit', (event) => { event.preventDefault(); openConversation(id.value); });
  const list = card('Newest first', conversationList(ctx, openConversation));
  const opened = card('Open a conversation', form, out);
  const head = pageHead('Conversations', 'Every conversation stays readable, also after it ends or its experience is deleted.');
  // Opened by address (from the live view): that conversation comes first.
  if (!params.id) return h('div', {}, head, list, opened);
  await openConversation(params.id);
  return h('div', {}, head, opened, list);
}

const STATES = [['', 'Any state'], ['ai', 'With the AI'], ['queued', 'Waiting for an agent'], ['live', 'With an agent'],
  ['ended', 'Ended']];

/** Midnight starting `day` (yyyy-mm-dd, from a date input) in the admin's own time zone, as RFC 3339 UTC. */
const startOfDay = (day, plusDays = 0) => {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + plusDays).toISOString();
};

/**
 * The tenant's conversations, newest first, a page of 50 at a time, filtered by state, space, experience and the days
 * they started on (From and To both included: `until` is the midnight after To); choosing one opens it below.
 */
function conversationList(ctx, openById) {
  const state = h('select', { 'data-testid': 'conversation-state' }, STATES.map(([value, label]) => option(value, label)));
  const space = h('select', { 'data-testid': 'conversation-space' }, option('', 'Any space'));
  const experience = h('select', { 'data-testid': 'conversation-experience' }, option('', 'Any experience'));
  const from = h('input', { type: 'date', 'data-testid': 'conversation-from' });
  const to = h('input', { type: 'date', 'data-testid': 'conversation-to' });
  const filters = h('form.filters', { novalidate: true, 'data-testid': 'conversation-filters' }, formError(),
    field('state', 'State', state), field('space', 'Space', space), field('experience', 'Experience', experience),
    field('since', 'Started from', from), field('until', 'Started up to', to));
  filters.addEventListener('submit', (event) => event.preventDefault());
  const rows = h('tbody', {});
  const status = h('div', {});
  const more = h('button', { type: 'button', hidden: true, 'data-testid': 'conversations-more' }, 'More');
  let cursor = null;
  let asked = 0;
  async function load(reset) {
    const mine = reset ? ++asked : asked;
    const query = new URLSearchParams({ limit: '50' });
    for (const [key, control] of [['state', state], ['space', space], ['experience', experience]]) {
      if (control.value) query.set(key, control.value);
    }
    if (from.value) query.set('since', startOfDay(from.value));
    if (to.value) query.set('until', startOfDay(to.value, 1));
    if (!reset && cursor) query.set('cursor', cursor);
    try {
      const page = await ctx.api.get(`/conversations?${query}`);
      if (mine !== asked) return; // the filters changed meanwhile; a newer first page is on its way
      clearErrors(filters);
      if (reset) rows.replaceChildren();
      for (const c of page.items || []) rows.append(listRow(c, openById));
      cursor = page.next_cursor || null;
      more.hidden = !cursor;
      status.replaceChildren(...(rows.children.length ? [] : [note(filtered() ? 'No conversations match these filters.' : 'No conversations here yet.')]));
    } catch (error) {
      if (mine !== asked) return;
      more.hidden = true;
      if (error.code === 'invalid') {
        if (reset) rows.replaceChildren();
        status.replaceChildren();
        showErrors(filters, error);
      } else status.replaceChildren(failure(error, 'Conversations'));
    }
  }
  const filtered = () => [state, space, experience, from, to].some((control) => control.value);
  filters.addEventListener('change', () => load(true));
  more.addEventListener('click', () => busy(more, 'Loading\u2026', () => load(false)));
  // The choices of space and experience; an admin who may not read spaces just gets none to choose from.
  Promise.allSettled([ctx.api.list('/spaces'), ctx.api.list('/experiences')]).then(([spaces, experiences]) => {
    if (spaces.status === 'fulfilled') space.append(...spaces.value.map((s) => option(s.id, s.name)));
    if (experiences.status === 'fulfilled') {
      experience.append(...experiences.value.map((x) => option(x.id, x.name)));
    }
  });
  load(true);
  return h('div', { 'data-testid': 'conversation-list' }, filters,
    h('div.table-wrap', {}, h('table', {},
      h('thead', {}, h('tr', {}, ['Started', 'State', 'Customer', 'Ended'].map((t) => h('th', { scope: 'col', text: t })))),
      rows)),
    status, h('div.form-actions', {}, more));
}

function listRow(c, openById) {
  const who = c.customer ? `${c.customer.name || 'Guest'}${c.customer.signed_in ? ' (signed in)' : ''}` : '\u2014';
  const open = h('a', { href: `#/conversations/${encodeURIComponent(c.id)}`, text: new Date(c.created_at).toLocaleString() });
  open.addEventListener('click', (event) => { event.preventDefault(); openById(c.id); });
  return h('tr', { 'data-testid': 'conversation-row', 'data-conversation': c.id },
    h('td', {}, open), h('td', { text: c.state || '\u2014' }), h('td', { text: who }),
    h('td', { text: c.ended_reason || '\u2014' }));
}

function conversation(info, messages) {
  const who = info.customer ? `${info.customer.name}${info.customer.signed_in ? ' (signed in)' : ''}` : '\u2014';
  return h('div', {},
    h('dl.facts', {},
      h('dt', { text: 'State' }), h('dd', { text: info.state || '\u2014' }),
      h('dt', { text: 'Customer' }), h('dd', { text: who }),
      h('dt', { text: 'Agent' }), h('dd', { text: info.assignee_name || '\u2014' }),
      h('dt', { text: 'Started' }), h('dd', { text: new Date(info.created_at).toLocaleString() }),
      info.end_reason ? [h('dt', { text: 'Ended' }), h('dd', { text: info.end_reason })] : null),
    messages.length ? h('ol.transcript', {}, messages.map((m) => h('li', { 'data-role': m.author?.role },
      h('span.muted.small', { text: `${m.author?.name || m.author?.role} \u00b7 ${new Date(m.at).toLocaleTimeString()}` }),
      h('p', { text: m.text })))) : note('No messages.'));
}

const WHY = { at_limit: 'at their limit', unavailable: 'unavailable', declined: 'declined', timed_out: 'did not answer in time' };

// Each time the router placed the conversation: whom it offered it to, or that nobody could take it, and who it
// passed over and why.
function decisions(record, names) {
  const who = (agent) => names.get(agent) || agent;
  const head = h('h3', { text: 'Routing decisions' });
  if (!record) return h('div', { 'data-testid': 'decisions' }, head, note('The routing decision record could not be read; try again shortly.'));
  const list = record.decisions || [];
  if (!list.length) return h('div', { 'data-testid': 'decisions' }, head, note('The router never placed this conversation.'));
  return h('div', { 'data-testid': 'decisions' }, head,
    h('ol.decisions', {}, list.map((d) => h('li', { 'data-kind': d.kind },
      h('span.muted.small', { text: new Date(d.at).toLocaleString() }),
      h('p', { 'data-testid': 'decision-outcome', text: d.kind === 'offered' ? `Offered to ${who(d.agent)}` : 'Nobody could take it; it kept waiting' }),
      d.skipped?.length ? h('ul.small', {}, d.skipped.map((s) => h('li', { 'data-testid': 'decision-skipped', text: `Skipped ${who(s.agent)}: ${WHY[s.why] || s.why}` })))
        : h('p.muted.small', { text: d.kind === 'offered' ? 'Nobody was passed over.' : 'The space had no agents.' })))));
}
