// Browser test of the admin console's whole journey (SPEC.md §10, the seed's steps, then the live view): a new tenant's
// site admin sets up live chat only by clicking through the console; the embed snippet, copied with its button, goes
// into a page of another website (its own origin); a signed-in customer there chats with the AI and is handed to the
// agent, whose console is open and available. Before the agent accepts, the admin's live view shows the customer
// waiting and the agent's load; after, the admin opens the conversation and reads its routing decision record.
// Everything runs against the whole system started by the devstack launcher. Screenshots of every page go to
// tests/browser/artifacts/admin-journey/ (also on failure).
// Run from the repository root: SWITCHBOARD_BIN_DIR=$PWD/target/debug node --test tests/browser/admin-journey.test.mjs
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startStack } from './support/stack.mjs';
import { api, customerToken } from './support/api.mjs';
import { ARTIFACTS, agentAvailable, launchChromium, otherSite, watchedPage } from './support/pages.mjs';
import { addEmbedWidget, createAgent, createAiAgent, createSpace, fillExperience, openConsole, saveExperience,
  visit } from './support/admin.mjs';

const SHOTS = path.join(ARTIFACTS, 'admin-journey');
const STEP = 15_000; // each step crosses the bus and one or more services; generous for a loaded CI machine
const REFRESH_MS = 2_000; // the live view's refresh period (web/admin/live.js)

let stack;
let browser;

before(async () => {
  await mkdir(SHOTS, { recursive: true });
  stack = await startStack({ timeoutMs: 90_000 });
  browser = await launchChromium();
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  await stack?.stop();
}, { timeout: 30_000 });

/** The shop's page: the copied snippet, and the shop's own backend vouching for the signed-in customer. */
function shopPage(snippet, token) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Harbor Books</title></head>
<body><h1>Harbor Books</h1><p>Second-hand books by the sea. Questions? Chat with us.</p>
<script>
  window.Switchboard = window.Switchboard || function () { (window.Switchboard.q = window.Switchboard.q || []).push(arguments); };
  Switchboard('identify', ${JSON.stringify(token)});
</script>
${snippet}
</body></html>`;
}

test('a new site admin sets live chat up by clicks, watches a customer from another website wait for the agent in the live view, and reads the conversation\u2019s decision record', { timeout: 300_000 }, async () => {
  const { gateway, operator_token: operator } = stack.info;
  const tenant = await api(gateway, operator, 'POST', '/tenants', { name: 'Harbor Books', edition: 'premium' });
  let snippet = '';
  const identity = customerToken(tenant.identity_secret, { sub: 'casey-7', name: 'Casey Jones', email: 'casey@harbor.example' });
  const shop = await otherSite(() => shopPage(snippet, identity));
  assert.notEqual(shop.origin, gateway, 'the shop is another origin');
  const admin = await openConsole(browser, gateway, tenant.id, tenant.admin_token, { shots: SHOTS });
  const { page, shot } = admin;
  const desk = await watchedPage(browser, 'admin-journey/agent-console', { timeout: STEP });
  const customer = await watchedPage(browser, 'admin-journey/customer', { timeout: STEP });
  let liveCalls = 0;
  page.on('request', (r) => { if (/\/spaces\/[^/]+\/live$/.test(new URL(r.url()).pathname)) liveCalls += 1; });
  let step = 'the new site admin signs in';
  try {
    await shot('01-sign-in');
    await admin.signIn();
    await page.locator('#page-title', { hasText: 'Customer experiences' }).waitFor();
    assert.equal(await page.getByTestId('role').innerText(), 'Site admin');

    step = 'a space with live chat on, two agents and an AI agent';
    const space = await createSpace(page, 'Front desk');
    await shot('02-spaces');
    const aliceToken = await createAgent(page, { name: 'Alice Moreau', email: 'alice@harbor.example', spaces: ['Front desk'] });
    await createAgent(page, { name: 'Bruno Petit', email: 'bruno@harbor.example', spaces: ['Front desk'] });
    await shot('03-agents');
    const ai = await createAiAgent(page, { name: 'Harbor helper', entries: [
      ['When are you open?', 'Every day from 9:00 to 19:00, Sundays until 13:00.'],
      ['Do you buy books?', 'Yes: bring them to the shop and we make an offer on the spot.'],
    ] });
    await shot('04-ai-agent');

    step = 'an ai_and_team experience routed to the space, with a fallback of its own';
    const fallback = 'Nobody is free right now. Write to hello@harbor.example and we answer within a day.';
    await fillExperience(page, { name: 'Harbor chat', mode: 'ai_and_team', aiAgent: ai, fallback, space });
    const experience = await saveExperience(page, 'Harbor chat');
    const stored = await api(gateway, tenant.admin_token, 'GET', `/tenants/${tenant.id}/experiences/${experience}`);
    assert.deepEqual([stored.support_mode, stored.routed_space, stored.fallback_message], ['ai_and_team', space, fallback]);

    step = 'an embed widget for the shop\u2019s origin; its snippet copied and put into the shop\u2019s page';
    const widget = await addEmbedWidget(page, shop.origin);
    assert.ok(widget.snippet.includes(widget.id) && widget.snippet.includes(`${gateway}/widget.js`), widget.snippet);
    snippet = widget.snippet;
    await shot('05-experience-and-snippet');

    step = 'the agent opens the console and becomes available';
    await agentAvailable(desk.page, gateway, aliceToken, { name: 'Alice Moreau', space });
    await desk.shot('available');

    step = 'the customer on the shop\u2019s site chats with the AI';
    const chat = customer.page;
    await chat.goto(shop.origin);
    await chat.getByRole('button', { name: 'Open chat' }).click();
    await chat.getByTestId('composer').fill('When are you open?');
    await chat.getByTestId('send').click();
    await chat.locator('[data-testid=message][data-role=ai][data-seq]', { hasText: 'Every day from 9:00' }).waitFor();

    step = 'the customer asks for a person and waits';
    await chat.getByTestId('talk-to-person').click();
    await chat.locator('[data-testid=notice][data-kind=queued]').waitFor();
    await customer.shot('waiting');
    const offer = desk.page.getByTestId('offer');
    await offer.waitFor();
    assert.match(await offer.innerText(), /Casey Jones/);
    const conversation = await offer.getAttribute('data-conversation');
    await desk.shot('offer');

    step = 'before the accept, the live view shows the customer waiting, offered to Alice, and each agent\u2019s load';
    await visit(page, 'live', 'Live view');
    const row = page.locator(`[data-testid=waiting-row][data-conversation="${conversation}"]`);
    await row.waitFor();
    assert.equal(await row.getByTestId('waiting-position').innerText(), '1');
    assert.match(await row.innerText(), /Casey Jones/);
    assert.match(await row.innerText(), /casey@harbor\.example/);
    assert.match(await row.innerText(), /Harbor chat/);
    assert.match(await row.getByTestId('offered-to').innerText(), /Alice Moreau/);
    const agentRow = (name) => page.getByTestId('live-agent').filter({ hasText: name });
    await agentRow('Alice Moreau').filter({ hasText: '1 of 3' }).waitFor();
    assert.equal(await agentRow('Alice Moreau').getByTestId('agent-status').innerText(), 'Available');
    assert.equal(await agentRow('Bruno Petit').getByTestId('agent-status').innerText(), 'Unavailable');
    assert.equal(await agentRow('Bruno Petit').getByTestId('agent-load').innerText(), '0 of 3');
    // Alice's console is open; Bruno never opened one.
    assert.equal(await agentRow('Alice Moreau').getByTestId('agent-connected').innerText(), 'Connected');
    assert.equal(await agentRow('Bruno Petit').getByTestId('agent-connected').innerText(), 'Not connected');
    // The waiting time counts up on its own between refreshes.
    const waited = await row.getByTestId('waiting-for').elementHandle();
    const from = Number(await waited.getAttribute('data-seconds'));
    await page.waitForFunction(([el, n]) => Number(el.dataset.seconds) > n, [waited, from], { timeout: STEP });
    assert.match(await waited.innerText(), /^\d+:\d\d$/);
    await shot('06-live-view-waiting');

    step = 'a waiting conversation opens in the conversation view, and the live view stops refreshing';
    await row.getByTestId('waiting-open').click();
    const opened = page.getByTestId('conversation');
    await opened.locator('.transcript li', { hasText: 'When are you open?' }).waitFor();
    await opened.getByTestId('decision-outcome').filter({ hasText: 'Offered to Alice Moreau' }).waitFor();
    await shot('07-conversation-waiting');
    // Nothing announces that something did not happen: watch one refresh period and a half for a stray request.
    const calls = liveCalls;
    await page.waitForTimeout(REFRESH_MS * 1.5);
    assert.equal(liveCalls, calls, 'the live view stops asking once it is left');
    await page.goBack();
    await row.waitFor();

    step = 'the agent accepts in the console';
    await offer.getByTestId('accept').click();
    await desk.page.locator(`[data-testid=conversation][data-conversation="${conversation}"]`).waitFor();
    await chat.locator('[data-testid=notice][data-kind=agent_joined]').filter({ hasText: 'Alice Moreau' }).waitFor();
    await desk.shot('accepted');
    await customer.shot('accepted');

    step = 'the live view follows: nobody waits, Alice has the conversation';
    await row.waitFor({ state: 'detached' });
    await page.getByText('Nobody is waiting.').waitFor();
    await agentRow('Alice Moreau').filter({ hasText: '1 of 3' }).waitFor();
    await shot('08-live-view-after-accept');

    step = 'the admin opens the conversation and reads its decision record';
    await visit(page, 'conversations', 'Conversations');
    await page.locator(`[data-testid=conversation-row][data-conversation="${conversation}"] a`).click();
    await opened.locator('.facts', { hasText: 'Alice Moreau' }).waitFor();
    assert.match(await opened.locator('.facts').innerText(), /live/);
    const outcomes = await opened.getByTestId('decision-outcome').allInnerTexts();
    assert.deepEqual(outcomes, ['Offered to Alice Moreau'], 'one decision: Alice, the only one available');
    await shot('09-conversation-decision-record');

    assert.deepEqual([...admin.errors, ...desk.uncaught(), ...customer.uncaught()], [], 'no page threw an uncaught error');
  } catch (error) {
    await shot('failure');
    await desk.shot('failure');
    await customer.shot('failure');
    const died = stack.exited() ? `\nthe devstack exited: ${JSON.stringify(stack.exited())}` : '';
    error.message = `failed at "${step}": ${error.message}${died}\n--- admin page errors ---\n${admin.errors.join('\n') || '(none)'}`
      + `\n${await desk.report()}\n${await customer.report()}\n--- stack output (without nats-server's info lines) ---\n`
      + `${stack.logs().split('\n').filter((line) => !line.includes('[INF]')).join('\n') || '(nothing)'}`;
    throw error;
  } finally {
    await admin.close();
    await desk.close();
    await customer.close();
    await shop.close();
  }
});
