/* Switchboard chat widget: what the customer does — type, send, ask for a person, end, sign in — and the panel
   opening and closing, with the unread count it resets. */
'use strict';

function onInput() {
  const n = ui.input.value.length;
  ui.sendBtn.disabled = !ui.input.value.trim();
  ui.counter.hidden = n < COUNTER_AT;
  ui.counter.textContent = `${n} / ${MAX_LEN}`;
  ui.counter.classList.toggle('over', n >= MAX_LEN);
  ui.input.style.height = 'auto';
  ui.input.style.height = `${Math.min(ui.input.scrollHeight + 2, 140)}px`;
  if (ui.input.value.trim()) typing(true);
}
// Typing is only sent inside an open conversation: before the first message there is nothing to type into.
function typing(on) {
  clearTimeout(st.typingIdle);
  const open = st.convState && st.convState !== 'ended';
  if (on && open) {
    if (!st.typingOn || Date.now() - st.typingSentAt >= TYPING_EVERY) {
      if (frame({ type: 'typing', on: true })) { st.typingOn = true; st.typingSentAt = Date.now(); }
    }
    st.typingIdle = setTimeout(() => typing(false), TYPING_IDLE);
  } else if (!on && st.typingOn) {
    st.typingOn = false;
    frame({ type: 'typing', on: false });
  }
}
function send() {
  const text = ui.input.value.trim();
  if (!text) return;
  if (text.length > MAX_LEN) return showError(t('error_too_long', { max: MAX_LEN }), 'invalid');
  const id = uuid();
  const el = renderMsg({ author: { role: 'customer', name: st.visitor.name || t('you') }, text, at: new Date().toISOString() }, true);
  el.dataset.clientId = id;
  st.pending.set(id, { text, el });
  current().el.append(el);
  scrollDown();
  ui.input.value = '';
  onInput();
  typing(false);
  if (st.welcomed) frame({ type: 'message', client_id: id, text }); // otherwise sent after the next welcome
  ui.input.focus();
}
// Puts text in the composer for the customer to edit and send; never sends it.
function prefill(text) {
  ui.input.value = String(text).slice(0, MAX_LEN);
  onInput();
}
function requestHuman() {
  if (!frame({ type: 'request_human' })) return showError(t('error_offline'), 'offline');
  const btn = ui.humanBtn;
  btn.disabled = true;
  setTimeout(() => { btn.disabled = false; }, 3000);
}
function endChat() {
  if (!frame({ type: 'end' })) showError(t('error_offline'), 'offline');
}
function signIn(token) {
  if (!token) return;
  ui.signin.hidden = true;
  if (st.welcomed && frame({ type: 'sign_in', token: String(token) })) flushPending(); // messages refused before sign-in go again
}
function goToSignInPage() { // the site signs the customer in and sends them back here with the token
  const back = location.href.split('#')[0];
  location.assign(`${st.signInUrl}${st.signInUrl.includes('?') ? '&' : '?'}return_to=${encodeURIComponent(back)}`);
}
async function signInClicked() {
  if (typeof S.authenticate !== 'function') return st.signInUrl ? goToSignInPage() : undefined;
  const btn = ui.signinBtn;
  btn.disabled = true;
  try {
    const token = await S.authenticate();
    if (token) signIn(token); else showError(t('error_sign_in_incomplete'), 'sign_in_failed');
  } catch { showError(t('error_sign_in_failed'), 'sign_in_failed'); }
  btn.disabled = false;
}
function setOpen(v, focus = true) {
  if (st.inline || !!v === st.open) return;
  const focusInside = !!ui.root.activeElement;
  st.open = !!v;
  ui.panel.hidden = !st.open;
  ui.wrap.classList.toggle('open', st.open);
  ui.launcher.setAttribute('aria-expanded', String(st.open));
  ui.launcher.setAttribute('aria-label', t(st.open ? 'close_chat' : 'open_chat'));
  openState.set(st.open ? '1' : null);
  if (st.open) { setUnread(0); scrollDown(); if (focus) ui.input.focus(); } else if (focusInside && !ui.launcher.hidden) ui.launcher.focus();
  emit(st.open ? 'open' : 'close');
}
// Messages from the AI, an agent or the system that arrived while the panel was closed; 0 again on open.
function setUnread(count) {
  if (count === st.unread) return;
  st.unread = count;
  ui.badge.textContent = String(count);
  ui.badge.hidden = !count;
  emit('unread', { count });
}
