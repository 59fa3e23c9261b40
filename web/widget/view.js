/* Switchboard chat widget: its DOM for one boot — the launcher, the panel and everything in it — inside an open Shadow
   DOM, so host-page CSS can neither break it nor be broken. Texts come from the catalogue (t), in the boot's language. */
'use strict';

function greetingText() {
  if (S.greeting) return String(S.greeting);
  return st.visitor.name ? t('greeting_named', { name: st.visitor.name }) : t('greeting');
}

function buildView(inline) {
  const host = document.createElement('switchboard-widget');
  if (inline) host.style.cssText = 'display:block;width:100%;height:100%';
  const root = host.attachShadow({ mode: 'open' }); // open: browser tests pierce it
  const v = { host, root };
  v.status = h('div', { class: 'status', 'aria-live': 'polite' });
  v.endBtn = h('button', { type: 'button', class: 'link', 'data-testid': 'end-chat', hidden: true, onclick: endChat }, t('end_chat'));
  v.closeBtn = inline ? null : h('button', { type: 'button', class: 'icon', 'data-testid': 'close-chat', 'aria-label': t('close_chat'),
    onclick: () => setOpen(false) }, '\u00d7');
  v.empty = h('p', { class: 'empty', 'data-testid': 'greeting' }, greetingText());
  v.log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': t('conversation'), tabindex: '0' }, v.empty);
  v.typing = h('div', { class: 'typing', 'data-testid': 'typing', hidden: true });
  v.errors = h('div', { class: 'errors' });
  v.signinText = h('span');
  v.signinBtn = h('button', { type: 'button', class: 'chip primary', 'data-testid': 'sign-in', onclick: signInClicked }, t('sign_in'));
  v.signin = h('div', { class: 'signin', hidden: true, role: 'group', 'aria-label': t('sign_in') }, v.signinText, v.signinBtn);
  v.humanBtn = h('button', { type: 'button', class: 'chip', 'data-testid': 'talk-to-person', hidden: true, onclick: requestHuman },
    t('talk_to_person'));
  v.actions = h('div', { class: 'actions', hidden: true }, v.humanBtn);
  v.input = h('textarea', { 'data-testid': 'composer', rows: '1', maxlength: MAX_LEN, placeholder: t('composer_placeholder'),
    'aria-label': t('composer_label') });
  v.sendBtn = h('button', { type: 'submit', class: 'send', 'data-testid': 'send', disabled: true }, t('send'));
  v.counter = h('div', { class: 'counter', hidden: true, 'aria-live': 'polite' });
  const form = h('form', { class: 'composer', onsubmit: (e) => { e.preventDefault(); send(); } }, v.input, v.sendBtn);
  v.panel = h('section', { class: 'panel', id: 'sb-panel', role: inline ? 'region' : 'dialog', 'aria-labelledby': 'sb-title', hidden: !inline },
    h('header', { class: 'head' }, h('div', { class: 'titles' }, h('h2', { class: 'title', id: 'sb-title' }, String(S.title || t('title'))),
      v.status), v.endBtn, v.closeBtn),
    v.log, v.typing, v.errors, v.signin, v.actions, v.counter, form);
  v.badge = h('span', { class: 'badge', 'data-testid': 'unread', hidden: true, 'aria-hidden': 'true' });
  v.launcher = inline ? null : h('button', { type: 'button', class: 'launcher', 'data-testid': 'launcher', 'aria-label': t('open_chat'),
    'aria-expanded': 'false', 'aria-controls': 'sb-panel', onclick: () => setOpen(!st.open) },
  h('span', { class: 'x', 'aria-hidden': 'true' }, '\u00d7'), v.badge);
  if (v.launcher) v.launcher.insertAdjacentHTML('afterbegin', ICON); // a constant, never data
  v.wrap = h('div', { class: inline ? 'sb inline' : 'sb', lang: localeName }, v.panel, v.launcher);
  if (S.accentColor && window.CSS && CSS.supports('color', S.accentColor)) v.wrap.style.setProperty('--accent', S.accentColor);
  // A constructed stylesheet is not inline style, so a host page's Content-Security-Policy need not allow any; browsers
  // without them get a <style> (the gateway's own support page allows it by its hash).
  const sheet = (() => { try { const s = new CSSStyleSheet(); s.replaceSync(WIDGET_CSS); return s; } catch { return null; } })();
  if (sheet && 'adoptedStyleSheets' in root) root.adoptedStyleSheets = [sheet]; else root.append(h('style', null, WIDGET_CSS));
  root.append(v.wrap);

  v.input.addEventListener('input', onInput);
  v.input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); send(); }
  });
  v.panel.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !inline) setOpen(false); });
  // Stay pinned to the newest line while the reader is there, also when notices or the keyboard shrink the log.
  v.stick = true;
  // Closures over this boot's view only: after a shutdown they touch nothing of the next boot.
  const bottom = () => { v.log.scrollTop = v.log.scrollHeight; };
  v.log.addEventListener('scroll', () => { v.stick = v.log.scrollHeight - v.log.scrollTop - v.log.clientHeight < 120; });
  if (window.ResizeObserver) new ResizeObserver(() => { if (v.stick) bottom(); }).observe(v.log);
  return v;
}

const scrollDown = () => { if (ui) ui.log.scrollTop = ui.log.scrollHeight; };

// The launcher shown or hidden (a site that opens the chat from its own button hides it).
function applyLauncher() {
  if (!ui.launcher) return;
  ui.launcher.hidden = !!st.launcherHidden;
  ui.wrap.classList.toggle('no-launcher', !!st.launcherHidden);
}
