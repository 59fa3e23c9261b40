// A page of another site embedding the widget, for the widget API's browser tests (docs/widget.md): served by
// page.route at an address on the gateway's origin (the demo embed widget allows it, tools/devstack/src/demo.rs),
// with the snippet's queue stub, every widget event recorded in `window.heard` as [event, payload], and the script
// optionally held back so a test can look at the queue before the script runs. Not a test file.
export const EVENTS = ['ready', 'open', 'close', 'message', 'unread', 'ended', 'conversation:state', 'error'];

/** The page's HTML: `settings` go over the demo embed widget's, `calls` are queued (as arrays) before the script. */
export function embedHtml(gateway, widget, { settings = {}, calls = [] } = {}) {
  const all = { widget, server: gateway, ...settings };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>Acme Shop</h1><button id="help">Help</button>
<script>
  window.switchboardSettings = ${JSON.stringify(all)};
  window.Switchboard = window.Switchboard || function () { (window.Switchboard.q = window.Switchboard.q || []).push(arguments); };
  window.heard = [];
  for (const ev of ${JSON.stringify(EVENTS)}) Switchboard('on', ev, (payload) => window.heard.push([ev, payload ?? null]));
  for (const call of ${JSON.stringify(calls)}) Switchboard(...call);
  document.getElementById('help').addEventListener('click', () => Switchboard('open'));
</script>
<script async src="${gateway}/widget.js"></script>
</body></html>`;
}

/**
 * Opens the embedding page on `page` (a fresh context with `local-network-access`, see chat.test.mjs). With
 * `hold: true` the script's request waits until the returned `release()` is called.
 */
export async function openEmbed(page, gateway, widget, options = {}) {
  const site = `${gateway}/__embed_${Math.random().toString(36).slice(2)}`;
  const html = embedHtml(gateway, widget, options);
  await page.route(site, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
  let release = () => {};
  if (options.hold) {
    const gate = new Promise((resolve) => { release = resolve; });
    await page.route(`${gateway}/widget.js`, async (route) => { await gate; await route.continue(); });
  }
  await page.goto(site, { waitUntil: options.hold ? 'domcontentloaded' : 'load' });
  return { site, release };
}

/** The events heard so far, optionally only `name`'s payloads. */
export async function heard(page, name) {
  const all = await page.evaluate(() => window.heard);
  return name ? all.filter(([ev]) => ev === name).map(([, payload]) => payload) : all;
}

/** Waits until `name` was heard with a payload `match` accepts (run in the page: a function of the payload). */
export async function waitHeard(page, name, match = () => true, timeout = 15_000) {
  await page.waitForFunction(([ev, src]) => {
    const accept = new Function(`return (${src})`)();
    return window.heard.some(([e, p]) => e === ev && accept(p));
  }, [name, match.toString()], { timeout }).catch((error) => {
    error.message += `\n(waiting for "${name}" matching ${match})`;
    throw error;
  });
}

/** The names of the events heard, in order, leaving out `ready`, `message` and the ones in `skip`. */
export async function sequence(page, skip = []) {
  return (await heard(page)).map(([ev]) => ev).filter((ev) => !['ready', 'message', ...skip].includes(ev));
}

/** Sends `text` from the composer by the form's submit, also while the panel is closed. */
export async function submitText(page, text) {
  await page.evaluate((value) => {
    const root = document.querySelector('switchboard-widget').shadowRoot;
    root.querySelector('textarea').value = value;
    root.querySelector('form').requestSubmit();
  }, text);
}
