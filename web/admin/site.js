/* Switchboard admin console: site-admin pages (SPEC.md §10). Site settings: the maximum number of conversations an
   agent handles at once (1–20, default 3), and the identity secret the site signs customers in with (SPEC.md §11),
   rotated with an overlap (POST …/identity-secret). Admins: who else configures this tenant, as a site admin (everything) or an
   experience admin (only the experiences given); each gets their own token, which can be reissued. */
import { h, field, group, formError, clearErrors, showErrors, busy, toast, announce, pageHead, card, note, failure,
  checkbox, radio, option, tokenReveal, confirmDelete, copy } from './ui.js';
import { deleteThing } from './team.js';

export async function settings(ctx) {
  const current = await ctx.api.get('/chat-settings');
  const limit = h('input', { type: 'number', min: '1', max: '20', step: '1', required: true,
    value: String(current.maximum_conversations ?? 3), 'data-testid': 'maximum-conversations' });
  const save = h('button.primary', { type: 'submit', 'data-testid': 'save-site-settings' }, 'Save');
  const form = h('form.settings', { novalidate: true }, formError(),
    field('maximum_conversations', 'Maximum conversations per agent', limit,
      'How many live conversations one agent can have at once, from 1 to 20 (3 unless changed). Agents at the limit get no new offers; lowering it takes nothing away from anyone.'),
    h('div.form-actions', {}, save));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    await busy(save, 'Saving\u2026', async () => {
      try {
        const saved = await ctx.api.patch('/chat-settings', { maximum_conversations: Number(limit.value) });
        limit.value = String(saved.maximum_conversations);
        toast('Site settings saved.');
        announce('Site settings saved.');
      } catch (error) { showErrors(form, error); }
    });
  });
  const tenant = ctx.tenant;
  return h('div', {}, pageHead('Site settings', 'Settings for the whole site. Only site admins see them.'),
    card('Chat', form),
    identitySecret(ctx),
    card('This site', h('dl.facts', {},
      h('dt', { text: 'Name' }), h('dd', { text: tenant.name }),
      h('dt', { text: 'Tenant id' }), h('dd', {}, h('code', { text: tenant.id })),
      h('dt', { text: 'Edition' }), h('dd', { text: tenant.edition ? `${tenant.edition}${tenant.edition === 'standard' ? ' (AI chat only; live chat needs Premium or Enterprise)' : ''}` : '\u2014' }))));
}

/** The identity secret: never shown again after it was made, only replaced. The new one is shown once. */
function identitySecret(ctx) {
  const overlap = h('select', { 'data-testid': 'identity-secret-overlap' },
    option('24h', 'Keep the old secret working for 24 hours', { selected: true }),
    option('1h', 'Keep the old secret working for 1 hour'),
    option('168h', 'Keep the old secret working for 7 days'),
    option('0s', 'Stop the old secret at once (it leaked)'));
  const rotate = h('button.secondary', { type: 'submit', 'data-testid': 'rotate-identity-secret' }, 'Rotate secret');
  const until = h('p.muted.small', { 'data-testid': 'identity-secret-until', hidden: true });
  const showUntil = (at) => {
    until.hidden = !at;
    until.textContent = at ? `The previous secret is still accepted until ${new Date(at).toLocaleString()}.` : '';
  };
  showUntil(ctx.tenant.previous_identity_secret_valid_until);
  const reveal = h('div');
  const form = h('form.settings', { novalidate: true }, formError(),
    field('overlap', 'When the old secret stops working', overlap,
      'Your website signs customers in with this secret (an HS256 JWT per customer). Rotating makes a new one and shows it once; keep the old one working until your site signs with the new one, or stop it at once if it leaked.'),
    h('div.form-actions', {}, rotate));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const sure = await confirmDelete('Rotate the identity secret?',
      'Your website must sign customers in with the new secret from now on.', 'Rotate');
    if (!sure) return;
    await busy(rotate, 'Rotating\u2026', async () => {
      try {
        const made = await ctx.api.post('/identity-secret', { overlap: overlap.value });
        reveal.replaceChildren(h('div.reveal', { role: 'status', 'data-testid': 'identity-secret-reveal' },
          h('p', {}, h('strong', { text: 'New identity secret. ' }), 'Copy it now into your website\u2019s settings: it is shown only once.'),
          h('div.reveal-row', {}, h('code.token', { 'data-testid': 'identity-secret-value', text: made.identity_secret }),
            h('button.secondary', { type: 'button', on: { click: () => copy(made.identity_secret, 'Secret') } }, 'Copy'))));
        showUntil(made.previous_valid_until);
        toast('Identity secret rotated.');
        announce('Identity secret rotated. The new secret is shown once.');
      } catch (error) { showErrors(form, error); }
    });
  });
  return card('Customer sign-in', reveal, form, until);
}

export async function admins(ctx) {
  const head = pageHead('Admins', 'Site admins configure everything. Experience admins configure only the customer experiences they are given.');
  const [list, known] = await Promise.allSettled([ctx.api.list('/admins'), ctx.api.list('/experiences')]);
  if (list.status === 'rejected') return h('div', {}, head, failure(list.reason, 'Admin accounts'));
  const people = list.value;
  const experiences = known.status === 'fulfilled' ? known.value : [];
  const revealSlot = h('div', { 'data-slot': 'reveal' });

  const name = h('input', { required: true, maxlength: '100', 'data-testid': 'admin-name' });
  const email = h('input', { type: 'email', required: true, 'data-testid': 'admin-email' });
  const roles = h('div', {},
    radio({ name: 'role', value: 'site_admin', 'data-testid': 'role-site-admin' }, 'Site admin \u2014 everything, including other admins and site settings'),
    radio({ name: 'role', value: 'experience_admin', checked: true, 'data-testid': 'role-experience-admin' }, 'Experience admin \u2014 only the experiences chosen below'));
  const boxes = experiences.map((x) => checkbox({ value: x.id, 'data-testid': 'admin-experience' }, x.name));
  const expRow = group('experiences', 'Experiences', boxes.length ? h('div.checks', {}, boxes) : note('No experiences yet.'));
  const add = h('button.primary', { type: 'submit', 'data-testid': 'add-admin' }, 'Add admin');
  const form = h('form.row-form', { novalidate: true }, formError(), field('name', 'Name', name), field('email', 'Email', email),
    group('role', 'Role', roles), expRow, h('div.form-actions', {}, add));
  const role = () => form.querySelector('input[name=role]:checked').value;
  form.addEventListener('change', () => { expRow.hidden = role() !== 'experience_admin'; });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = { name: name.value.trim(), email: email.value.trim(), role: role() };
    if (body.role === 'experience_admin') body.experiences = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
    await busy(add, 'Adding\u2026', async () => {
      try {
        const made = await ctx.api.post('/admins', body);
        toast(`${made.name} is now an admin.`);
        await ctx.rerender();
        document.querySelector('[data-slot=reveal]')?.replaceChildren(tokenReveal(made.name, made.token));
      } catch (error) { showErrors(form, error); }
    });
  });
  const nameOf = (id) => experiences.find((x) => x.id === id)?.name || id;
  const rows = people.map((p) => {
    const reissue = h('button.secondary', { type: 'button', 'data-testid': 'reissue-admin-token' }, 'Issue new token');
    reissue.addEventListener('click', async () => {
      const sure = await confirmDelete(`Issue a new token for ${p.name}?`, 'Their current token stops working at once.', 'Issue new token');
      if (!sure) return;
      try {
        const { token } = await ctx.api.post(`/admins/${p.id}/token`);
        revealSlot.replaceChildren(tokenReveal(p.name, token));
      } catch (error) { toast(`No new token: ${error.message}`, 'error'); }
    });
    const remove = h('button.link.danger-text', { type: 'button', 'data-testid': 'delete-admin' }, 'Delete');
    remove.addEventListener('click', () => deleteThing(ctx, `/admins/${p.id}`, `the admin ${p.name}`,
      'Their token stops working at once. Nothing they configured changes.'));
    const scope = p.role === 'site_admin' ? 'Site admin' : `Experience admin: ${(p.experiences || []).map(nameOf).join(', ') || 'no experiences'}`;
    return h('li.item', { 'data-testid': 'admin', 'data-id': p.id },
      h('div.item-head', {}, h('div', {}, h('strong', { text: p.name }), ' ', h('span.muted', { text: p.email || '' }),
        h('p.muted.small', { text: scope })), reissue, remove));
  });
  return h('div', {}, head, revealSlot, card('Add an admin', form),
    card('Admins', rows.length ? h('ul.items', {}, rows) : note('Only the first site admin so far.')));
}
