// Browser tests of the customer chat, end to end: the whole system started by the devstack launcher with its
// demo tenant, and Debian's chromium driven by playwright-core. They cover the hosted support page
// (/support/{widget}) and the embeddable script (CONTRACT.md §5) as a customer uses them.
// Run from the repository root: SWITCHBOARD_BIN_DIR=$PWD/target/debug node --test tests/browser/
// Each test leaves a screenshot in tests/browser/artifacts/, also when it fails.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { REPO, startStack } from './support/stack.mjs';
import { watchPolicy } from './support/policy.mjs';

const ARTIFACTS = path.join(REPO, 'tests/browser/artifacts');
const ANSWER_TIMEOUT = 15_000; // the AI answer passes the bus and the ai-bridge; generous for a loaded CI machine
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let stack;
let browser;

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  stack = await startStack({ timeoutMs: 90_000 });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  await stack?.stop();
}, { timeout: 30_000 });

/**
 * Runs `fn(page)` in a fresh browser context, screenshots the page to artifacts/{shot}.png whatever happens,
 * and on failure adds to the error what the chat shows, what the gateway says of the demo widgets, what the
 * page logged and the tail of the stack's output.
 */
async function withPage(shot, fn, contextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 }, ...contextOptions });
  context.setDefaultTimeout(ANSWER_TIMEOUT);
  const page = await context.newPage();
  const pageLog = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') pageLog.push(`console.${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => pageLog.push(`page error: ${e.message}`));
  const violations = [];
  await watchPolicy(page, violations);
  page.on('response', (r) => { if (r.status() >= 400) pageLog.push(`HTTP ${r.status()}: ${r.url()}`); });
  page.on('requestfailed', (r) => pageLog.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  try {
    await fn(page);
    assert.deepEqual(pageLog.filter((line) => line.startsWith('page error')), [], 'the page threw no uncaught errors');
    assert.deepEqual(violations, [], 'the page kept to its Content-Security-Policy');
  } catch (error) {
    const died = stack.exited() ? `\nthe devstack exited: ${JSON.stringify(stack.exited())}` : '';
    const shown = await page.locator('[data-testid=message], [data-testid=notice]')
      .evaluateAll((els) => els.map((el) => `${el.dataset.role || el.dataset.kind}#${el.dataset.seq ?? '-'}: ${el.innerText.replace(/\s*\n\s*/g, ' | ')}`))
      .catch((e) => [e.message]);
    error.message += `${died}\n--- on screen ---\n${shown.join('\n') || '(no messages)'}`
      + `\n--- the gateway on the demo widgets ---\n${await probeWidgets()}`
      + `\n--- page log ---\n${pageLog.join('\n') || '(nothing)'}\n--- stack output ---\n${stack.logs() || '(nothing)'}`;
    throw error;
  } finally {
    await page.screenshot({ path: path.join(ARTIFACTS, `${shot}.png`) }).catch(() => {});
    await context.close();
  }
}

/** The server-confirmed (not optimistic) bubbles of `role`, optionally only those containing `text`. */
function bubbles(page, role, text) {
  const all = page.locator(`[data-testid=message][data-role=${role}][data-seq]`);
  return text ? all.filter({ hasText: text }) : all;
}

async function ask(page, question) {
  await page.getByTestId('composer').fill(question);
  await page.getByTestId('send').click();
}

/** The (customer, ai) seq pair of one question and its answer, once both are on screen. */
async function exchange(page, question, answerPart) {
  const asked = bubbles(page, 'customer', question);
  const answered = bubbles(page, 'ai', answerPart);
  await asked.first().waitFor({ timeout: ANSWER_TIMEOUT });
  await answered.first().waitFor({ timeout: ANSWER_TIMEOUT });
  assert.equal(await asked.count(), 1, `exactly one "${question}" bubble`);
  assert.equal(await answered.count(), 1, `exactly one answer containing "${answerPart}"`);
  return [Number(await asked.getAttribute('data-seq')), Number(await answered.getAttribute('data-seq'))];
}

test('a customer asks the demo AI agent a question, sees the answer, reloads and still sees the thread', { timeout: 90_000 }, async () => {
  const { gateway, demo } = stack.info;
  const question = 'How do I reset my password?';
  await withPage('support-page', async (page) => {
    await page.goto(`${gateway}/support/${demo.support_widget}`);
    await ask(page, question);
    const first = await exchange(page, question, 'Forgot password');
    assert.deepEqual(first, [1, 2], 'the question and its answer are the first two messages');

    await page.reload();
    const afterReload = await exchange(page, question, 'Forgot password');
    assert.deepEqual(afterReload, first, 'the reloaded thread has the same messages in the same order');
    assert.equal(await page.locator('[data-testid=message][data-pending]').count(), 0, 'nothing is left unsent');
    assert.equal(await bubbles(page, 'customer').count(), 1, 'no customer message is duplicated');

    await page.getByTestId('end-chat').click();
    await page.locator('[data-testid=notice][data-kind=ended]').waitFor();
    await page.getByTestId('end-chat').waitFor({ state: 'hidden' });
  });
});

test('the embeddable script works on another page', { timeout: 90_000 }, async () => {
  const { gateway, demo } = stack.info;
  const snippet = await embedSnippet(gateway, demo);
  const site = `${gateway}/__embed_test`; // the embed widget allows the gateway origin (tools/devstack/src/demo.rs)
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<style>body { font: 16px system-ui, sans-serif; margin: 40px; } h1 { color: #333; }</style></head>
<body><h1>Acme Shop</h1><p>A page of some other site that embeds the Switchboard chat.</p>
<script>
  window.Switchboard = window.Switchboard || function () { (window.Switchboard.q = window.Switchboard.q || []).push(arguments); };
  window.heard = [];
  Switchboard('on', 'ready', () => window.heard.push('ready'));
  Switchboard('on', 'message', (m) => window.heard.push('message:' + m.author.role));
</script>
${snippet}</body></html>`;
  await withPage('embed', async (page) => {
    await page.route(site, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await page.goto(site);
    await page.waitForFunction(() => window.heard.includes('ready'), null, { timeout: ANSWER_TIMEOUT });

    await page.getByRole('button', { name: 'Open chat' }).click();
    await ask(page, 'What are your opening hours?');
    await exchange(page, 'What are your opening hours?', 'Monday to Friday');
    const heard = await page.evaluate(() => window.heard);
    assert.ok(heard.includes('message:ai'), `calls queued before the script loaded still subscribe: ${heard}`);
  }, {
    // A page fulfilled by page.route has no address, so chromium counts it as public and blocks its socket to
    // 127.0.0.1 (Local Network Access); a real site and gateway would both be public.
    permissions: ['local-network-access'],
  });
});

/** The embed widget's snippet as the API hands it out (GET experience), or CONTRACT.md §5 built by hand. */
async function embedSnippet(gateway, demo) {
  const response = await fetch(`${gateway}/api/v1/tenants/${demo.tenant}/experiences/${demo.experience}`, {
    headers: { authorization: `Bearer ${demo.admin_token}` },
  });
  assert.equal(response.status, 200, 'the admin can read the demo experience');
  const experience = await response.json();
  const widget = (experience.widgets || []).find((w) => w.id === demo.embed_widget);
  if (widget?.snippet) return widget.snippet;
  return `<script>
  window.switchboardSettings = { widget: ${JSON.stringify(demo.embed_widget)}, server: ${JSON.stringify(gateway)} };
</script>
<script async src="${gateway}/widget.js"></script>`;
}

/** What the gateway answers a plain GET of the customer socket (400 "needs a WebSocket upgrade" = widget and origin ok). */
async function probeWidgets() {
  const { gateway, demo } = stack.info;
  const answers = [demo.support_widget, demo.embed_widget].map(async (widget) => {
    try {
      const response = await fetch(`${gateway}/ws/customer?widget=${widget}`, { headers: { origin: gateway } });
      return `${widget}: ${response.status} ${await response.text()}`;
    } catch (error) {
      return `${widget}: ${error.message}`;
    }
  });
  return (await Promise.all(answers)).join('\n');
}
