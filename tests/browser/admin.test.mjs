// Browser test of the admin console (/admin, SPEC.md §10): a site admin sets up live chat the way the seed article
// goes, only by clicking through the console, against the whole system started by the devstack launcher; and the
// API's refusals appear next to the field they name while nothing is saved. Every page is photographed to
// tests/browser/artifacts/admin/ (also on failure).
// Run from the repository root: SWITCHBOARD_BIN_DIR=$PWD/target/debug node --test tests/browser/admin*.test.mjs
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { startStack } from './support/stack.mjs';
import { api } from './support/api.mjs';
import { launchChromium } from './support/pages.mjs';
import { SHOTS, addEmbedWidget, createAgent, createAiAgent, createSpace, fillExperience, openConsole, saveExperience,
  visit } from './support/admin.mjs';

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

test('a site admin sets up live chat in the console: space, agent, AI agent, experience, an embed widget and the support website', { timeout: 180_000 }, async () => {
  const { gateway, demo } = stack.info;
  const tenant = `/tenants/${demo.tenant}`;
  const admin = await openConsole(browser, gateway, demo.tenant, demo.admin_token);
  const { page, shot } = admin;
  try {
    await shot('01-sign-in');
    await admin.signIn();
    await page.locator('#page-title', { hasText: 'Customer experiences' }).waitFor();
    assert.equal(await page.getByTestId('role').innerText(), 'Site admin');
    assert.ok(!page.url().includes(demo.admin_token), 'the token is not in the address');
    await shot('02-experiences');

    // A space with live chat on.
    const spaceId = await createSpace(page, 'Billing');
    const space = page.getByTestId('space').filter({ hasText: 'Billing' });
    assert.equal(await space.getByTestId('live-chat-toggle').getAttribute('aria-checked'), 'true');
    await shot('03-spaces');

    // An agent working there; the token is shown once.
    const agentToken = await createAgent(page, { name: 'Alice', email: 'alice@example.com', spaces: ['Billing'] });
    assert.match(agentToken, /\S{16,}/, 'the new agent\u2019s token is shown');
    await shot('04-agents');

    // A published AI agent with two knowledge entries.
    const entries = [['How do I reset my password?', 'Use \u201cForgot password\u201d on the sign-in page.'],
      ['When are you open?', 'Monday to Friday, 8:00\u201318:00.']];
    const aiId = await createAiAgent(page, { name: 'Helper', entries });
    assert.equal(await page.getByTestId('knowledge-entry').count(), 2);
    const ai = await api(gateway, demo.admin_token, 'GET', `${tenant}/ai-agents/${aiId}`);
    assert.deepEqual(ai.knowledge.map((k) => k.question), entries.map(([q]) => q));
    assert.equal(ai.published, true);
    await shot('05-ai-agent');

    // An ai_and_team experience: first without a routed space, which the API refuses next to the space field.
    const before = (await api(gateway, demo.admin_token, 'GET', `${tenant}/experiences`)).experiences.length;
    const fallback = 'Nobody is free right now. Write to help@shop.example and we answer within a day.';
    await fillExperience(page, { name: 'Shop support', mode: 'ai_and_team', aiAgent: aiId });
    // The greyed-out default is the server's own text, not a copy kept by the console.
    const defaults = await api(gateway, demo.admin_token, 'GET', `${tenant}/default-texts`);
    assert.equal(await page.getByTestId('experience-fallback').getAttribute('placeholder'), defaults.fallback_message);
    await page.getByTestId('experience-fallback').fill(fallback);
    await page.getByTestId('save-settings').click();
    const spaceError = page.getByTestId('error-routed_space');
    await spaceError.waitFor();
    assert.match(await spaceError.innerText(), /routed space/);
    assert.equal((await api(gateway, demo.admin_token, 'GET', `${tenant}/experiences`)).experiences.length, before,
      'a refused experience is not saved');
    await shot('06-experience-validation');

    await page.getByTestId('experience-space').selectOption(spaceId);
    const experienceId = await saveExperience(page, 'Shop support');
    const experience = await api(gateway, demo.admin_token, 'GET', `${tenant}/experiences/${experienceId}`);
    assert.equal(experience.support_mode, 'ai_and_team');
    assert.equal(experience.ai_agent, aiId);
    assert.equal(experience.routed_space, spaceId);
    assert.equal(experience.fallback_message, fallback);

    // An embed widget for a second origin and the shop's native app, and its snippet copied with the button.
    const widget = await addEmbedWidget(page, 'https://shop.example.com', 'com.example.shop');
    assert.ok(widget.snippet.includes(widget.id) && widget.snippet.includes(`${gateway}/widget.js`),
      `the snippet names the widget: ${widget.snippet}`);
    assert.match(await page.locator(`[data-testid=widget][data-id="${widget.id}"]`).getByTestId('widget-apps-shown').innerText(), /com\.example\.shop/);
    const stored = await api(gateway, demo.admin_token, 'GET', `${tenant}/experiences/${experienceId}/widgets/${widget.id}`);
    assert.deepEqual(stored.allowed_apps, ['com.example.shop']);
    // The support website that comes with the experience, and its link.
    await page.getByTestId('widget-kind-support_site').check();
    await page.getByTestId('add-widget').click();
    const site = page.locator('[data-testid=widget][data-kind=support_site]');
    await site.waitFor();
    const siteId = await site.getAttribute('data-id');
    assert.equal(await site.getByTestId('open-support-site').getAttribute('href'), `${gateway}/support/${siteId}`);
    await shot('07-experience');

    await visit(page, 'experiences', 'Customer experiences');
    await page.getByTestId('experience-row').filter({ hasText: 'Shop support' }).waitFor();
    await shot('08-experience-list');
    await visit(page, 'settings', 'Site settings');
    assert.equal(await page.getByTestId('maximum-conversations').inputValue(), '3');
    await shot('09-site-settings');
    await visit(page, 'admins', 'Admins');
    await shot('10-admins');
    await visit(page, 'live', 'Live view');
    await page.getByTestId('live-summary').filter({ hasText: 'waiting' }).waitFor();
    await shot('11-live-view');
    // A customer chats on the new support website; the conversation is then first in the list, and opens.
    const customer = await page.context().newPage();
    await customer.goto(`${gateway}/support/${siteId}`);
    await customer.getByTestId('composer').fill('What is your refund policy?');
    await customer.getByTestId('send').click();
    await customer.locator('[data-testid=message][data-role=ai][data-seq]').first().waitFor();
    await customer.close();
    await visit(page, 'conversations', 'Conversations');
    const row = page.getByTestId('conversation-row').first();
    await row.waitFor();
    assert.match(await row.innerText(), /Guest/, 'the list names the customer');
    await row.locator('a').click();
    await page.getByTestId('conversation').locator('.transcript li', { hasText: 'refund policy' }).waitFor();
    await shot('12-conversations');

    // Filters: the experience and today's date keep it; a state it is not in, or a later day, leave nothing; a range
    // that ends before it starts is refused next to its field.
    const list = page.getByTestId('conversation-list');
    const mine = list.locator(`[data-testid=conversation-row][data-conversation="${await row.getAttribute('data-conversation')}"]`);
    const rows = list.getByTestId('conversation-row');
    const day = (offset) => {
      const d = new Date();
      d.setDate(d.getDate() + offset);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    };
    await list.getByTestId('conversation-space').locator(`option[value="${spaceId}"]`).waitFor({ state: 'attached' });
    await list.getByTestId('conversation-experience').selectOption(experienceId);
    await list.getByTestId('conversation-from').fill(day(0));
    await list.getByTestId('conversation-to').fill(day(0));
    const listed = await api(gateway, demo.admin_token, 'GET', `${tenant}/conversations?experience=${experienceId}`);
    assert.deepEqual(listed.items.map((c) => c.experience), [experienceId], 'the one conversation of this experience');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=conversation-row]').length === 1);
    await mine.waitFor();
    await shot('12b-conversations-filtered');
    await list.getByTestId('conversation-state').selectOption('ended');
    await list.locator('.note', { hasText: 'No conversations match these filters' }).waitFor();
    assert.equal(await rows.count(), 0);
    await list.getByTestId('conversation-state').selectOption('');
    await mine.waitFor();
    await list.getByTestId('conversation-from').fill(day(1));
    await list.getByTestId('conversation-to').fill(day(2));
    await list.locator('.note', { hasText: 'No conversations match these filters' }).waitFor();
    await list.getByTestId('conversation-to').fill(day(-1));
    const untilError = list.getByTestId('error-until');
    await untilError.waitFor();
    assert.match(await untilError.innerText(), /must not be before/);
    await shot('12c-conversations-bad-range');
    assert.deepEqual(admin.errors, [], 'the console threw no uncaught errors');
  } catch (error) {
    await shot('failure');
    error.message += `\n--- page errors ---\n${admin.errors.join('\n') || '(none)'}\n--- stack output ---\n${stack.logs()}`;
    throw error;
  } finally {
    await admin.close();
  }
});

test('a wrong token is refused at sign-in; a standard-edition tenant is told beside the support mode that live chat needs another edition, and nothing is saved', { timeout: 120_000 }, async () => {
  const { gateway, operator_token: operator } = stack.info;
  const made = await api(gateway, operator, 'POST', '/tenants', { name: 'Corner shop', edition: 'standard' });
  const admin = await openConsole(browser, gateway, made.id, 'sb_admin_not-a-real-token');
  const { page, shot } = admin;
  try {
    await admin.signIn();
    await page.locator('#signin-error', { hasText: 'not accepted' }).waitFor();
    await page.getByTestId('signin-token').fill(made.admin_token);
    await admin.signIn();
    await page.locator('#page-title', { hasText: 'Customer experiences' }).waitFor();
    await page.getByTestId('new-experience').click();
    await page.getByTestId('experience-name').fill('Corner help');
    await page.getByTestId('mode-support_team').click();
    await page.getByTestId('save-settings').click();
    const modeError = page.getByTestId('error-support_mode');
    await modeError.waitFor();
    assert.match(await modeError.innerText(), /premium or enterprise/);
    assert.equal(await page.getByTestId('error-routed_space').isVisible(), false, 'the edition is the one complaint');
    const { experiences } = await api(gateway, made.admin_token, 'GET', `/tenants/${made.id}/experiences`);
    assert.equal(experiences.length, 0, 'nothing is saved');
    await shot('13-edition-required');
    assert.deepEqual(admin.errors, []);
  } catch (error) {
    await shot('failure-edition');
    error.message += `\n--- page errors ---\n${admin.errors.join('\n') || '(none)'}`;
    throw error;
  } finally {
    await admin.close();
  }
});

test('each rule the API enforces is shown next to the field it names, nothing is saved, deleting says what happens to conversations, and live chat and knowledge change in place', { timeout: 120_000 }, async () => {
  const { gateway, demo } = stack.info;
  const tenant = `/tenants/${demo.tenant}`;
  const call = (method, path, body) => api(gateway, demo.admin_token, method, `${tenant}${path}`, body);
  // An experience whose AI agent and space were fine when it was set up, and are not any more.
  const space = await call('POST', '/spaces', { name: 'Returns', live_chat: true });
  const bot = await call('POST', '/ai-agents', { name: 'Returns bot', published: true, knowledge: [{ question: 'Refund?', answer: 'Within 30 days.' }] });
  const experience = await call('POST', '/experiences', { name: 'Returns help', support_mode: 'ai_and_team', ai_agent: bot.id, routed_space: space.id });
  await call('PATCH', `/ai-agents/${bot.id}`, { published: false });
  await call('PATCH', `/spaces/${space.id}`, { live_chat: false });

  const admin = await openConsole(browser, gateway, demo.tenant, demo.admin_token);
  const { page, shot } = admin;
  const stored = () => call('GET', `/experiences/${experience.id}`);
  try {
    // A sign-in link: the token travels in the fragment and leaves the address bar at once.
    await page.goto(`${gateway}/admin#tenant=${demo.tenant}&token=${demo.admin_token}`);
    await page.locator('#page-title', { hasText: 'Customer experiences' }).waitFor();
    assert.ok(!page.url().includes('token'), `the address keeps no token: ${page.url()}`);
    await page.getByTestId('experience-row').filter({ hasText: 'Returns help' }).getByRole('link').click();
    await page.locator('#page-title', { hasText: 'Returns help' }).waitFor();

    await page.getByTestId('experience-fallback').fill('Write to returns@example.com.');
    await page.getByTestId('save-settings').click();
    const aiError = page.getByTestId('error-ai_agent');
    await aiError.waitFor();
    assert.match(await aiError.innerText(), /not published/);
    assert.equal((await stored()).fallback_message, null, 'the refused change is not saved');
    await shot('14-unpublished-ai-agent');

    await page.getByTestId('mode-support_team').click();
    await page.getByTestId('save-settings').click();
    const spaceError = page.getByTestId('error-routed_space');
    await spaceError.waitFor();
    assert.match(await spaceError.innerText(), /live chat is off/);
    assert.equal(await aiError.isVisible(), false, 'only the current complaint is shown');
    assert.equal((await stored()).support_mode, 'ai_and_team');
    await shot('15-space-without-live-chat');

    await page.getByTestId('add-widget').click();
    const originsError = page.getByTestId('error-allowed_origins');
    await originsError.waitFor();
    assert.match(await originsError.innerText(), /at least one origin/);
    assert.equal((await stored()).widgets.length, 0);

    await visit(page, 'settings', 'Site settings');
    await page.getByTestId('maximum-conversations').fill('25');
    await page.getByTestId('save-site-settings').click();
    const limitError = page.getByTestId('error-maximum_conversations');
    await limitError.waitFor();
    assert.match(await limitError.innerText(), /1 to 20/);
    assert.equal((await call('GET', '/chat-settings')).maximum_conversations, 3);
    await shot('16-conversation-limit');

    await visit(page, 'spaces', 'Spaces');
    await page.getByTestId('space').filter({ hasText: 'Returns' }).getByTestId('delete-space').click();
    const dialog = page.locator('#confirm');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /end with the fallback message and stay readable; work items stay/);
    await shot('17-delete-confirm');
    await page.getByTestId('confirm-cancel').click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await call('GET', `/spaces/${space.id}`)).live_chat, false, 'cancelling deletes nothing');

    // Live chat back on in the space; the AI agent's knowledge edited in place and published again.
    await page.getByTestId('space').filter({ hasText: 'Returns' }).getByTestId('live-chat-toggle').click();
    await page.locator(`[data-testid=live-chat-toggle][data-space="${space.id}"][aria-checked=true]`).waitFor();
    assert.equal((await call('GET', `/spaces/${space.id}`)).live_chat, true);
    await visit(page, 'ai-agents', 'AI agents');
    await page.getByTestId('ai-agent-row').filter({ hasText: 'Returns bot' }).getByRole('link').click();
    await page.locator('#page-title', { hasText: 'Returns bot' }).waitFor();
    await page.getByTestId('knowledge-add').click();
    await page.getByTestId('knowledge-question').nth(1).fill('Return label?');
    await page.getByTestId('knowledge-answer').nth(1).fill('Print it from your order page.');
    await page.getByTestId('knowledge-answer').nth(0).fill('Within 60 days.');
    await page.getByTestId('knowledge-remove').nth(0).click();
    await page.getByTestId('ai-published').check();
    await page.getByTestId('save-ai-agent').click();
    await page.locator('.toast', { hasText: 'AI agent saved' }).waitFor();
    const edited = await call('GET', `/ai-agents/${bot.id}`);
    assert.deepEqual(edited.knowledge, [{ question: 'Return label?', answer: 'Print it from your order page.' }]);
    assert.equal(edited.published, true);
    assert.deepEqual(admin.errors, []);
  } catch (error) {
    await shot('failure-rules');
    error.message += `\n--- page errors ---\n${admin.errors.join('\n') || '(none)'}`;
    throw error;
  } finally {
    await admin.close();
  }
});
