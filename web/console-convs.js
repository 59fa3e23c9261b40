/* Switchboard agent console: the live conversation panes (transcript, typing, composer, end/close), their sidebar
   entries and narrow-screen tabs. console.js owns the socket and hands frames over; this module owns the panes.
   Messages are placed once each (by id and by seq) in seq order; an optimistic bubble (data-pending) is replaced
   by the server's echo carrying the same client_id. */
import { h, hhmm, uuid, notice, renderMessage, markFailed, buildPane, buildNavItems, customerName, endPhrase, MAX_LEN } from './console-ui.js';

const TYPING_EVERY = 3000, TYPING_IDLE = 3000, TYPING_CLEAR = 5000, END_WAIT = 10000;

/** app: { send(frame) → bool, welcomed() → bool, toast(text, code), say(text), changed(), ui } */
export function createConversations(app) {
  const { ui } = app;
  const convs = new Map(); // conversation id -> pane state (see open)
  let active = null, focusNext = null;
  const get = (id) => (id == null ? null : convs.get(String(id)));

  function open(rawId, customer) {
    const id = String(rawId);
    let p = convs.get(id);
    if (!p) {
      const v = buildPane(id, { send: () => sendMsg(p), end: () => confirmEnd(p), close: () => close(p),
        input: () => typing(p, !!p.v.input.value.trim()), focus: () => select(id, false) });
      p = { id, v, nav: buildNavItems(id, v.domId, () => select(id, true)), customer: {}, who: 'Customer',
        msgs: new Set(), seqs: new Set(), maxSeq: -Infinity, pending: new Map(), typers: new Map(), ended: false,
        ending: false, unread: 0, typingOn: false, typingSentAt: 0, typingIdle: 0, inactiveEl: null, stick: true };
      v.log.addEventListener('scroll', () => { p.stick = v.log.scrollHeight - v.log.scrollTop - v.log.clientHeight < 80; });
      convs.set(id, p);
      ui.panes.append(v.el);
      ui.convs.append(p.nav.li);
      ui.tabs.append(p.nav.tab.btn);
    }
    for (const [k, val] of Object.entries(customer || {})) if (val) p.customer[k] = val;
    setWho(p);
    layout();
    return p;
  }
  function setWho(p) {
    p.who = customerName(p.customer);
    p.v.name.textContent = p.who;
    p.v.email.textContent = p.customer.email && p.customer.email !== p.who ? p.customer.email : '';
    p.v.el.querySelector('label').textContent = `Reply to ${p.who}`;
    paintNav(p);
  }
  function paintNav(p) {
    for (const n of [p.nav.item, p.nav.tab]) {
      n.nameEl.textContent = p.who;
      n.stateEl.textContent = p.ended ? 'Ended' : 'Live';
      n.badge.textContent = String(p.unread);
      n.badge.hidden = !p.unread;
      n.unreadText.textContent = p.unread ? `, ${p.unread} unread` : '';
      n.btn.classList.toggle('ended', p.ended);
    }
  }
  function layout() {
    ui.panes.dataset.count = String(Math.min(convs.size, 3));
    ui.empty.hidden = convs.size > 0;
    ui.tabs.hidden = convs.size === 0;
    ui.noConvs.hidden = convs.size > 0;
    if (!get(active) && convs.size) select(convs.keys().next().value, false);
    app.changed();
  }
  /** Makes a pane the current one (the visible tab on narrow screens) and clears its unread count. */
  function select(id, focus) {
    const p = get(id);
    if (!p) return;
    if (active !== p.id) {
      active = p.id;
      for (const q of convs.values()) {
        q.v.el.classList.toggle('active', q === p);
        q.nav.item.btn.setAttribute('aria-current', String(q === p));
        q.nav.tab.btn.setAttribute('aria-current', String(q === p));
      }
    }
    if (p.unread && !document.hidden) { p.unread = 0; paintNav(p); app.changed(); }
    if (focus) {
      p.v.el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      (p.ended ? p.v.closeBtn : p.v.input).focus({ preventScroll: true });
    }
  }
  document.addEventListener('visibilitychange', () => { if (!document.hidden && active) select(active, false); });

  /** The server gave us the conversation (after our accept, or from another tab of ours). */
  function assigned(conv, customer, transcript) {
    const p = open(conv, customer);
    if (Array.isArray(transcript)) fill(p, transcript); else app.send({ type: 'transcript', conversation: p.id });
    app.say(`Conversation with ${p.who} opened.`);
    const a = document.activeElement;
    if (focusNext === p.id || !a || a === document.body || a === ui.offersH) select(p.id, true);
    if (focusNext === p.id) focusNext = null;
    return p;
  }
  function fill(p, messages) {
    if (!Array.isArray(messages)) return;
    const stick = p.stick;
    messages.slice().sort((a, b) => (Number(a.seq) || 0) - (Number(b.seq) || 0)).forEach((m) => upsert(p, m));
    if (stick) scrollDown(p);
  }
  const firstPending = (p) => (p.pending.size ? p.pending.values().next().value.el : null);
  /** Puts a server message in place once (by id and by seq), replacing its optimistic copy. True when new. */
  function upsert(p, m) {
    if (!m || m.id == null) return false;
    const pend = m.client_id != null && p.pending.get(String(m.client_id));
    if (pend) { pend.el.remove(); p.pending.delete(String(m.client_id)); }
    const id = String(m.id), seq = Number(m.seq), hasSeq = m.seq != null && Number.isFinite(seq);
    if (p.msgs.has(id) || (hasSeq && p.seqs.has(seq))) return false;
    const el = renderMessage(m, false);
    p.msgs.add(id);
    let before = firstPending(p);
    if (hasSeq) {
      p.seqs.add(seq);
      if (seq < p.maxSeq) before = [...p.v.log.children].find((c) => c.dataset.seq && Number(c.dataset.seq) > seq) || before;
      p.maxSeq = Math.max(p.maxSeq, seq);
    }
    p.v.log.insertBefore(el, before);
    const a = m.author || {};
    if (a.role === 'customer' && a.name && !p.customer.name) { p.customer.name = a.name; setWho(p); }
    return true;
  }
  function onMessage(m) {
    const p = m && get(m.conversation);
    if (!p) return;
    const stick = p.stick;
    if (!upsert(p, m)) return;
    const role = (m.author || {}).role;
    clearTypers(p, role);
    if (p.inactiveEl) { p.inactiveEl.remove(); p.inactiveEl = null; } // any message resets inactivity
    if ((role === 'customer' || role === 'ai') && (active !== p.id || document.hidden)) { p.unread += 1; paintNav(p); app.changed(); }
    if (stick || role === 'agent') scrollDown(p);
  }
  const scrollDown = (p) => { p.v.log.scrollTop = p.v.log.scrollHeight; p.stick = true; };
  function paneNotice(p, kind, text) {
    const el = notice(kind, text);
    p.v.log.insertBefore(el, firstPending(p));
    if (p.stick) scrollDown(p);
    return el;
  }
  function onInactive(f) {
    const p = get(f.conversation);
    if (!p || p.ended) return;
    if (p.inactiveEl) p.inactiveEl.remove();
    const at = hhmm(f.ends_at);
    p.inactiveEl = paneNotice(p, 'inactive', `No messages for a while: this conversation ends ${at ? `at ${at}` : 'soon'} unless someone writes.`);
  }
  function markEnded(p, reason) {
    if (p.ended) return;
    const hadFocus = p.v.el.contains(document.activeElement);
    p.ended = true;
    stopTimers(p);
    p.typingOn = false;
    if (p.inactiveEl) { p.inactiveEl.remove(); p.inactiveEl = null; }
    for (const m of p.pending.values()) markFailed(m.el);
    p.pending.clear();
    paneNotice(p, 'ended', `Conversation ended. ${endPhrase(reason)}`.trim()).dataset.reason = reason || '';
    p.v.el.classList.add('ended');
    p.v.state.textContent = 'Ended';
    p.v.input.disabled = p.v.sendBtn.disabled = true;
    p.v.input.placeholder = 'This conversation has ended.';
    p.v.endBtn.hidden = true;
    p.v.closeBtn.hidden = false;
    if (hadFocus) p.v.closeBtn.focus();
    paintNav(p);
    app.say(`The conversation with ${p.who} ended.`);
  }
  function stopTimers(p) { clearTimeout(p.typingIdle); clearTypers(p); }
  function close(p) {
    stopTimers(p);
    p.v.el.remove();
    p.nav.li.remove();
    p.nav.tab.btn.remove();
    convs.delete(p.id);
    if (active === p.id) {
      active = null;
      const next = convs.values().next().value;
      if (next) select(next.id, true); else ui.convsH.focus();
    }
    layout();
  }

  // ---- typing -------------------------------------------------------------------------------------
  function setTyping(p, role, name, on) {
    if (!role || role === 'agent') return; // our own typing echoed back
    const key = `${role}:${name || ''}`;
    clearTimeout(p.typers.get(key));
    p.typers.delete(key);
    if (on && !p.ended) p.typers.set(key, setTimeout(() => setTyping(p, role, name, false), TYPING_CLEAR));
    const names = [...p.typers.keys()].map((k) => k.slice(k.indexOf(':') + 1) || (k.startsWith('ai:') ? 'The AI agent' : p.who));
    p.v.typing.textContent = names.length ? `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} typing\u2026` : '';
  }
  function clearTypers(p, role) {
    for (const key of [...p.typers.keys()]) {
      if (role && !key.startsWith(`${role}:`)) continue;
      const i = key.indexOf(':');
      setTyping(p, key.slice(0, i), key.slice(i + 1), false);
    }
  }
  /** Ours: "on" at most every 3 s while typing; "off" after 3 s idle, on send, or when the box is emptied. */
  function typing(p, on) {
    clearTimeout(p.typingIdle);
    if (on && !p.ended) {
      if ((!p.typingOn || Date.now() - p.typingSentAt >= TYPING_EVERY) && app.send({ type: 'typing', conversation: p.id, on: true })) {
        p.typingOn = true;
        p.typingSentAt = Date.now();
      }
      p.typingIdle = setTimeout(() => typing(p, false), TYPING_IDLE);
    } else if (!on && p.typingOn) {
      p.typingOn = false;
      app.send({ type: 'typing', conversation: p.id, on: false });
    }
  }

  // ---- agent actions ------------------------------------------------------------------------------
  function sendMsg(p) {
    const text = p.v.input.value.trim();
    if (!text || p.ended) return;
    if (text.length > MAX_LEN) return app.toast(`Messages can be at most ${MAX_LEN} characters.`, 'invalid');
    const cid = uuid();
    const el = renderMessage({ author: { role: 'agent', name: app.agentName() }, text, at: new Date().toISOString(), client_id: cid }, true);
    p.pending.set(cid, { text, el });
    p.v.log.append(el);
    scrollDown(p);
    p.v.input.value = '';
    p.v.input.dispatchEvent(new Event('input')); // resets the counter, the send button and our typing
    typing(p, false);
    if (app.welcomed()) app.send({ type: 'message', conversation: p.id, client_id: cid, text }); // else after the next welcome
    p.v.input.focus();
  }
  function confirmEnd(p) {
    if (p.ended || p.ending) return;
    const d = ui.confirm;
    if (typeof d.showModal !== 'function') { if (window.confirm(`End the conversation with ${p.who}?`)) end(p); return; }
    ui.confirmText.textContent = `${p.who} will be told that the conversation has ended. It stays readable here until you close it.`;
    d.returnValue = '';
    d.onclose = () => { d.onclose = null; if (d.returnValue === 'end') end(p); };
    d.showModal();
  }
  function end(p) {
    if (p.ended) return;
    if (!app.send({ type: 'end', conversation: p.id })) return app.toast('Not connected. Try again in a moment.', 'offline');
    typing(p, false);
    p.ending = true;
    p.v.endBtn.disabled = true;
    p.v.endBtn.textContent = 'Ending\u2026';
    setTimeout(() => resetEnd(p), END_WAIT); // the ended frame normally comes long before
  }
  function resetEnd(p) {
    if (!p.ending) return;
    p.ending = false;
    p.v.endBtn.disabled = false;
    p.v.endBtn.textContent = 'End';
  }

  return {
    get, open, fill, assigned, onMessage, onInactive, markEnded, resetEnd,
    all: () => [...convs.values()],
    unread: () => [...convs.values()].reduce((n, p) => n + p.unread, 0),
    typing: (f) => { const p = get(f.conversation); if (p) setTyping(p, f.role, f.name, !!f.on); },
    expectFocus: (conv) => { focusNext = String(conv); },
    /** After a welcome: messages typed while offline go now; the same client_id makes a retry harmless. */
    resendPending() {
      for (const p of convs.values()) {
        if (!p.ended) for (const [cid, m] of p.pending) app.send({ type: 'message', conversation: p.id, client_id: cid, text: m.text });
      }
    },
    /** The socket dropped: our typing state is gone and nobody is typing any more as far as we know. */
    disconnected() { for (const p of convs.values()) { clearTimeout(p.typingIdle); p.typingOn = false; clearTypers(p); } },
    /** Marks one failed message (an error frame naming its client_id). */
    failed(clientId) {
      for (const p of convs.values()) {
        const pend = p.pending.get(String(clientId));
        if (pend) { p.pending.delete(String(clientId)); markFailed(pend.el); }
      }
    },
    clear() {
      for (const p of convs.values()) { stopTimers(p); p.v.el.remove(); p.nav.li.remove(); p.nav.tab.btn.remove(); }
      convs.clear();
      active = focusNext = null;
      layout();
    },
  };
}
