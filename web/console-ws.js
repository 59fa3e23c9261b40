/* Switchboard agent console: the WebSocket to GET /ws/agent (CONTRACT.md §3), with reconnection.
   Knows nothing of the protocol beyond "one JSON object with a type per text frame": console.js sends hello on open
   and calls welcomed() when the server answered, which resets the backoff. Retries wait 0.5 s, 1 s, 2 s … up to 10 s
   (±20 % jitter). A close with 1008 or a 44xx code means the server refused us for good: no retry. */

export const FATAL_CLOSE = (code) => code === 1008 || (code >= 4400 && code < 4500);

export class Connection {
  /** handlers: { open(), frame(f), down(closeEvent, fatal) } */
  constructor(url, handlers) {
    this.url = url;
    this.on = handlers;
    this.ws = null;
    this.stopped = true;
    this.attempt = 0;
    this.timer = 0;
    window.addEventListener('online', () => this.now());
    document.addEventListener('visibilitychange', () => { if (!document.hidden) this.now(); });
  }

  get open() { return !!this.ws && this.ws.readyState === WebSocket.OPEN; }

  start() {
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try { ws.close(1000, 'signed out'); } catch { /* already closing */ }
    }
  }

  /** Skips the remaining backoff (the network came back, the tab became visible). */
  now() {
    if (this.stopped || this.ws) return;
    this.connect();
  }

  welcomed() { this.attempt = 0; }

  send(obj) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  connect() {
    clearTimeout(this.timer);
    if (this.stopped || this.ws) return;
    let ws;
    try { ws = new WebSocket(this.url); } catch { return this.retry(); }
    this.ws = ws;
    ws.onopen = () => { if (ws === this.ws) this.on.open(); };
    ws.onmessage = (e) => {
      if (ws !== this.ws || typeof e.data !== 'string') return;
      let f;
      try { f = JSON.parse(e.data); } catch { return; }
      if (f && typeof f.type === 'string') this.on.frame(f);
    };
    ws.onclose = (e) => {
      if (ws !== this.ws) return;
      this.ws = null;
      const fatal = FATAL_CLOSE(e.code);
      if (fatal) this.stopped = true;
      this.on.down(e, fatal);
      if (!fatal) this.retry();
    };
  }

  retry() {
    this.ws = null;
    if (this.stopped) return;
    const base = Math.min(10000, 500 * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 10);
    const delay = Math.min(10000, Math.max(500, base * (0.8 + Math.random() * 0.4)));
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
