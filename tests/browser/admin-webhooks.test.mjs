// Browser test of the admin console's Webhooks pages (/admin#/webhooks, docs/webhooks.md): a site admin adds a
// webhook to an endpoint that keeps failing, sees the signing secret once, a customer's message makes deliveries
// that fail until the subscription is paused, the console shows the pause with its reason and the delivery log, and
// Resume sends the waiting deliveries once the endpoint works. The stack allows private targets and retries fast
// (SWITCHBOARD_WEBHOOK_* below). Screenshots go to tests/browser/artifacts/admin/.
// Run from the repository root: SWITCHBOARD_BIN_DIR=$PWD/target/debug node --test tests/browser/admin-webhooks.test.mjs
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdir } from 'node:fs/promises';
import { startStack } from './support/stack.mjs';
import { launchChromium } from './support/pages.mjs';
import { SHOTS, openConsole, visit } from './support/admin.mjs';

let stack;
let browser;
let endpoint;
const received = [];
let answer = 500;

before(async () => {
  await mkdir(SHOTS, { recursive: true });
  Object.assign(process.env, {
    SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: '1',
    SWITCHBOARD_WEBHOOK_PAUSE_AFTER: '2',
    SWITCHBOARD_WEBHOOK_RETRY_FIRST: '100ms',
    SWITCHBOARD_WEBHOOK_RETRY_MAX: '200ms',
    SWITCHBOARD_WEBHOOK_POLL_INTERVAL: '100ms',
  });
  endpoint = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      received.push({ id: request.headers['webhook-id'], status: answer, body: JSON.parse(body) });
      response.writeHead(answer).end(answer === 500 ? 'not today' : '');
    });
  });
  await new Promise((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  stack = await startStack({ timeoutMs: 90_000 });
  browser = await launchChromium();
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  await stack?.stop();
  endpoint?.close();
}, { timeout: 30_000 });

test('a failing webhook is paused, shown with its reason and log, and resumed from the console', { timeout: 120_000 }, async () => {
  const { gateway, demo } = stack.info;
  const admin = await openConsole(browser, gateway, demo.tenant, demo.admin_token);
  const { page, shot } = admin;
  try {
    await admin.signIn();
    await visit(page, 'webhooks', 'Webhooks');
    await page.getByTestId('webhook-url').fill(`http://127.0.0.1:${endpoint.address().port}/hook`);
    await page.getByTestId('add-webhook').click();
    const secret = await page.getByTestId('webhook-secret').innerText();
    assert.match(secret, /^whsec_/);
    await shot('40-webhook-added');

    // A customer writes on the demo support page: message.created (and conversation.started) are sent.
    const customer = await browser.newPage();
    await customer.goto(`${gateway}/support/${demo.support_widget}`);
    await customer.getByTestId('composer').fill('hello webhooks');
    await customer.getByTestId('send').click();

    const row = page.getByTestId('webhook');
    // The list shows the status as it was when the page was loaded: reload until the pause shows.
    for (let i = 0; i < 60; i += 1) {
      if (await row.getByTestId('webhook-status').getAttribute('data-status') === 'paused') break;
      await page.waitForTimeout(250);
      await page.reload();
      await page.locator('#page-title', { hasText: 'Webhooks' }).waitFor();
    }
    assert.equal(await row.getByTestId('webhook-status').getAttribute('data-status'), 'paused');
    assert.match(await row.getByTestId('webhook-status').innerText(), /consecutive failed deliveries/);
    await shot('41-webhook-paused');
    const failed = received.length;
    assert.ok(failed >= 2 && received.every((r) => r.status === 500));

    await row.getByTestId('webhook-open').click();
    await page.getByTestId('deliveries').waitFor();
    assert.ok(await page.getByTestId('delivery').count() >= 1);
    assert.match(await page.getByTestId('deliveries').innerText(), /500 not today/);
    await shot('42-webhook-log');

    answer = 204;
    await page.getByTestId('resume-webhook').click();
    await page.getByTestId('webhook-status').and(page.locator('[data-status=active]')).waitFor();
    for (let i = 0; i < 100 && !received.some((r) => r.status === 204); i += 1) await page.waitForTimeout(100);
    const delivered = received.filter((r) => r.status === 204);
    assert.ok(delivered.length >= 1, 'the waiting deliveries go out after the resume');
    assert.ok(received.slice(0, failed).some((r) => r.id === delivered[0].id), 'under the id of the failed attempts');
    assert.deepEqual(admin.errors, []);
    await customer.close();
  } catch (error) {
    await shot('failure-webhooks');
    throw error;
  } finally {
    await admin.close();
  }
});
