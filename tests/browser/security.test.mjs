// Browser test of the pages' hardening (docs/operations.md, "Browser pages"): the support page, the agent console and
// the admin console send a Content-Security-Policy, nosniff and no-referrer, and keep to the policy (no violation is
// reported); a token handed to a page in its address is gone from the address once the page has loaded; the agent
// console keeps its token where a support page of the same origin cannot read it; and a site admin rotates the
// identity secret in the admin console, after which both secrets sign a customer in during the overlap (SPEC.md §11).
// Run from the repository root: SWITCHBOARD_BIN_DIR=$PWD/target/debug node --test tests/browser/security.test.mjs
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { startStack } from './support/stack.mjs';
import { customerToken } from './support/api.mjs';
import { ARTIFACTS, launchChromium, watchedPage } from './support/pages.mjs';
import { SHOTS, openConsole, visit } from './support/admin.mjs';

const STEP = 15_000;
const TOKEN_KEY = 'switchboard:agent-token';

let stack;
let browser;

before(async () => {
  await mkdir(SHOTS, { recursive: true });
  await mkdir(ARTIFACTS, { recursive: true });
  stack = await startStack({ timeoutMs: 90_000 });
  browser = await launchChromium();
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  await stack?.stop();
}, { timeout: 30_000 });

/** Opens `url` on `page` and resolves with the widget's `welcome` frame. */
async function welcomeAt(page, url) {
  const welcome = new Promise((resolve) => {
    page.on('websocket', (ws) => ws.on('framereceived', (f) => {
      const frame = JSON.parse(String(f.payload));
      if (frame.type === 'welcome') resolve(frame);
    }));
  });
  await page.goto(url);
  return welcome;
}

test('the support page and both consoles send their security headers and keep to their policy', { timeout: 90_000 }, async () => {
  const { gateway, demo } = stack.info;
  const watched = await watchedPage(browser, 'security-headers', { timeout: STEP });
  try {
    for (const path of [`/support/${demo.support_widget}`, '/console', '/admin']) {
      const response = await watched.page.goto(`${gateway}${path}`);
      const headers = response.headers();
      const policy = headers['content-security-policy'] || '';
      assert.match(policy, /default-src 'none'/, `${path}: ${policy}`);
      assert.match(policy, /script-src 'self'(;|$)/, `${path}: only its own scripts`);
      assert.match(policy, /connect-src 'self'/, path);
      assert.match(policy, /frame-ancestors 'none'/, path);
      assert.doesNotMatch(policy, /unsafe-/, path);
      assert.equal(headers['x-content-type-options'], 'nosniff', path);
      assert.equal(headers['referrer-policy'], 'no-referrer', path);
    }
    // The support page's chat runs under that policy: it connects, shows the greeting and answers.
    await welcomeAt(watched.page, `${gateway}/support/${demo.support_widget}`);
    await watched.page.getByTestId('composer').fill('What are your opening hours?');
    await watched.page.getByTestId('send').click();
    await watched.page.locator('[data-testid=message][data-role=ai][data-seq]').first().waitFor();
    assert.deepEqual(watched.uncaught(), [], 'no uncaught error and no policy violation');
  } catch (error) {
    await watched.shot('failure');
    error.message += `\n${await watched.report()}`;
    throw error;
  } finally {
    await watched.close();
  }
});

test('tokens handed in the address leave it on load, and the agent token is out of reach of a support page', { timeout: 120_000 }, async () => {
  const { gateway, demo } = stack.info;
  const desk = await watchedPage(browser, 'security-tokens', { timeout: STEP });
  let step = 'start';
  try {
    step = 'a customer token in the support page address';
    const customer = customerToken(demo.identity_secret, { sub: 'sam-3', name: 'Sam', email: 'sam@example.com' });
    const welcome = await welcomeAt(desk.page, `${gateway}/support/${demo.support_widget}?token=${encodeURIComponent(customer)}`);
    assert.equal(welcome.signed_in, true, 'the token signed the customer in');
    assert.ok(!desk.page.url().includes('token='), `the address still has the token: ${desk.page.url()}`);
    assert.equal(await desk.page.evaluate(() => location.search), '');

    step = 'an agent token in the console address';
    await desk.page.goto(`${gateway}/console?token=${encodeURIComponent(demo.agent_token)}`);
    await desk.page.getByTestId('agent-name').filter({ hasNotText: '…' }).waitFor();
    await desk.page.waitForFunction(() => !location.search.includes('token'));
    assert.ok(!desk.page.url().includes(demo.agent_token), 'the agent token left the address');
    const kept = await desk.page.evaluate((key) => ({ session: sessionStorage.getItem(key), local: localStorage.getItem(key) }), TOKEN_KEY);
    assert.deepEqual(kept, { session: demo.agent_token, local: null }, 'kept in this tab only');

    step = 'a support page opened beside the console, on the same origin';
    const other = await desk.page.context().newPage();
    await other.goto(`${gateway}/support/${demo.support_widget}`);
    const readable = await other.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
    assert.ok(!readable.includes(demo.agent_token), `the support page can read the agent token: ${readable}`);
    await other.close();

    step = 'an admin token in the admin console fragment';
    await desk.page.goto(`${gateway}/admin#tenant=${demo.tenant}&token=${demo.admin_token}`);
    await desk.page.getByTestId('tenant-name').filter({ hasText: /\S/ }).waitFor();
    assert.ok(!desk.page.url().includes(demo.admin_token), 'the admin token left the address');

    step = 'a sign-in return with the token in the fragment';
    await desk.page.goto(`${gateway}/support/${demo.support_widget}#switchboard_token=${encodeURIComponent(customer)}`);
    await desk.page.waitForFunction(() => !location.hash.includes('switchboard_token'));
    assert.ok(!desk.page.url().includes(customer), 'the returned token left the address');
    assert.deepEqual(desk.uncaught(), [], 'no uncaught error and no policy violation');
  } catch (error) {
    await desk.shot('failure');
    error.message += `\n(step: ${step})\n${await desk.report()}`;
    throw error;
  } finally {
    await desk.close();
  }
});

test('a site admin rotates the identity secret in the console; both secrets sign a customer in during the overlap', { timeout: 120_000 }, async () => {
  const { gateway, demo } = stack.info;
  const admin = await openConsole(browser, gateway, demo.tenant, demo.admin_token);
  const customer = await watchedPage(browser, 'security-rotation', { timeout: STEP });
  try {
    await admin.signIn();
    await visit(admin.page, 'settings', 'Site settings');
    await admin.page.getByTestId('identity-secret-overlap').selectOption('24h');
    await admin.page.getByTestId('rotate-identity-secret').click();
    await admin.page.getByTestId('confirm-ok').click();
    const secret = (await admin.page.getByTestId('identity-secret-value').innerText()).trim();
    assert.match(secret, /^sb_idsec_[0-9a-f]{64}$/);
    assert.notEqual(secret, demo.identity_secret);
    await admin.page.getByTestId('identity-secret-until').filter({ hasText: 'still accepted until' }).waitFor();
    await admin.shot('identity-secret-rotated');

    const page = `${gateway}/support/${demo.support_widget}`;
    for (const [which, key] of [['new', secret], ['replaced', demo.identity_secret]]) {
      const token = customerToken(key, { sub: `rotation-${which}`, name: 'Robin', email: 'robin@example.com' });
      const welcome = await welcomeAt(customer.page, `${page}?token=${encodeURIComponent(token)}`);
      assert.equal(welcome.signed_in, true, `the ${which} secret signs a customer in during the overlap`);
    }
    assert.deepEqual([...admin.errors, ...customer.uncaught()], [], 'no uncaught error and no policy violation');
  } catch (error) {
    await admin.shot('identity-secret-failure');
    error.message += `\n${await customer.report()}`;
    throw error;
  } finally {
    await admin.close();
    await customer.close();
  }
});
