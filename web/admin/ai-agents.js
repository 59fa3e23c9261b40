/* Switchboard admin console: AI agents (SPEC.md §8, §11). The list; and one agent's page: its knowledge base
   (question and answer pairs, added, edited and removed in place), the next-steps text, whether it is published, and
   its handoff settings (hand off on request, after N unsure answers, the phrase it says). Saving sends what changed. */
import { h, field, group, formError, clearErrors, showErrors, busy, toast, announce, pageHead, card, note,
  option } from './ui.js';
import { deleteThing } from './team.js';

const HANDOFF_DEFAULTS = { on_request: true, after_unsure: 2, phrase: '' };

export async function list(ctx) {
  const all = await ctx.api.list('/ai-agents');
  const head = pageHead('AI agents', 'AI agents answer customers from their knowledge base and, in the AI agent and support team mode, hand customers to a person.',
    h('a.button.primary', { href: '#/ai-agents/new', 'data-testid': 'new-ai-agent' }, 'New AI agent'));
  if (!all.length) return h('div', {}, head, note('No AI agents yet.'));
  return h('div', {}, head, h('div.table-wrap', {}, h('table', {},
    h('thead', {}, h('tr', {}, ['Name', 'Status', 'Knowledge entries', 'Answers with'].map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, all.map((a) => h('tr', { 'data-testid': 'ai-agent-row', 'data-id': a.id },
      h('td', {}, h('a', { href: `#/ai-agents/${a.id}`, text: a.name })),
      h('td', {}, h(`span.pill.${a.published ? 'ok' : 'off'}`, { text: a.published ? 'Published' : 'Draft' })),
      h('td.num', { text: String(a.knowledge.length) }),
      h('td', { text: a.kind === 'external' ? 'An external AI platform' : 'The built-in agent' })))))));
}

export async function create(ctx) {
  return h('div', {}, h('p.crumbs', {}, h('a', { href: '#/ai-agents', text: 'AI agents' }), ' / '),
    pageHead('New AI agent', 'Give it a name and what it knows. Publish it when it is ready to answer customers.'),
    editor(ctx, null));
}

export async function show(ctx, { id }) {
  const agent = await ctx.api.get(`/ai-agents/${encodeURIComponent(id)}`);
  const remove = h('button.danger', { type: 'button', 'data-testid': 'delete-ai-agent' }, 'Delete AI agent');
  remove.addEventListener('click', async () => {
    await deleteThing({ ...ctx, rerender: () => ctx.go('#/ai-agents') }, `/ai-agents/${agent.id}`, `the AI agent \u201c${agent.name}\u201d`,
      'It can\u2019t be deleted while an experience uses it. Conversations it is still answering end with the fallback message and stay readable; work items stay.');
  });
  return h('div', {}, h('p.crumbs', {}, h('a', { href: '#/ai-agents', text: 'AI agents' }), ' / '),
    pageHead(agent.name, `${agent.published ? 'Published' : 'Draft'} \u00b7 id ${agent.id}`),
    editor(ctx, agent),
    card('Delete', h('p', { text: 'Deleting an AI agent removes it and its knowledge base.' }), remove));
}

function editor(ctx, saved) {
  const handoff = { ...HANDOFF_DEFAULTS, ...(saved?.handoff || {}) };
  const name = h('input', { value: saved?.name ?? '', required: true, maxlength: '100', 'data-testid': 'ai-name' });
  const published = h('input', { type: 'checkbox', checked: saved?.published ?? false, 'data-testid': 'ai-published' });
  const nextSteps = h('textarea', { rows: '2', value: saved?.next_steps ?? '', placeholder: ctx.defaults?.next_steps ?? '', 'data-testid': 'ai-next-steps' });
  const entries = h('ol.knowledge', { 'data-testid': 'knowledge' });
  const addEntry = (entry = { question: '', answer: '' }) => {
    const question = h('input', { value: entry.question, maxlength: '500', 'aria-label': 'Question', placeholder: 'Question', 'data-testid': 'knowledge-question' });
    const answer = h('textarea', { rows: '2', value: entry.answer, maxlength: '4000', 'aria-label': 'Answer', placeholder: 'Answer', 'data-testid': 'knowledge-answer' });
    const item = h('li.entry', { 'data-testid': 'knowledge-entry' }, h('div.entry-fields', {}, question, answer),
      h('button.link.danger-text', { type: 'button', 'data-testid': 'knowledge-remove', 'aria-label': 'Remove this entry',
        on: { click: () => { item.remove(); renumber(); } } }, 'Remove'));
    entries.append(item);
    renumber();
    return question;
  };
  const renumber = () => entries.querySelectorAll('li').forEach((li, i) => {
    li.querySelector('input').setAttribute('aria-label', `Question ${i + 1}`);
    li.querySelector('textarea').setAttribute('aria-label', `Answer ${i + 1}`);
  });
  (saved?.knowledge || []).forEach(addEntry);
  const add = h('button.secondary', { type: 'button', 'data-testid': 'knowledge-add', on: { click: () => addEntry().focus() } }, 'Add entry');

  const onRequest = h('input', { type: 'checkbox', checked: handoff.on_request, 'data-testid': 'handoff-on-request' });
  const afterUnsure = h('select', { 'data-testid': 'handoff-after-unsure' }, option('0', 'Off'),
    [1, 2, 3, 4, 5].map((n) => option(String(n), `After ${n} unsure answer${n > 1 ? 's' : ''}`)));
  afterUnsure.value = String(handoff.after_unsure);
  const phrase = h('input', { value: handoff.phrase, maxlength: '500', placeholder: ctx.defaults?.handoff_phrase || 'Left empty, the built-in phrase is used.', 'data-testid': 'handoff-phrase' });

  const save = h('button.primary', { type: 'submit', 'data-testid': 'save-ai-agent' }, saved ? 'Save' : 'Create AI agent');
  const form = h('form.settings', { novalidate: true, 'data-testid': 'ai-agent-form' }, formError(),
    card('Profile', field('name', 'Name', name),
      h('div.field', { 'data-field': 'published' }, h('label.check', {}, published,
        h('span', { text: 'Published: customers can talk to this agent' })), h('p.field-error', { role: 'alert', hidden: true })),
      field('next_steps', 'Next steps', nextSteps,
        'Said when a customer asks for a person where no team takes chats (the AI agent mode). Left empty, customers get the text shown greyed out.')),
    card('Knowledge base', h('p.lead', { text: 'The agent answers from these entries. Write questions the way customers ask them.' }),
      group('knowledge', 'Entries', h('div', {}, entries, add))),
    card('Handoff to your team',
      h('p.lead', { text: 'Used in the AI agent and support team mode. Your experience\u2019s chat settings decide where the customer goes.' }),
      group('handoff', 'When to hand off', h('div', {},
        h('label.check', {}, onRequest, h('span', { text: 'When the customer asks for a person' })),
        field('after_unsure', 'After answers it is unsure of', afterUnsure),
        field('phrase', 'What it says when handing off', phrase)))),
    h('div.form-actions', {}, save));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const knowledge = [...entries.querySelectorAll('li')].map((li) => ({
      question: li.querySelector('input').value.trim(), answer: li.querySelector('textarea').value.trim(),
    }));
    const now = { name: name.value.trim(), published: published.checked, knowledge, next_steps: nextSteps.value.trim() };
    const wantHandoff = { on_request: onRequest.checked, after_unsure: Number(afterUnsure.value), phrase: phrase.value.trim() };
    const handoffChanged = JSON.stringify(wantHandoff) !== JSON.stringify(handoff);
    await busy(save, 'Saving\u2026', async () => {
      try {
        if (!saved) {
          const body = { ...now };
          if (!body.next_steps) delete body.next_steps;
          const made = await ctx.api.post('/ai-agents', body);
          // Handoff settings are set on an existing agent (PATCH), so a new one gets them in a second step.
          if (handoffChanged) await ctx.api.patch(`/ai-agents/${made.id}`, { handoff: wantHandoff });
          toast(`AI agent \u201c${made.name}\u201d created.`);
          return ctx.go(`#/ai-agents/${made.id}`);
        }
        const body = {};
        for (const [key, value] of Object.entries(now)) {
          const before = key === 'next_steps' ? saved.next_steps ?? '' : saved[key];
          if (JSON.stringify(value) !== JSON.stringify(before)) body[key] = value;
        }
        if (handoffChanged) body.handoff = wantHandoff;
        if (!Object.keys(body).length) return toast('Nothing changed.');
        Object.assign(saved, await ctx.api.patch(`/ai-agents/${saved.id}`, body));
        Object.assign(handoff, wantHandoff);
        toast('AI agent saved.');
        announce('AI agent saved.');
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  return form;
}
