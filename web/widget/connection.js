/* Switchboard chat widget: its socket to the gateway (GET /ws/customer) — hello with the customer's token and the
   stored resume token, reconnecting with backoff, messages re-sent after a reconnect until the server echoes them. */
'use strict';

function frame(obj) {
  const ws = st.ws;
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify(obj));
  return true;
}
function flushPending() {
  if (!st.welcomed) return;
  for (const [id, p] of st.pending) frame({ type: 'message', client_id: id, text: p.text }); // same client_id: the server dedupes
}
async function connect() {
  const own = st; // a shutdown while awaiting the token below leaves this boot's state behind
  clearTimeout(own.retryTimer);
  if (own.stopped || own.ws) return;
  let token = own.identifyToken;
  if (!token && typeof S.authenticate === 'function') {
    try { token = await Promise.race([S.authenticate(), new Promise((r) => setTimeout(r, 10000))]); } catch { token = null; } // anonymous
  }
  if (own !== st || own.ws || own.stopped) return;
  // A token brought back from the sign-in page belongs to a customer the anonymous thread does not name yet:
  // reattach anonymously, then `sign_in` (after `welcome`) so the same thread continues signed in.
  if (own.signInReturn && resume.get()) token = null;
  let ws;
  try { ws = new WebSocket(`${own.server.replace(/^http/, 'ws')}/ws/customer?widget=${encodeURIComponent(own.widget)}`); } catch { return retry(); }
  own.ws = ws;
  ws.onopen = () => {
    if (ws !== st.ws) return;
    const r = resume.get();
    st.resumeSent = !!r; st.helloToken = token || null;
    ws.send(JSON.stringify({ type: 'hello', token: token || undefined, resume: r || undefined }));
  };
  ws.onmessage = (e) => { let f; try { f = JSON.parse(e.data); } catch { return; } if (ws === st.ws && f && f.type) handle(f); };
  ws.onclose = (e) => {
    if (ws !== st.ws) return;
    st.ws = null; st.welcomed = false; st.typingOn = false;
    clearTypers();
    // 1008 / 44xx: the server refused this widget or origin for good, retrying would not help.
    if (e.code === 1008 || (e.code >= 4400 && e.code < 4500)) { st.stopped = true; return setStatus(); }
    retry();
  };
}
function retry() {
  st.ws = null;
  const delay = Math.min(10000, 500 * 2 ** st.attempt++) * (0.8 + Math.random() * 0.4);
  st.retryTimer = setTimeout(connect, Math.min(10000, delay));
  setStatus();
}
// Closes this boot's socket for good (shutdown, or a boot that starts again).
function disconnect() {
  st.stopped = true;
  clearTimeout(st.retryTimer);
  clearTimeout(st.typingIdle);
  const ws = st.ws;
  st.ws = null;
  if (ws) { ws.onclose = null; ws.onmessage = null; ws.close(1000); }
  clearTypers();
}
window.addEventListener('online', () => { if (booted && !st.ws && !st.stopped) connect(); });
