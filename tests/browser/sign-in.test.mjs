// Browser test of the support site's sign-in round trip (SPEC.md §4 and §11): an anonymous customer on the hosted
// support page asks for a person, is sent to the demo site's sign-in page (served by the devstack launcher, as a
// tenant's own website would), signs in there, and comes back signed in to the same thread, which is then queued.
// The token travels back in the URL fragment and is taken out of the address bar by the widget.
// Run from the repository root: SWITCHBOARD_BIN_DIR=$PWD/target/debug node --test tests/browser/
// Screenshots go to tests/browser/artifacts/ (also on failure).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { startStack } from './support/stack.mjs';
import { api } from './support/api.mjs';
import { ARTIFACTS, launchChromium, watchedPage } from './support/pages.mjs';

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

/** Server-confirmed bubbles of `role` inside `scope`, optionally only those containing `text`. */
function bubbles(scope, role, text) {
  const all = scope.locator(`[data-testid=message][data-role=${role}][data-seq]`);
  return text ? all.filter({ hasText: text }) : all;
}

test('an anonymous customer who asks for a person signs in on the site\'s page and comes back to the same thread, queued', { timeout: 150_000 }, async () => {
  const { gateway, demo } = stack.info;
  assert.match(demo.sign_in_url, /^http:\/\/127\.0\.0\.1:\d+\/sign-in$/, 'the demo experience has a sign-in page');
  const tenant = `/tenants/${demo.tenant}`;
  const experience = await api(gateway, demo.admin_token, 'GET', `${tenant}/experiences/${demo.experience}`);
  assert.equal(experience.sign_in_url, demo.sign_in_url, 'the experience names its sign-in page');

  // An available agent, so the handoff queues instead of meeting the fallback.
  const space = await api(gateway, demo.admin_token, 'POST', `${tenant}/spaces`, { name: 'Sign-in desk', live_chat: true });
  const agent = await api(gateway, demo.admin_token, 'POST', `${tenant}/agents`,
    { name: 'Robin', email: 'robin@example.com', spaces: [space.id] });
  await api(gateway, demo.admin_token, 'PATCH', `${tenant}/experiences/${demo.experience}`,
    { support_mode: 'ai_and_team', routed_space: space.id });

  const desk = await watchedPage(browser, 'sign-in-agent', { timeout: STEP });
  const customer = await watchedPage(browser, 'sign-in-customer', { timeout: STEP });
  let step = 'start';
  try {
    step = 'the agent becomes available';
    await desk.page.goto(`${gateway}/console`);
    await desk.page.getByTestId('token-input').fill(agent.token);
    await desk.page.getByTestId('sign-in').click();
    const toggle = desk.page.locator(`[data-testid=status-toggle][data-space="${space.id}"]`);
    await toggle.click();
    await desk.page.locator(`[data-testid=status-toggle][data-space="${space.id}"][data-status=available]`).waitFor();

    step = 'the anonymous customer chats with the AI';
    const widget = customer.page;
    const supportPage = `${gateway}/support/${demo.support_widget}`;
    await widget.goto(supportPage);
    const question = 'What is your refund policy?';
    await widget.getByTestId('composer').fill(question);
    await widget.getByTestId('send').click();
    await bubbles(widget, 'ai', '30 days').waitFor();

    step = 'asking for a person asks for sign-in first';
    await widget.getByTestId('talk-to-person').click();
    await widget.locator('[data-testid=notice][data-kind=sign_in_required]').waitFor();
    const signIn = widget.getByTestId('sign-in');
    await signIn.waitFor({ state: 'visible' });
    await customer.shot('sign-in-required');

    step = 'the widget sends the customer to the site\'s sign-in page with a return address';
    await signIn.click();
    await widget.waitForURL((url) => url.href.startsWith(demo.sign_in_url));
    const returnTo = new URL(widget.url()).searchParams.get('return_to');
    assert.equal(returnTo, supportPage, 'the sign-in page is told where to send the customer back');
    await widget.getByLabel('Name').fill('Jordan Lee');
    await widget.getByLabel('E-mail').fill('jordan@example.com');
    await customer.shot('site-sign-in-page');
    await widget.getByTestId('demo-sign-in').click();

    step = 'back on the support page, signed in, the token gone from the address bar';
    await widget.waitForURL((url) => url.href.startsWith(supportPage));
    await widget.waitForFunction(() => !location.hash.includes('switchboard_token'));
    assert.ok(!widget.url().includes('switchboard_token'), 'the token is not left in the address bar');

    step = 'the same thread continues and the handoff goes ahead';
    await bubbles(widget, 'customer', question).waitFor();
    await bubbles(widget, 'ai', '30 days').waitFor();
    await widget.locator('[data-testid=notice][data-kind=queued]').waitFor();
    assert.equal(await bubbles(widget, 'customer', question).count(), 1, 'the thread is the same, not a new one');
    await customer.shot('queued-after-sign-in');

    step = 'the agent is offered the conversation under the signed-in name';
    const offer = desk.page.getByTestId('offer');
    await offer.waitFor();
    assert.match(await offer.innerText(), /Jordan Lee/, 'the offer names the signed-in customer');
    assert.deepEqual([...customer.uncaught(), ...desk.uncaught()], [], 'no uncaught error, no policy violation');
  } catch (error) {
    await customer.shot('failure');
    await desk.shot('failure');
    error.message += `\n(step: ${step})\n${await customer.report()}\n${await desk.report()}\n${stack.logs()}`;
    throw error;
  } finally {
    await customer.close();
    await desk.close();
  }
});
