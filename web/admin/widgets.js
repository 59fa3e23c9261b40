/* Switchboard admin console: an experience's chat widgets (CONTRACT.md §2 widgets, §5 embedding). A support-site
   widget is a page the gateway hosts; an embed widget is a snippet for another website or app, usable only from the
   origins on its list, and by the native apps on its list of apps (app ids like com.example.support), which connect
   without an Origin. Each widget shows its snippet with a Copy button (clipboard API) and can be deleted. */
import { h, field, group, formError, clearErrors, showErrors, busy, toast, card, note, radio, copy,
  confirmDelete, LIVE_CONVERSATIONS } from './ui.js';

const KINDS = {
  support_site: { label: 'Support website', hint: 'A support page hosted for this experience, ready to link to.' },
  embed: { label: 'Embedded widget', hint: 'A snippet to paste into your own website or app.' },
};

/** The Widgets card of an experience page; it reloads the experience after each change. */
export async function widgetsCard(ctx, experience) {
  const list = h('ul.widgets', { 'data-testid': 'widgets' });
  const body = h('div', {}, list, addForm(ctx, experience, reload));
  const section = card('Widgets', h('p.lead', { text: 'Widgets are where customers start conversations: the support website that comes with this experience, or any other website or app.' }), body);
  function draw(widgets) {
    list.replaceChildren(...(widgets.length ? widgets.map((w) => widgetItem(ctx, experience, w, reload))
      : [h('li', {}, note('No widgets yet: customers cannot start chats here until you add one.'))]));
  }
  async function reload() {
    try {
      const fresh = await ctx.api.get(`/experiences/${experience.id}`);
      draw(fresh.widgets || []);
    } catch (error) { toast(`Widgets could not be reloaded: ${error.message}`, 'error'); }
  }
  draw(experience.widgets || []);
  return section;
}

function widgetItem(ctx, experience, widget, reload) {
  const kind = KINDS[widget.kind] || { label: widget.kind };
  const snippet = h('pre.snippet', {}, h('code', { 'data-testid': 'snippet', text: widget.snippet || '' }));
  const remove = h('button.link.danger-text', { type: 'button', 'data-testid': 'delete-widget' }, 'Delete');
  remove.addEventListener('click', async () => {
    const sure = await confirmDelete(`Delete this ${kind.label.toLowerCase()}?`,
      `Pages using it can no longer start chats. ${LIVE_CONVERSATIONS}`);
    if (!sure) return;
    try {
      await ctx.api.del(`/experiences/${experience.id}/widgets/${widget.id}`);
      toast('Widget deleted.');
      await reload();
    } catch (error) { toast(`Not deleted: ${error.message}`, 'error'); }
  });
  return h('li.widget', { 'data-testid': 'widget', 'data-kind': widget.kind, 'data-id': widget.id },
    h('div.widget-head', {},
      h('div', {}, h('strong', { text: kind.label }), h('span.muted.small', { text: ` \u00b7 ${widget.id}` })),
      h('div.actions', {},
        widget.url ? h('a.button.secondary', { href: widget.url, target: '_blank', rel: 'noopener', 'data-testid': 'open-support-site' }, 'Open support site') : null,
        h('button.secondary', { type: 'button', 'data-testid': 'copy-snippet', on: { click: () => (widget.url ? copy(widget.url, 'Link') : copy(widget.snippet, 'Snippet')) } },
          widget.url ? 'Copy link' : 'Copy snippet'),
        remove)),
    widget.kind === 'embed'
      ? [h('p.small', { 'data-testid': 'widget-origins-shown' }, h('span.muted', { text: 'Allowed origins: ' }), (widget.allowed_origins || []).join(', ') || '\u2014'),
        h('p.small', { 'data-testid': 'widget-apps-shown' }, h('span.muted', { text: 'Allowed apps: ' }), (widget.allowed_apps || []).join(', ') || '\u2014')]
      : h('p.small.muted', { text: 'Link to this page from your site, or share it with customers.' }),
    snippet);
}

function addForm(ctx, experience, reload) {
  const kinds = h('div.inline', {}, Object.entries(KINDS).map(([value, k]) =>
    radio({ name: 'widget_kind', value, checked: value === 'embed', 'data-testid': `widget-kind-${value}` }, k.label)));
  const origins = h('textarea', { rows: '3', placeholder: 'https://shop.example.com\nhttps://app.example.com', 'data-testid': 'widget-origins' });
  const originsRow = field('allowed_origins', 'Allowed origins', origins,
    'One per line: the websites (scheme, host and port) allowed to show this widget. Apps showing it in a webview use their own origin, e.g. capacitor://localhost.');
  const apps = h('textarea', { rows: '2', spellcheck: 'false', placeholder: 'com.example.support', 'data-testid': 'widget-apps' });
  const appsRow = field('allowed_apps', 'Allowed apps', apps,
    'Optional, one per line: the ids of your native apps with a chat screen of their own (like com.example.support). They connect without an origin by naming themselves; an app id is not a secret.');
  const add = h('button.primary', { type: 'submit', 'data-testid': 'add-widget' }, 'Add widget');
  const form = h('form.add-widget', { novalidate: true }, h('h3', { text: 'Add a widget' }), formError(),
    group('kind', 'Kind', kinds), originsRow, appsRow, h('div.form-actions', {}, add));
  const kind = () => form.querySelector('input[name=widget_kind]:checked').value;
  form.addEventListener('change', () => { originsRow.hidden = appsRow.hidden = kind() !== 'embed'; });
  const lines = (control) => control.value.split(/[\s,]+/).map((o) => o.trim()).filter(Boolean);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = { kind: kind() };
    if (body.kind === 'embed') {
      body.allowed_origins = lines(origins);
      if (lines(apps).length) body.allowed_apps = lines(apps);
    }
    await busy(add, 'Adding\u2026', async () => {
      try {
        await ctx.api.post(`/experiences/${experience.id}/widgets`, body);
        toast(`${KINDS[body.kind].label} added.`);
        origins.value = '';
        apps.value = '';
        await reload();
      } catch (error) { showErrors(form, error); }
    });
  });
  return form;
}
