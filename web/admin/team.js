/* Switchboard admin console: the support team (SPEC.md §1, §5, §10). Spaces: create, turn live chat on or off, choose
   which agents work there, open the space's live view, delete. Agents: create, their spaces, a new sign-in token (the old one stops working),
   delete. A token is shown once, when it is issued. */
import { h, field, group, formError, clearErrors, showErrors, busy, toast, announce, pageHead, card, note,
  checkbox, tokenReveal, confirmDelete } from './ui.js';

const ENDS = 'Conversations waiting or live in it end with the fallback message and stay readable; work items stay.';

export async function spaces(ctx) {
  const [all, agents] = await Promise.all([ctx.api.list('/spaces'), ctx.api.list('/agents')]);
  const name = h('input', { required: true, maxlength: '100', 'data-testid': 'space-name' });
  const live = h('input', { type: 'checkbox', checked: true, 'data-testid': 'space-live-chat' });
  const create = h('button.primary', { type: 'submit', 'data-testid': 'create-space' }, 'Create space');
  const form = h('form.row-form', { novalidate: true }, formError(), field('name', 'Name', name),
    h('div.field', {}, h('label.check', {}, live, h('span', { text: 'Live chat on' }))), h('div.form-actions', {}, create));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    await busy(create, 'Creating\u2026', async () => {
      try {
        const made = await ctx.api.post('/spaces', { name: name.value.trim(), live_chat: live.checked });
        toast(`Space \u201c${made.name}\u201d created.`);
        ctx.rerender();
      } catch (error) { showErrors(form, error); }
    });
  });
  const rows = all.map((space) => spaceRow(ctx, space, agents));
  return h('div', {},
    pageHead('Spaces', 'A space is a support team\u2019s home. Experiences route live chats to a space; its agents are offered them in turn.'),
    card('New space', form),
    card('Your spaces', rows.length ? h('ul.items', {}, rows) : note('No spaces yet.')));
}

function spaceRow(ctx, space, agents) {
  const state = h('span.state', {});
  const toggle = h('button.switch', { type: 'button', role: 'switch', 'aria-label': `Live chat in ${space.name}`,
    'data-testid': 'live-chat-toggle', 'data-space': space.id });
  toggle.append(h('span.track', { 'aria-hidden': 'true' }), h('span', { text: 'Live chat' }), state);
  const paint = () => {
    toggle.setAttribute('aria-checked', String(space.live_chat));
    state.textContent = space.live_chat ? 'On' : 'Off';
  };
  paint();
  toggle.addEventListener('click', async () => {
    const want = !space.live_chat;
    toggle.disabled = true;
    try {
      Object.assign(space, await ctx.api.patch(`/spaces/${space.id}`, { live_chat: want }));
      paint();
      announce(`Live chat ${space.live_chat ? 'on' : 'off'} in ${space.name}.`);
      toast(space.live_chat ? `Live chat is on in ${space.name}.`
        : `Live chat is off in ${space.name}: no new offers there, and waiting customers get the fallback message.`);
    } catch (error) { toast(`Not changed: ${error.message}`, 'error'); } finally { toggle.disabled = false; }
  });

  const boxes = agents.map((a) => checkbox({ value: a.id, checked: a.spaces.includes(space.id), 'data-testid': 'space-agent' }, a.name));
  const saveAgents = h('button.secondary', { type: 'button' }, 'Save agents');
  saveAgents.addEventListener('click', () => busy(saveAgents, 'Saving\u2026', async () => {
    const chosen = new Set(boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value));
    try {
      for (const agent of agents) {
        const member = agent.spaces.includes(space.id);
        if (member === chosen.has(agent.id)) continue;
        const spaces = member ? agent.spaces.filter((s) => s !== space.id) : [...agent.spaces, space.id];
        Object.assign(agent, await ctx.api.patch(`/agents/${agent.id}`, { spaces }));
      }
      toast(`Agents of ${space.name} saved.`);
    } catch (error) { toast(`Not all saved: ${error.message}`, 'error'); }
  }));
  const remove = h('button.link.danger-text', { type: 'button', 'data-testid': 'delete-space' }, 'Delete');
  remove.addEventListener('click', () => deleteThing(ctx, `/spaces/${space.id}`, `the space \u201c${space.name}\u201d`,
    `It can\u2019t be deleted while an experience routes chats here. ${ENDS}`));
  const members = agents.filter((a) => a.spaces.includes(space.id)).map((a) => a.name);
  return h('li.item', { 'data-testid': 'space', 'data-id': space.id },
    h('div.item-head', {}, h('div', {}, h('strong', { text: space.name }),
      h('p.muted.small', { text: members.length ? `Agents: ${members.join(', ')}` : 'No agents yet' })), toggle,
      h('a.button.secondary', { href: `#/live/${encodeURIComponent(space.id)}`, 'data-testid': 'open-live' }, 'Live view'), remove),
    agents.length ? h('details', {}, h('summary', { text: 'Which agents work here' }),
      h('div.checks', {}, boxes), saveAgents) : null);
}

export async function agents(ctx) {
  const [all, spaces] = await Promise.all([ctx.api.list('/agents'), ctx.api.list('/spaces')]);
  const revealSlot = h('div', {});
  const name = h('input', { required: true, maxlength: '100', 'data-testid': 'agent-name' });
  const email = h('input', { type: 'email', required: true, 'data-testid': 'agent-email' });
  const boxes = spaceBoxes(spaces, []);
  const create = h('button.primary', { type: 'submit', 'data-testid': 'create-agent' }, 'Create agent');
  const form = h('form.row-form', { novalidate: true }, formError(), field('name', 'Name', name), field('email', 'Email', email),
    group('spaces', 'Spaces', spaces.length ? boxes.el : note('Create a space first.')), h('div.form-actions', {}, create));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    await busy(create, 'Creating\u2026', async () => {
      try {
        const made = await ctx.api.post('/agents', { name: name.value.trim(), email: email.value.trim(), spaces: boxes.chosen() });
        toast(`Agent ${made.name} created.`);
        // The page redraws from the server; the token is only in this answer, so it goes onto the redrawn page.
        await ctx.rerender();
        document.querySelector('[data-slot=reveal]')?.replaceChildren(tokenReveal(made.name, made.token));
      } catch (error) { showErrors(form, error); }
    });
  });
  revealSlot.dataset.slot = 'reveal';
  return h('div', {},
    pageHead('Agents', 'People who chat with customers in the agent console. Each signs in with their own token.'),
    revealSlot,
    card('New agent', form),
    card('Your agents', all.length ? h('ul.items', {}, all.map((a) => agentRow(ctx, a, spaces, revealSlot))) : note('No agents yet.')));
}

function spaceBoxes(spaces, selected) {
  const boxes = spaces.map((s) => checkbox({ value: s.id, checked: selected.includes(s.id), 'data-testid': 'agent-space' },
    s.live_chat ? s.name : `${s.name} (live chat off)`));
  return { el: h('div.checks', {}, boxes), chosen: () => boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value) };
}

function agentRow(ctx, agent, spaces, revealSlot) {
  const boxes = spaceBoxes(spaces, agent.spaces);
  const saveSpaces = h('button.secondary', { type: 'button' }, 'Save spaces');
  saveSpaces.addEventListener('click', () => busy(saveSpaces, 'Saving\u2026', async () => {
    try {
      Object.assign(agent, await ctx.api.patch(`/agents/${agent.id}`, { spaces: boxes.chosen() }));
      toast(`Spaces of ${agent.name} saved.`);
    } catch (error) { toast(`Not saved: ${error.message}`, 'error'); }
  }));
  const reissue = h('button.secondary', { type: 'button', 'data-testid': 'reissue-agent-token' }, 'Issue new sign-in token');
  reissue.addEventListener('click', async () => {
    const sure = await confirmDelete(`Issue a new token for ${agent.name}?`,
      'The current token stops working at once and any console signed in with it is signed out.', 'Issue new token');
    if (!sure) return;
    try {
      const { token } = await ctx.api.post(`/agents/${agent.id}/token`);
      revealSlot.replaceChildren(tokenReveal(agent.name, token));
      revealSlot.scrollIntoView({ block: 'nearest' });
    } catch (error) { toast(`No new token: ${error.message}`, 'error'); }
  });
  const remove = h('button.link.danger-text', { type: 'button', 'data-testid': 'delete-agent' }, 'Delete');
  remove.addEventListener('click', () => deleteThing(ctx, `/agents/${agent.id}`, `the agent ${agent.name}`,
    `Their token stops working. Conversations they are handling end with the fallback message and stay readable; work items stay.`));
  const names = agent.spaces.map((id) => spaces.find((s) => s.id === id)?.name || id);
  return h('li.item', { 'data-testid': 'agent', 'data-id': agent.id },
    h('div.item-head', {}, h('div', {}, h('strong', { text: agent.name }), ' ', h('span.muted', { text: agent.email }),
      h('p.muted.small', { text: names.length ? `Spaces: ${names.join(', ')}` : 'In no space yet' })), reissue, remove),
    spaces.length ? h('details', {}, h('summary', { text: 'Spaces' }), boxes.el, saveSpaces) : null);
}

/** Confirms, deletes, and redraws the page. */
export async function deleteThing(ctx, path, what, consequences) {
  const sure = await confirmDelete(`Delete ${what}?`, consequences);
  if (!sure) return;
  try {
    await ctx.api.del(path);
    toast(`Deleted ${what}.`);
    ctx.rerender();
  } catch (error) { toast(`Not deleted: ${error.message}`, 'error'); }
}
