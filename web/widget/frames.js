/* Switchboard chat widget: what the server says (CONTRACT.md §3, docs/protocol.md §1) and the conversation's state —
   the header's status line, which controls show, and the `message`, `conversation:state`, `ended` and `error` events. */
'use strict';

function setStatus() {
  if (!ui) return;
  if (!st.welcomed) {
    ui.status.textContent = t(st.stopped ? 'status_unavailable' : st.ready ? 'status_reconnecting' : 'status_connecting');
    return;
  }
  const live = st.agentName ? t('status_live_named', { name: st.agentName }) : t('status_live');
  const byState = { ai: t('status_ai'), queued: t('status_queued'), ended: t('status_ended'), live };
  ui.status.textContent = byState[st.convState] || t('status_idle');
}
function updateControls() {
  const had = ui.root.activeElement;
  ui.endBtn.hidden = !st.convState || st.convState === 'ended';
  // Only a conversation with the AI can be handed over: before the first message (or after an end) the server
  // answers "send a message first", and a queued or live one is with the team already.
  ui.humanBtn.hidden = st.mode !== 'ai_and_team' || st.convState !== 'ai';
  ui.actions.hidden = ui.humanBtn.hidden;
  if (had && had.hidden) ui.input.focus(); // never strand keyboard focus on a control that just disappeared
  setStatus();
}
function setConvState(state) {
  if (state === st.convState) return;
  st.convState = state;
  if (state !== 'queued') st.queuedEl = null;
  // Waiting starts with the state change; a `queued {position}` frame (which may come later, or first) fills
  // in the position. Without this the customer sees nothing happen between the handoff and the position.
  else if (!st.queuedEl || !st.queuedEl.isConnected) st.queuedEl = notice('queued', t('waiting'));
  if (state === 'ended') st.agentName = null;
  updateControls();
  const section = st.sections[st.sections.length - 1];
  emit('conversation:state', { state, conversation: (section && section.id) || null });
  emit('state', state); // its older name, kept for pages that use it
}
function endSection(reason) {
  const s = st.sections[st.sections.length - 1] || current();
  if (reason !== undefined && !s.endNoticed) {
    s.endNoticed = true;
    const why = reason && Object.hasOwn(LOCALES[FALLBACK_LOCALE], `end_reason_${reason}`) ? t(`end_reason_${reason}`) : '';
    notice('ended', t('ended', { reason: why }).replace(/ {2,}/g, ' '), s);
  }
  s.ended = true;
  st.inactiveEl = null;
  resume.set(null);
  clearTypers();
}
// An error frame's text: the catalogue's for the codes it knows, else the server's own sentence.
const errorText = (code, message) =>
  (Object.hasOwn(LOCALES[FALLBACK_LOCALE], `error_${code}`) ? t(`error_${code}`) : String(message || t('error_generic')));

function handle(f) {
  switch (f.type) {
    case 'welcome':
      st.welcomed = true; st.attempt = 0; st.signedIn = !!f.signed_in; st.mode = f.support_mode || st.mode;
      st.signInUrl = f.sign_in_url || st.signInUrl;
      if (st.signedIn) { ui.signin.hidden = true; st.signInReturn = false; }
      if (!st.signedIn && st.identifyToken && st.identifyToken !== st.helloToken) frame({ type: 'sign_in', token: st.identifyToken });
      updateControls();
      flushPending();
      if (!st.ready) { st.ready = true; emit('ready', readyPayload()); }
      return;
    case 'conversation':
      st.resumeSent = false;
      sectionFor(f.id);
      if (f.state === 'ended') endSection(); else if (f.resume_token) resume.set(f.resume_token);
      return setConvState(f.state);
    case 'message': {
      if (!upsert(f.message)) return;
      const a = f.message.author || {};
      setTyping(a.role, a.name, false);
      if (st.inactiveEl) { st.inactiveEl.remove(); st.inactiveEl = null; } // any message resets inactivity
      if (ui.stick || a.role === 'customer') scrollDown();
      if (!st.inline && !st.open && a.role !== 'customer') setUnread(st.unread + 1);
      return emit('message', f.message);
    }
    case 'transcript':
      (f.messages || []).slice().sort((a, b) => a.seq - b.seq).forEach(upsert);
      return scrollDown();
    case 'typing': return setTyping(f.role, f.name, !!f.on);
    case 'queued': {
      const text = f.position ? t('queue_position', { position: f.position }) : t('waiting');
      if (st.queuedEl && st.queuedEl.isConnected) st.queuedEl.textContent = text; else st.queuedEl = notice('queued', text);
      return setConvState('queued');
    }
    case 'agent_joined':
      st.agentName = (f.agent && f.agent.name) || t('an_agent');
      if (!noticeShown('agent_joined')) notice('agent_joined', t('agent_joined', { name: st.agentName }));
      setConvState('live');
      return setStatus();
    case 'sign_in_required':
      if (!noticeShown('sign_in_required')) notice('sign_in_required', t('sign_in_required'));
      ui.signinText.textContent = t(S.authenticate || st.signInUrl ? 'sign_in_continue' : 'sign_in_elsewhere');
      ui.signinBtn.hidden = typeof S.authenticate !== 'function' && !st.signInUrl;
      ui.signin.hidden = false;
      return;
    case 'fallback': return void (noticeShown('fallback') || notice('fallback', linkify(String(f.text || ''))));
    case 'inactive': {
      if (st.inactiveEl) st.inactiveEl.remove();
      const time = hhmm(f.ends_at);
      st.inactiveEl = notice('inactive', time ? t('inactive', { time }) : t('inactive_soon'));
      return;
    }
    case 'ended':
      endSection(f.reason || null);
      setConvState('ended');
      return emit('ended', f.reason);
    case 'error': {
      const code = String(f.code || '');
      if (/resume/.test(code) || (st.resumeSent && /not_found|expired|invalid|ended|gone/.test(code))) { resume.set(null); st.resumeSent = false; }
      const p = f.client_id != null && st.pending.get(f.client_id);
      if (p) { // the server refused this message for good: stop re-sending it
        st.pending.delete(f.client_id);
        p.el.classList.add('failed');
        delete p.el.dataset.pending;
        const time = p.el.querySelector('time'); if (time) time.textContent = t('not_sent');
      }
      showError(errorText(code, f.message), code);
      return emit('error', { code, message: f.message });
    }
    default: // unknown frames are ignored: the server may add frames freely
  }
}
