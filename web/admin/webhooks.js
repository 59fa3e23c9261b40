/* Switchboard admin console: webhooks (CONTRACT.md §2, docs/webhooks.md). A site admin subscribes an https URL to
   events; the signing secret is shown once, when the subscription is made. Each subscription shows its status
   (active, paused after repeated failed deliveries with the reason, or switched off), can be resumed, switched off,
   edited or deleted, and opens its delivery log (newest first, a page at a time). */
import { h, field, group, formError, clearErrors, showErrors, busy, toast, announce, pageHead, card, note, failure,
  checkbox, copy } from './ui.js';
import { deleteThing } from './team.js';

const EVENTS = [
  ['conversation.started', 'A conversation started'],
  ['conversation.state_changed', 'A conversation changed state (queued, live, ended)'],
  ['message.created', 'A message was sent'],
  ['handoff.requested', 'The AI handed a conversation to the team'],
  ['offer.outcome', 'An agent accepted an offer'],
  ['work_item.created', 'A work item was created'],
  ['work_item.updated', 'A work item changed'],
];
const STATUS = { active: 'Active', paused: 'Paused', disabled: 'Switched off', unknown: 'Status unknown' };

/** The event checkboxes, `chosen` ticked. */
function eventBoxes(chosen) {
  return EVENTS.map(([name, label]) =>
    checkbox({ value: name, checked: chosen.includes(name), 'data-testid': `webhook-event-${name}` }, `${label} (${name})`));
}
const ticked = (boxes) => boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);

/** The secret of a new subscription, shown once with a Copy button. */
function secretReveal(secret) {
  return h('div.reveal', { role: 'status', 'data-testid': 'webhook-secret-reveal' },
    h('p', {}, h('strong', { text: 'Signing secret. ' }), 'Copy it now into your endpoint\u2019s settings: it is shown only once.'),
    h('div.reveal-row', {}, h('code.token', { 'data-testid': 'webhook-secret', text: secret }),
      h('button.secondary', { type: 'button', on: { click: () => copy(secret, 'Secret') } }, 'Copy')));
}

function statusLine(hook) {
  const text = STATUS[hook.status] || hook.status;
  return h('p.small', { 'data-testid': 'webhook-status', 'data-status': hook.status },
    h('strong', { text }), hook.status === 'paused' && hook.paused_reason ? ` \u2014 ${hook.paused_reason}` : '');
}

/** Resume (or switch on) and switch-off buttons, as the status allows. */
function switches(ctx, hook) {
  const set = async (active, done) => {
    try {
      await ctx.api.patch(`/webhooks/${hook.id}`, { active });
      toast(done);
      announce(done);
      ctx.rerender();
    } catch (error) { toast(`Not changed: ${error.message}`, 'error'); }
  };
  if (hook.status === 'paused' || !hook.active) {
    return h('button.secondary', { type: 'button', 'data-testid': 'resume-webhook',
      on: { click: () => set(true, 'Webhook resumed: waiting deliveries go out now.') } }, 'Resume');
  }
  return h('button.secondary', { type: 'button', 'data-testid': 'disable-webhook',
    on: { click: () => set(false, 'Webhook switched off.') } }, 'Switch off');
}

export async function list(ctx) {
  const head = pageHead('Webhooks', 'Send conversation events to your own systems, signed so they can check they came from here.');
  let hooks;
  try { hooks = (await ctx.api.get('/webhooks?limit=200')).items; } catch (error) { return h('div', {}, head, failure(error, 'Webhooks')); }
  const revealSlot = h('div', { 'data-slot': 'webhook-reveal' });
  const url = h('input', { type: 'url', required: true, placeholder: 'https://example.com/switchboard', 'data-testid': 'webhook-url' });
  const boxes = eventBoxes(['conversation.started', 'message.created']);
  const add = h('button.primary', { type: 'submit', 'data-testid': 'add-webhook' }, 'Add webhook');
  const form = h('form.row-form', { novalidate: true }, formError(),
    field('url', 'Endpoint URL', url, 'An https address of yours. Private and local addresses are refused.'),
    group('events', 'Events', h('div.checks', {}, boxes)), h('div.form-actions', {}, add));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    await busy(add, 'Adding\u2026', async () => {
      try {
        const made = await ctx.api.post('/webhooks', { url: url.value.trim(), events: ticked(boxes) });
        toast('Webhook added.');
        await ctx.rerender();
        document.querySelector('[data-slot=webhook-reveal]')?.replaceChildren(secretReveal(made.secret));
      } catch (error) { showErrors(form, error); }
    });
  });
  const rows = hooks.map((hook) => {
    const remove = h('button.link.danger-text', { type: 'button', 'data-testid': 'delete-webhook' }, 'Delete');
    remove.addEventListener('click', () => deleteThing(ctx, `/webhooks/${hook.id}`, `the webhook to ${hook.url}`,
      'Nothing more is sent there; deliveries still waiting are dropped.'));
    return h('li.item', { 'data-testid': 'webhook', 'data-id': hook.id },
      h('div.item-head', {}, h('div', {}, h('a', { href: `#/webhooks/${hook.id}`, text: hook.url, 'data-testid': 'webhook-open' }),
        h('p.muted.small', { text: hook.events.join(', ') }), statusLine(hook)), switches(ctx, hook), remove));
  });
  return h('div', {}, head, revealSlot, card('Add a webhook', form),
    card('Webhooks', rows.length ? h('ul.items', {}, rows) : note('No webhooks yet.')));
}

/** One subscription: edit it, resume it, and read its delivery log. */
export async function show(ctx, { id }) {
  const hook = await ctx.api.get(`/webhooks/${encodeURIComponent(id)}`);
  const head = pageHead('Webhook', hook.url, h('a.button.secondary', { href: '#/webhooks', text: 'All webhooks' }));
  const url = h('input', { type: 'url', required: true, value: hook.url, 'data-testid': 'webhook-edit-url' });
  const boxes = eventBoxes(hook.events);
  const save = h('button.primary', { type: 'submit', 'data-testid': 'save-webhook' }, 'Save');
  const form = h('form.settings', { novalidate: true }, formError(), field('url', 'Endpoint URL', url),
    group('events', 'Events', h('div.checks', {}, boxes)), h('div.form-actions', {}, save));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    await busy(save, 'Saving\u2026', async () => {
      try {
        await ctx.api.patch(`/webhooks/${hook.id}`, { url: url.value.trim(), events: ticked(boxes) });
        toast('Webhook saved.');
        ctx.rerender();
      } catch (error) { showErrors(form, error); }
    });
  });
  const rows = h('tbody');
  const more = h('button.secondary', { type: 'button', hidden: true, 'data-testid': 'more-deliveries' }, 'Older deliveries');
  const log = h('div', {}, h('table.table', { 'data-testid': 'deliveries' },
    h('thead', {}, h('tr', {}, ['When', 'Event', 'Status', 'Attempts', 'Answer'].map((t) => h('th', { text: t })))), rows), more);
  let cursor = null;
  const load = async () => {
    const page = await ctx.api.get(`/webhooks/${hook.id}/deliveries?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const d of page.items) {
      const answer = d.response_status ? `${d.response_status} ${d.response_excerpt || ''}` : (d.error || '');
      rows.append(h('tr', { 'data-testid': 'delivery', 'data-status': d.status },
        h('td', { text: new Date(d.updated_at).toLocaleString() }), h('td', {}, h('code', { text: d.event_type })),
        h('td', { text: d.status }), h('td', { text: String(d.attempts) }), h('td.small', { text: answer.slice(0, 160) })));
    }
    cursor = page.next_cursor;
    more.hidden = !cursor;
  };
  more.addEventListener('click', () => load().catch((error) => toast(`Not loaded: ${error.message}`, 'error')));
  let logCard;
  try {
    await load();
    logCard = card('Deliveries', rows.children.length ? log : note('Nothing delivered yet.'));
  } catch (error) { logCard = card('Deliveries', failure(error, 'Deliveries')); }
  return h('div', {}, head, card('Status', statusLine(hook), h('div.form-actions', {}, switches(ctx, hook))),
    card('Settings', form), logCard);
}
