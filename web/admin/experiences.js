/* Switchboard admin console: customer experiences (SPEC.md §3, §10). The list; a new experience; and an experience's
   page with its chat settings in the order an admin sets them up (support mode → AI agent → routed space → fallback
   message → access and sign-in → save), its widgets (./widgets.js) and deleting it. A refused save shows the API's
   message next to the field it names and changes nothing. */
import { h, field, group, formError, clearErrors, showErrors, busy, toast, announce, pageHead, card, note,
  radio, option, confirmDelete, LIVE_CONVERSATIONS } from './ui.js';
import { widgetsCard } from './widgets.js';

export const MODES = [
  { value: 'ai_agent', label: 'AI agent', who: 'Only an AI agent.',
    when: 'The AI agent answers every question; conversations are never passed to your team.' },
  { value: 'support_team', label: 'Support team', who: 'Only a person from your team.', team: true,
    when: 'Every conversation should reach a person straight away.' },
  { value: 'ai_and_team', label: 'AI agent and support team', who: 'An AI agent, which can hand the customer to a person.', team: true,
    when: 'The AI agent settles the common questions and hands on the ones that need a person.' },
];
const modeLabel = (value) => MODES.find((m) => m.value === value)?.label || value;
const needsAi = (mode) => mode === 'ai_agent' || mode === 'ai_and_team';
const needsTeam = (mode) => mode === 'support_team' || mode === 'ai_and_team';

/** The tenant's AI agents and spaces, for names and choices; experience admins may not read them (empty then). */
async function lookups(ctx) {
  const [ai, spaces] = await Promise.allSettled([ctx.api.list('/ai-agents'), ctx.api.list('/spaces')]);
  return {
    aiAgents: ai.status === 'fulfilled' ? ai.value : [],
    spaces: spaces.status === 'fulfilled' ? spaces.value : [],
  };
}

export async function list(ctx) {
  const [experiences, known] = await Promise.all([ctx.api.list('/experiences'), lookups(ctx)]);
  const nameOf = (items, id) => (id ? items.find((x) => x.id === id)?.name || id : '\u2014');
  const head = pageHead('Customer experiences', 'Each experience has one support mode, its widgets, and the space its live chats go to.',
    ctx.role === 'site_admin' ? h('a.button.primary', { href: '#/experiences/new', 'data-testid': 'new-experience' }, 'New experience') : null);
  if (!experiences.length) return h('div', {}, head, note('No customer experiences yet. Create one to start chatting with customers.'));
  const rows = experiences.map((x) => h('tr', { 'data-testid': 'experience-row', 'data-id': x.id },
    h('td', {}, h('a', { href: `#/experiences/${x.id}`, text: x.name })),
    h('td', { text: modeLabel(x.support_mode) }),
    h('td', { text: needsAi(x.support_mode) ? nameOf(known.aiAgents, x.ai_agent) : '\u2014' }),
    h('td', { text: needsTeam(x.support_mode) ? nameOf(known.spaces, x.routed_space) : '\u2014' }),
    h('td', { text: x.access === 'signed_in' ? 'Signed-in customers' : 'Anyone' }),
    h('td.num', { text: String(x.widgets?.length ?? 0) })));
  return h('div', {}, head, h('div.table-wrap', {}, h('table', {},
    h('thead', {}, h('tr', {}, ['Name', 'Support mode', 'AI agent', 'Routed space', 'Access', 'Widgets'].map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, rows))));
}

export async function create(ctx) {
  const known = await lookups(ctx);
  const form = settingsForm(ctx, null, known, async (body) => {
    const made = await ctx.api.post('/experiences', body);
    toast(`Experience \u201c${made.name}\u201d created.`);
    ctx.go(`#/experiences/${made.id}`);
  });
  return h('div', {}, pageHead('New customer experience', 'Choose how customers get help. You can change every setting later.'),
    card('Chat settings', form));
}

export async function show(ctx, { id }) {
  const [experience, known] = await Promise.all([ctx.api.get(`/experiences/${encodeURIComponent(id)}`), lookups(ctx)]);
  const title = h('h1', { id: 'page-title', tabindex: '-1', text: experience.name });
  const form = settingsForm(ctx, experience, known, async (body) => {
    const saved = await ctx.api.patch(`/experiences/${experience.id}`, body);
    Object.assign(experience, saved);
    title.textContent = saved.name;
    toast('Chat settings saved.');
    announce('Chat settings saved.');
    return saved;
  });
  const remove = h('button.danger', { type: 'button', 'data-testid': 'delete-experience' }, 'Delete experience');
  remove.addEventListener('click', async () => {
    const sure = await confirmDelete(`Delete \u201c${experience.name}\u201d?`,
      `Its widgets stop working and customers can no longer start chats here. ${LIVE_CONVERSATIONS}`);
    if (!sure) return;
    try {
      await ctx.api.del(`/experiences/${experience.id}`);
      toast(`Experience \u201c${experience.name}\u201d deleted.`);
      ctx.go('#/experiences');
    } catch (error) { toast(`Not deleted: ${error.message}`, 'error'); }
  });
  return h('div', {},
    h('p.crumbs', {}, h('a', { href: '#/experiences', text: 'Customer experiences' }), ' / '),
    h('header.page-head', {}, h('div', {}, title, h('p.lead', { text: `${modeLabel(experience.support_mode)} \u00b7 id ${experience.id}` }))),
    card('Chat settings', form),
    await widgetsCard(ctx, experience),
    card('Delete', h('p', { text: `Deleting this experience removes it and its widgets. ${LIVE_CONVERSATIONS}` }), remove));
}

/**
 * The chat settings form. `saved` is the experience as stored (null for a new one); `submit(body)` gets only the
 * settings that differ from it, so an unchanged routing is not re-checked against the edition.
 */
function settingsForm(ctx, saved, known, submit) {
  const standard = ctx.tenant.edition === 'standard';
  const initial = {
    name: saved?.name ?? '', support_mode: saved?.support_mode ?? (standard ? 'ai_agent' : 'ai_and_team'), ai_agent: saved?.ai_agent ?? '',
    routed_space: saved?.routed_space ?? '', fallback_message: saved?.fallback_message ?? '',
    access: saved?.access ?? 'open', sign_in_url: saved?.sign_in_url ?? '',
  };
  const name = h('input', { value: initial.name, required: true, maxlength: '100', 'data-testid': 'experience-name' });

  const modes = h('div.choices', { role: 'radiogroup' }, MODES.map((m) => h('label.choice', { 'data-testid': `mode-${m.value}` },
    h('input', { type: 'radio', name: 'support_mode', value: m.value, checked: m.value === initial.support_mode }),
    h('span.choice-body', {}, h('strong', { text: m.label }),
      m.team && standard ? h('span.badge', { text: 'Premium or Enterprise' }) : null,
      h('span.choice-row', {}, h('span.choice-key', { text: 'Who customers talk to' }), h('span', { text: m.who })),
      h('span.choice-row', {}, h('span.choice-key', { text: 'When to use it' }), h('span', { text: m.when }))))));

  const aiAgent = h('select', { 'data-testid': 'experience-ai-agent' }, option('', '\u2014 Choose an AI agent \u2014'),
    known.aiAgents.filter((a) => a.published || a.id === initial.ai_agent).map((a) =>
      option(a.id, a.published ? a.name : `${a.name} (not published)`)),
    known.aiAgents.filter((a) => !a.published && a.id !== initial.ai_agent).map((a) =>
      option(a.id, `${a.name} \u2014 not published`, { disabled: true })));
  if (initial.ai_agent && !known.aiAgents.some((a) => a.id === initial.ai_agent)) aiAgent.append(option(initial.ai_agent, initial.ai_agent));
  aiAgent.value = initial.ai_agent;

  const space = h('select', { 'data-testid': 'experience-space' }, option('', '\u2014 Choose a space \u2014'),
    known.spaces.filter((s) => s.live_chat || s.id === initial.routed_space).map((s) =>
      option(s.id, s.live_chat ? s.name : `${s.name} (live chat is off)`)),
    known.spaces.filter((s) => !s.live_chat && s.id !== initial.routed_space).map((s) =>
      option(s.id, `${s.name} \u2014 live chat is off`, { disabled: true })));
  if (initial.routed_space && !known.spaces.some((s) => s.id === initial.routed_space)) space.append(option(initial.routed_space, initial.routed_space));
  space.value = initial.routed_space;
  const spacesOff = known.spaces.filter((s) => !s.live_chat).length;

  const fallback = h('textarea', { rows: '3', maxlength: '4000', placeholder: ctx.defaults?.fallback_message ?? '', value: initial.fallback_message,
    'data-testid': 'experience-fallback' });
  const access = h('div.inline', {},
    radio({ name: 'access', value: 'open', checked: initial.access !== 'signed_in', 'data-testid': 'access-open' }, 'Anyone'),
    radio({ name: 'access', value: 'signed_in', checked: initial.access === 'signed_in', 'data-testid': 'access-signed-in' }, 'Signed-in customers only'));
  const signInUrl = h('input', { type: 'url', value: initial.sign_in_url, placeholder: 'https://www.example.com/sign-in',
    'data-testid': 'experience-sign-in-url' });
  const handoff = h('div.handoff-summary', { 'data-testid': 'handoff-summary' });

  const save = h('button.primary', { type: 'submit', 'data-testid': 'save-settings' }, saved ? 'Save' : 'Create experience');
  const rows = {
    ai: field('ai_agent', 'AI agent', aiAgent, 'Only published AI agents can answer customers.'),
    space: field('routed_space', 'Routed space', space, spacesOff
      ? `Live chats go to this space. Spaces with live chat turned off cannot be chosen (${spacesOff} shown greyed out).`
      : 'Live chats go to this space; its available agents are offered them in turn.'),
    handoff: h('div.field', {}, h('p.label', { text: 'AI handoff' }), handoff),
  };
  const form = h('form.settings', { novalidate: true, 'data-testid': 'chat-settings' },
    formError(),
    field('name', 'Name', name),
    group('support_mode', 'Support mode', modes, 'Each customer experience uses one support mode for chat.'),
    rows.ai, rows.space, rows.handoff,
    field('fallback_message', 'Fallback message', fallback,
      'Shown when nobody can take the chat. Give a next step: a contact form, an email address or your opening hours. Left empty, customers see the text shown greyed out.'),
    group('access', 'Who can start a chat', access, 'Customers must be signed in to talk to a person either way; the widget asks them to sign in first.'),
    field('sign_in_url', 'Sign-in URL', signInUrl,
      'Where the support site sends customers to sign in. Your site signs them in and sends them back with a token.'),
    h('div.form-actions', {}, save));

  const mode = () => form.querySelector('input[name=support_mode]:checked')?.value;
  const showFor = () => {
    rows.ai.hidden = !needsAi(mode());
    rows.space.hidden = !needsTeam(mode());
    rows.handoff.hidden = mode() !== 'ai_and_team';
    const agent = known.aiAgents.find((a) => a.id === aiAgent.value);
    handoff.replaceChildren(...handoffSummary(ctx, agent));
  };
  form.addEventListener('change', showFor);
  showFor();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const chosen = mode();
    const now = {
      name: name.value.trim(), support_mode: chosen,
      ai_agent: needsAi(chosen) ? aiAgent.value : '', routed_space: needsTeam(chosen) ? space.value : '',
      fallback_message: fallback.value.trim(), access: form.querySelector('input[name=access]:checked').value,
      sign_in_url: signInUrl.value.trim(),
    };
    const body = {};
    for (const [key, value] of Object.entries(now)) {
      if (saved && value === initial[key]) continue;
      if (!saved && value === '' && key !== 'name') continue;
      body[key] = value === '' && saved ? null : value;
    }
    if (saved && !Object.keys(body).length) return toast('Nothing changed.');
    await busy(save, 'Saving\u2026', async () => {
      try {
        await submit(body);
        Object.assign(initial, now);
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  return form;
}

function handoffSummary(ctx, agent) {
  if (!agent) return [h('p.hint', { text: 'Choose an AI agent to see when it hands customers to your team.' })];
  const link = ctx.role === 'site_admin'
    ? h('a', { href: `#/ai-agents/${agent.id}`, text: `Edit ${agent.name}\u2019s handoff settings` }) : null;
  const settings = agent.handoff;
  if (!settings) return [h('p.hint', {}, `${agent.name} hands off with its built-in settings. `, link)];
  const unsure = settings.after_unsure ? `after ${settings.after_unsure} answer${settings.after_unsure > 1 ? 's' : ''} it is unsure of` : 'never for unsure answers';
  return [h('p.hint', {},
    `${agent.name} hands off ${settings.on_request ? 'when the customer asks for a person, and ' : ''}${unsure}`,
    settings.phrase ? `, saying \u201c${settings.phrase}\u201d. ` : '. ', link)];
}
