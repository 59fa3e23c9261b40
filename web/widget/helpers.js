/* Switchboard chat widget: small helpers with no state of their own (DOM building, storage, time, ids, links)
   and the launcher's icon. Not a module: the gateway serves web/widget/*.js as one script, /widget.js, inside one function
   scope (services/gateway/src/web/widget.rs), so nothing here reaches the host page's globals. */
'use strict';

const ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';

// ---- small helpers ------------------------------------------------------------------------------
const h = (tag, attrs, ...kids) => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat()) if (kid != null && kid !== '') el.append(kid); // strings become text nodes, never HTML
  return el;
};
const storage = (area, key) => ({
  get() { try { return window[area].getItem(key); } catch { return null; } },
  set(v) { try { if (v) window[area].setItem(key, v); else window[area].removeItem(key); } catch { /* storage blocked */ } },
});
const pad = (n) => String(n).padStart(2, '0');
const hhmm = (at) => { const d = new Date(at); return isNaN(d) ? '' : `${pad(d.getHours())}:${pad(d.getMinutes())}`; };
const uuid = () => {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16)); b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128; // RFC 4122 v4
  const x = [...b].map((n) => n.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
};
// Turns URLs and e-mail addresses into links (fallback messages usually carry one); everything else stays text.
const linkify = (text) => {
  const out = [], re = /(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]'])|([\w.+-]+@[\w-]+(?:\.[\w-]+)+)/g;
  let last = 0, m;
  while ((m = re.exec(text))) {
    out.push(text.slice(last, m.index));
    out.push(h('a', { href: m[1] || `mailto:${m[2]}`, target: '_blank', rel: 'noopener noreferrer' }, m[0]));
    last = re.lastIndex;
  }
  out.push(text.slice(last));
  return out;
};
