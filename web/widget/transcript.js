/* Switchboard chat widget: the transcript on screen — one section per conversation, messages in seq order and each
   once, notices, errors and who is typing. */
'use strict';

const firstPending = (s) => [...s.el.children].find((c) => c.dataset.pending) || null;

function newSection(id) {
  const prev = st.sections[st.sections.length - 1];
  if (prev) prev.ended = true;
  if (st.sections.some((s) => s.el.childElementCount)) ui.log.append(h('div', { class: 'divider', role: 'separator' }, t('new_conversation')));
  const s = { id: id || null, el: h('div', { class: 'conversation' }), msgs: new Map(), ended: false, endNoticed: false };
  ui.log.append(s.el);
  st.sections.push(s);
  ui.empty.hidden = true;
  return s;
}
function current() { const s = st.sections[st.sections.length - 1]; return s && !s.ended ? s : newSection(); }
function sectionFor(id) {
  if (!id) return current();
  const found = st.sections.find((s) => s.id === id);
  if (found) return found;
  const cur = current();
  if (!cur.id) { cur.id = id; return cur; }
  return newSection(id);
}

const authorName = (role, name) => name || (role === 'ai' ? t('ai_assistant') : t('agent'));

function renderMsg(m, pending) {
  const role = (m.author && m.author.role) || 'system';
  // A stored notice (a system message with `notice` set: agent joined, fallback, sign in) looks like the notice
  // it is, also when it comes back in a transcript after a reload.
  if (role === 'system' && m.notice) {
    return h('div', { class: 'notice', 'data-testid': 'notice', 'data-kind': String(m.notice), 'data-seq': m.seq, 'data-id': m.id },
      linkify(String(m.text || '')));
  }
  const el = h('div', { class: `msg ${role}${pending ? ' pending' : ''}`, 'data-testid': 'message', 'data-role': role,
    'data-seq': pending ? null : m.seq, 'data-id': m.id, 'data-pending': pending ? 'true' : null });
  if (role === 'ai' || role === 'agent') el.append(h('div', { class: 'who' }, authorName(role, m.author && m.author.name)));
  el.append(h('div', { class: 'bubble' }, linkify(String(m.text || ''))));
  const time = hhmm(m.at);
  if (time) el.append(h('time', { datetime: m.at }, pending ? `${time} \u00b7 ${t('sending')}` : time));
  return el;
}

// Inserts a server message once (keyed by id), in seq order; replaces its optimistic copy. Returns true when new.
function upsert(m) {
  if (!m || m.id == null) return false;
  const p = m.client_id != null && st.pending.get(m.client_id);
  if (p) { p.el.remove(); st.pending.delete(m.client_id); }
  const s = sectionFor(m.conversation);
  if (s.msgs.has(m.id)) return false;
  for (const [id, el] of s.msgs) if (Number(el.dataset.seq) === m.seq) { el.remove(); s.msgs.delete(id); }
  const el = renderMsg(m, false);
  s.msgs.set(m.id, el);
  const before = [...s.el.children].find((c) => c.dataset.pending || (c.dataset.seq && Number(c.dataset.seq) > m.seq)) || null;
  s.el.insertBefore(el, before);
  return true;
}

function notice(kind, content, section) {
  // Notices belong to the latest conversation, even one that just ended (a fallback can follow its end).
  const s = section || st.sections[st.sections.length - 1] || current();
  const el = h('div', { class: 'notice', 'data-testid': 'notice', 'data-kind': kind }, content);
  s.el.insertBefore(el, firstPending(s));
  if (ui.stick) scrollDown();
  return el;
}
// The socket sends a stored notice's `message` and then its own frame (agent_joined, fallback, sign_in_required):
// the frame shows a notice only when the newest message is not already that notice.
function noticeShown(kind) {
  const s = st.sections[st.sections.length - 1];
  let newest = null;
  if (s) for (const el of s.msgs.values()) if (!newest || Number(el.dataset.seq) > Number(newest.dataset.seq)) newest = el;
  return !!newest && newest.dataset.kind === kind;
}
function showError(text, code) {
  const el = h('div', { class: 'notice', 'data-testid': 'notice', 'data-kind': 'error', 'data-code': code, role: 'alert' }, text);
  ui.errors.append(el);
  setTimeout(() => el.remove(), 8000);
}

function setTyping(role, name, on) {
  if (role === 'customer' || !ui) return;
  const key = `${role}:${name || ''}`, old = st.typers.get(key);
  if (old) clearTimeout(old.timer);
  st.typers.delete(key);
  if (on) st.typers.set(key, { name: authorName(role, name), timer: setTimeout(() => setTyping(role, name, false), TYPING_CLEAR) });
  const names = [...st.typers.values()].map((x) => x.name);
  ui.typing.textContent = names.length ? t(names.length > 1 ? 'typing_many' : 'typing_one', { names: names.join(', ') }) : '';
  ui.typing.hidden = !names.length;
}
const clearTypers = () => [...st.typers.keys()].forEach((k) => { const [r, ...n] = k.split(':'); setTyping(r, n.join(':'), false); });
