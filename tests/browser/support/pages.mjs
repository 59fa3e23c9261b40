// Browser pages for tests that drive several pages at once (a customer and an agent): chromium started the way
// the other browser tests start it, and pages that remember what went wrong (console errors, uncaught errors,
// Content-Security-Policy violations, failed requests) and the last WebSocket frames both ways, so a failure can say what each side saw and heard;
// an agent console made available in a space; and another website, on an origin of its own. Not a test file.
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { REPO } from './stack.mjs';
import { watchPolicy } from './policy.mjs';

export const ARTIFACTS = path.join(REPO, 'tests/browser/artifacts');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const FRAMES_KEPT = 40;

export function launchChromium() {
  return chromium.launch({ executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * A fresh context and page named `name` (used in reports and screenshot file names), with
 * `{ page, shot(moment), uncaught(), report(), close() }`. `uncaught()` lists the page's uncaught errors and every
 * Content-Security-Policy violation: what must never happen on a page.
 */
export async function watchedPage(browser, name, { timeout = 15_000, ...contextOptions } = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 }, ...contextOptions });
  context.setDefaultTimeout(timeout);
  const page = await context.newPage();
  const log = [];
  const frames = [];
  const violations = [];
  await watchPolicy(page, violations);
  const remember = (line) => { frames.push(line); if (frames.length > FRAMES_KEPT) frames.shift(); };
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') log.push(`console.${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) log.push(`HTTP ${r.status()}: ${r.url()}`); });
  page.on('requestfailed', (r) => log.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('websocket', (ws) => {
    const where = new URL(ws.url()).pathname;
    ws.on('framesent', (f) => remember(`${where} → ${redact(f.payload)}`));
    ws.on('framereceived', (f) => remember(`${where} ← ${String(f.payload)}`));
    ws.on('close', () => remember(`${where} closed`));
  });

  return {
    page,
    /** Screenshot to artifacts/{name}-{moment}.png; never throws (a failed screenshot must not hide the real error). */
    shot: (moment) => page.screenshot({ path: path.join(ARTIFACTS, `${name}-${moment}.png`) }).catch(() => {}),
    uncaught: () => [...log.filter((line) => line.startsWith('page error')), ...violations],
    async report() {
      const shown = await page.locator('[data-testid=message], [data-testid=notice], [data-testid=typing], [data-testid=offer]')
        .evaluateAll((els) => els.map((el) => {
          const t = el.dataset.testid;
          const tag = t === 'message' ? `${el.dataset.role}#${el.dataset.seq ?? (el.dataset.pending ? 'pending' : '-')}`
            : t === 'notice' ? `notice:${el.dataset.kind}` : t;
          return `${tag}: ${el.innerText.replace(/\s*\n\s*/g, ' | ') || '(empty)'}`;
        }))
        .catch((e) => [e.message]);
      return `=== ${name} page (${page.url().replace(/token=[^&]+/, 'token=…')}) ===\n--- on screen ---\n`
        + `${shown.join('\n') || '(nothing)'}\n--- page log ---\n${log.join('\n') || '(nothing)'}\n`
        + `--- last WebSocket frames ---\n${frames.join('\n') || '(none)'}`;
    },
    close: () => context.close(),
  };
}

/** Tokens never go into reports: the hello frames carry them. */
function redact(payload) {
  return String(payload).replace(/"token":"[^"]*"/g, '"token":"…"');
}

/**
 * The agent console (/console) on `page`: signs in with `token`, waits for the agent's name, and turns availability
 * on in `space` (an agent starts unavailable; only the server's status frame flips the switch).
 */
export async function agentAvailable(page, gateway, token, { name, space }) {
  await page.goto(`${gateway}/console`);
  await page.getByTestId('token-input').fill(token);
  await page.getByTestId('sign-in').click();
  await page.getByTestId('agent-name').filter({ hasText: name }).waitFor();
  const toggle = page.locator(`[data-testid=status-toggle][data-space="${space}"]`);
  await toggle.waitFor();
  assert.equal(await toggle.getAttribute('data-status'), 'unavailable', 'a new agent starts unavailable');
  await toggle.click();
  await page.locator(`[data-testid=status-toggle][data-space="${space}"][data-status=available]`).waitFor();
}

/**
 * Another website, on its own origin (127.0.0.1 on a free port, so not the gateway's): serves `html()` at `/`.
 * Returns `{ origin, close() }`.
 */
export async function otherSite(html) {
  const server = http.createServer((request, response) => {
    if (new URL(request.url, 'http://x').pathname !== '/') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html());
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
