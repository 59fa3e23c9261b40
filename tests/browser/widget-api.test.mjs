// Browser tests of the widget's JavaScript API (CONTRACT.md §5, docs/widget.md) on a page of another site: the queue
// stub, every command (boot, shutdown, update, identify, open, close, toggle, hideLauncher, prefill, unreadCount,
// on, off) and every event (ready, open, close, message, unread, ended, conversation:state), against the whole
// system started by the devstack launcher and Debian's chromium.
// Run from the repository root: SWITCHBOARD_BIN_DIR=$PWD/target/debug node --test tests/browser/
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { startStack } from './support/stack.mjs';
import { api, customerToken } from './support/api.mjs';
import { ARTIFACTS, agentAvailable, launchChromium, watchedPage } from './support/pages.mjs';
import { heard, openEmbed, sequence, submitText, waitHeard } from './support/embed.mjs';

const STEP = 15_000;
let stack;
let browser;

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  stack = await startStack({ timeoutMs: 90_000 });
  browser = await launchChromium();
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  await stack?.stop();
}, { timeout: 30_000 });

/** Runs `fn(page, watched)` on a fresh page; on failure adds what the page showed, logged and sent. */
async function onPage(name, fn, contextOptions = {}) {
  // A page fulfilled by page.route counts as public for chromium, which then blocks its socket to 127.0.0.1.
  const watched = await watchedPage(browser, name, { timeout: STEP, permissions: ['local-network-access'], ...contextOptions });
  try {
    await fn(watched.page, watched);
    assert.deepEqual(watched.uncaught(), [], 'no uncaught error, no policy violation');
    await watched.shot('end');
  } catch (error) {
    await watched.shot('failure');
    error.message += `\n${await watched.report()}\nheard: ${JSON.stringify(await heard(watched.page).catch(() => []))}\n${stack.logs()}`;
    throw error;
  } finally {
    await watched.close();
  }
}

const embed = (page, options) => openEmbed(page, stack.info.gateway, stack.info.demo.embed_widget, options);
const aiAnswer = (page, text) => page.locator('[data-testid=message][data-role=ai][data-seq]').filter({ hasText: text }).first();
const stored = (page) => page.evaluate(() => ({ ...localStorage, ...sessionStorage }));

test('calls made before the script loads wait in the queue and run in order once it does', { timeout: 60_000 }, async () => {
  await onPage('widget-queue', async (page) => {
    const calls = [['update', { name: 'Ana' }], ['open'], ['close'], ['update', { name: 42 }], ['open'], ['prefill', 'Where is my order?']];
    const { release } = await embed(page, { hold: true, calls });
    const before = await page.evaluate(() => ({ queued: window.Switchboard.q.length, loaded: !!window.Switchboard.loaded }));
    assert.deepEqual(before, { queued: 8 + calls.length, loaded: false }, 'the stub keeps every call (8 subscriptions and the calls)');
    release();
    await waitHeard(page, 'ready');
    assert.deepEqual(await sequence(page), ['open', 'close', 'open'], 'the queued calls ran in the order they were made');
    assert.equal(await page.getByTestId('composer').inputValue(), 'Where is my order?', 'prefill filled the composer');
    assert.match(await page.getByTestId('greeting').innerText(), /Ana/, 'update named the visitor, the bad update changed nothing');
    assert.equal(await page.evaluate(() => window.Switchboard.loaded), true, 'the script replaced the stub');
  });
});

test('open, close and toggle show and hide the panel and say so with open and close events', { timeout: 60_000 }, async () => {
  await onPage('widget-open-close', async (page) => {
    await embed(page);
    await waitHeard(page, 'ready');
    const composer = page.getByTestId('composer');
    assert.equal(await composer.isVisible(), false, 'the panel starts closed');
    await page.evaluate(() => Switchboard('open'));
    await composer.waitFor({ state: 'visible' });
    await page.evaluate(() => Switchboard('open')); // already open: no second event
    await page.evaluate(() => Switchboard('close'));
    await composer.waitFor({ state: 'hidden' });
    await page.evaluate(() => Switchboard('toggle'));
    await composer.waitFor({ state: 'visible' });
    await page.getByTestId('close-chat').click();
    await composer.waitFor({ state: 'hidden' });
    await page.getByTestId('launcher').click();
    await composer.waitFor({ state: 'visible' });
    await page.evaluate(() => Switchboard('toggle'));
    await composer.waitFor({ state: 'hidden' });
    assert.deepEqual(await sequence(page), ['open', 'close', 'open', 'close', 'open', 'close']);

    const off = await page.evaluate(() => {
      const seen = [];
      const fn = () => seen.push('open');
      Switchboard('on', 'open', fn);
      Switchboard('off', 'open', fn);
      Switchboard('open');
      return seen;
    });
    assert.deepEqual(off, [], 'off removed the handler');
  });
});

test('a hidden launcher leaves opening the chat to the site\u2019s own button', { timeout: 60_000 }, async () => {
  await onPage('widget-hidden-launcher', async (page) => {
    await embed(page, { settings: { hideLauncher: true } });
    await waitHeard(page, 'ready');
    const launcher = page.getByTestId('launcher');
    assert.equal(await launcher.isVisible(), false, 'the setting hides the launcher');
    await page.locator('#help').click(); // the site's button calls Switchboard('open')
    await page.getByTestId('composer').waitFor({ state: 'visible' });
    await page.getByTestId('close-chat').click();
    await page.getByTestId('composer').waitFor({ state: 'hidden' });
    await page.evaluate(() => Switchboard('hideLauncher', false));
    await launcher.waitFor({ state: 'visible' });
    await page.evaluate(() => Switchboard('hideLauncher', true));
    await launcher.waitFor({ state: 'hidden' });
    assert.deepEqual(await sequence(page), ['open', 'close']);
  });
});

test('a prefilled message waits for the customer; sending it brings message and conversation:state events, ending it ended', { timeout: 60_000 }, async () => {
  await onPage('widget-prefill-messages', async (page) => {
    await embed(page, { settings: { prefill: 'What are your opening hours?' } });
    await waitHeard(page, 'ready');
    await page.evaluate(() => Switchboard('open'));
    assert.equal(await page.getByTestId('composer').inputValue(), 'What are your opening hours?');
    assert.equal(await page.getByTestId('send').isEnabled(), true, 'the prefilled text can be sent as it is');
    assert.deepEqual(await heard(page, 'message'), [], 'nothing is sent until the customer sends it');
    await page.getByTestId('send').click();
    await aiAnswer(page, 'Monday to Friday').waitFor();
    await waitHeard(page, 'message', (m) => m.author.role === 'ai');
    const messages = await heard(page, 'message');
    assert.deepEqual(messages.map((m) => m.author.role).slice(0, 2), ['customer', 'ai'], 'the customer\u2019s own message, then the answer');
    assert.equal(messages[0].text, 'What are your opening hours?');
    const [first] = await heard(page, 'conversation:state');
    assert.equal(first.state, 'ai');
    assert.equal(first.conversation, messages[0].conversation, 'the state names the conversation');

    await page.getByTestId('end-chat').click();
    await waitHeard(page, 'ended');
    assert.deepEqual(await heard(page, 'ended'), ['customer_ended']);
    await waitHeard(page, 'conversation:state', (s) => s.state === 'ended');
    assert.deepEqual((await heard(page, 'conversation:state')).map((s) => s.state), ['ai', 'ended']);
    await page.evaluate(() => Switchboard('prefill', 'One more thing'));
    assert.equal(await page.getByTestId('composer').inputValue(), 'One more thing', 'the prefill command fills it too');
  });
});

test('the unread count grows while the panel is closed and goes back to 0 when it opens', { timeout: 60_000 }, async () => {
  await onPage('widget-unread', async (page) => {
    await embed(page);
    await waitHeard(page, 'ready');
    await submitText(page, 'How do I reset my password?'); // sent from the closed panel: the answer comes while closed
    await waitHeard(page, 'unread', (u) => u.count === 1);
    await submitText(page, 'What is your refund policy?');
    await waitHeard(page, 'unread', (u) => u.count === 2);
    assert.equal(await page.evaluate(() => Switchboard('unreadCount')), 2);
    assert.equal(await page.getByTestId('unread').innerText(), '2', 'the launcher shows the count');
    await page.getByTestId('launcher').click();
    await waitHeard(page, 'unread', (u) => u.count === 0);
    assert.equal(await page.evaluate(() => Switchboard('unreadCount')), 0);
    assert.equal(await page.getByTestId('unread').isVisible(), false);
    assert.deepEqual((await heard(page, 'unread')).map((u) => u.count), [1, 2, 0], 'the customer\u2019s own messages do not count');
  });
});

test('boot starts the widget, shutdown takes it away and forgets the customer, boot starts afresh', { timeout: 90_000 }, async () => {
  await onPage('widget-boot-shutdown', async (page) => {
    const sockets = [];
    page.on('websocket', (ws) => {
      const socket = { ws, sent: [] };
      ws.on('framesent', (f) => socket.sent.push(JSON.parse(f.payload)));
      sockets.push(socket);
    });
    const token = customerToken(stack.info.demo.identity_secret, { sub: 'ana-1', name: 'Ana', email: 'ana@example.com' });
    await embed(page, { settings: { autoBoot: false } });
    assert.equal(await page.locator('switchboard-widget').count(), 0, 'autoBoot: false waits for boot');
    await page.evaluate((t) => Switchboard('boot', { token: t, visitor: { name: 'Ana' } }), token);
    await waitHeard(page, 'ready', (r) => r.signed_in === true);
    await page.evaluate(() => Switchboard('open'));
    assert.match(await page.getByTestId('greeting').innerText(), /Ana/);
    await page.getByTestId('composer').fill('What is your refund policy?');
    await page.getByTestId('send').click();
    await aiAnswer(page, '30 days').waitFor();
    assert.ok(Object.keys(await stored(page)).some((k) => k.endsWith(':resume')), 'a resume token is stored');

    await page.evaluate(() => Switchboard('shutdown'));
    assert.equal(await page.locator('switchboard-widget').count(), 0, 'the widget left the page');
    assert.deepEqual(Object.keys(await stored(page)).filter((k) => k.startsWith('switchboard:')), [], 'nothing of the customer is stored');
    await Promise.all(sockets.map(({ ws }) => (ws.isClosed() ? null : ws.waitForEvent('close'))));
    assert.equal(await page.evaluate(() => Switchboard('unreadCount')), 0);
    assert.equal(sockets.length, 1);

    await page.evaluate(() => Switchboard('boot')); // the next visitor of this page, after the site's sign-out
    await waitHeard(page, 'ready', (r) => r.signed_in === false);
    await page.evaluate(() => Switchboard('open'));
    assert.doesNotMatch(await page.getByTestId('greeting').innerText(), /Ana/, 'the visitor is forgotten');
    assert.equal(await page.locator('[data-testid=message]').count(), 0, 'the old thread is gone');
    assert.equal(sockets.length, 2, 'the new boot opened a socket of its own');
    const [hello] = sockets[1].sent;
    assert.deepEqual(hello, { type: 'hello' }, 'the new socket says hello with neither a token nor a resume token');
  });
});

test('identify signs the customer in, before the script loads and after; a request for a person goes queued, then live', { timeout: 150_000 }, async () => {
  const { gateway, demo } = stack.info;
  const tenant = `/tenants/${demo.tenant}`;
  const space = await api(gateway, demo.admin_token, 'POST', `${tenant}/spaces`, { name: 'Widget desk', live_chat: true });
  const agent = await api(gateway, demo.admin_token, 'POST', `${tenant}/agents`, { name: 'Dana', email: 'dana@example.com', spaces: [space.id] });
  await api(gateway, demo.admin_token, 'PATCH', `${tenant}/experiences/${demo.experience}`, { support_mode: 'ai_and_team', routed_space: space.id });
  const token = (sub, name) => customerToken(demo.identity_secret, { sub, name, email: `${sub}@example.com` });

  await onPage('widget-identify-early', async (page) => {
    await embed(page, { calls: [['identify', token('casey-1', 'Casey')]] });
    await waitHeard(page, 'ready');
    assert.deepEqual(await heard(page, 'ready'), [{ signed_in: true, support_mode: 'ai_and_team' }], 'the queued token went in the hello');
  });

  const desk = await watchedPage(browser, 'widget-agent', { timeout: STEP });
  try {
    await agentAvailable(desk.page, gateway, agent.token, { name: 'Dana', space: space.id });
    await onPage('widget-identify-late', async (page) => {
      const signedIn = new Promise((resolve) => page.on('websocket', (ws) => ws.on('framereceived', (f) => {
        const frame = JSON.parse(f.payload);
        if (frame.type === 'welcome' && frame.signed_in === true) resolve(frame);
      })));
      await embed(page);
      await waitHeard(page, 'ready', (r) => r.signed_in === false);
      await page.evaluate((t) => Switchboard('identify', t), token('robin-1', 'Robin'));
      await Promise.race([signedIn, new Promise((_, reject) => setTimeout(() => reject(new Error('identify did not sign in')), STEP))]);

      await page.evaluate(() => Switchboard('open'));
      await page.getByTestId('composer').fill('How do I reset my password?');
      await page.getByTestId('send').click();
      await aiAnswer(page, 'Forgot password').waitFor();
      await page.getByTestId('talk-to-person').click();
      await waitHeard(page, 'conversation:state', (s) => s.state === 'queued');
      await desk.page.getByTestId('offer').waitFor();
      await desk.page.getByTestId('accept').click();
      await waitHeard(page, 'conversation:state', (s) => s.state === 'live');
      assert.deepEqual((await heard(page, 'conversation:state')).map((s) => s.state), ['ai', 'queued', 'live']);
    });
  } catch (error) {
    error.message += `\n${await desk.report()}`;
    throw error;
  } finally {
    await desk.close();
  }
});
