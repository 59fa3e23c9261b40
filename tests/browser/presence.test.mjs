// Browser test of agent presence (SPEC.md §5): an agent with an offer on screen closes the console; once no console
// of hers has been connected for the presence grace, the offer moves to the other available agent, and when she
// opens the console again it shows her unavailable with a banner saying why. Short durations from the environment
// (a 2 s grace, a 500 ms refresh); the offer reaching the other agent is the event that says the grace ran out.
// Run from the repository root: SWITCHBOARD_BIN_DIR=$PWD/target/debug node --test tests/browser/presence.test.mjs
// Screenshots go to tests/browser/artifacts/ (also on failure).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { startStack } from './support/stack.mjs';
import { api, customerToken } from './support/api.mjs';
import { ARTIFACTS, launchChromium, watchedPage } from './support/pages.mjs';

const STEP = 15_000;

let stack;
let browser;

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  process.env.SWITCHBOARD_PRESENCE_GRACE = '2s';
  process.env.SWITCHBOARD_PRESENCE_REFRESH = '500ms';
  stack = await startStack({ timeoutMs: 90_000 });
  browser = await launchChromium();
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  await stack?.stop();
}, { timeout: 30_000 });

/** A space routed to by the demo experience with two agents, Alice and Bob, and a signed-in customer. */
async function setUp() {
  const { gateway, demo } = stack.info;
  const tenant = `/tenants/${demo.tenant}`;
  const space = await api(gateway, demo.admin_token, 'POST', `${tenant}/spaces`, { name: 'Returns', live_chat: true });
  const agent = (name) => api(gateway, demo.admin_token, 'POST', `${tenant}/agents`,
    { name, email: `${name.toLowerCase()}@example.com`, spaces: [space.id] });
  const [alice, bob] = [await agent('Alice'), await agent('Bob')];
  await api(gateway, demo.admin_token, 'PATCH', `${tenant}/experiences/${demo.experience}`,
    { support_mode: 'ai_and_team', routed_space: space.id });
  const customer = customerToken(demo.identity_secret, { sub: 'dana-1', name: 'Dana', email: 'dana@example.com' });
  return { space: space.id, alice: alice.token, bob: bob.token, customer };
}

/** Signs in to the console with `token`; returns the space's availability switch. */
async function signIn(page, token, space) {
  await page.goto(`${stack.info.gateway}/console`);
  await page.getByTestId('token-input').fill(token);
  await page.getByTestId('sign-in').click();
  const toggle = page.locator(`[data-testid=status-toggle][data-space="${space}"]`);
  await toggle.waitFor();
  return toggle;
}

async function becomeAvailable(page, space) {
  await (await signIn(page, ...space)).click();
  await page.locator(`[data-testid=status-toggle][data-space="${space[1]}"][data-status=available]`).waitFor();
}

test('an agent whose console stays closed for the grace loses the offer to another agent and is told why on return', { timeout: 120_000 }, async () => {
  const setup = await setUp();
  const pages = {
    alice: await watchedPage(browser, 'presence-alice', { timeout: STEP }),
    bob: await watchedPage(browser, 'presence-bob', { timeout: STEP }),
    customer: await watchedPage(browser, 'presence-customer', { timeout: STEP }),
  };
  let step = 'start';
  try {
    step = 'Alice becomes available';
    await becomeAvailable(pages.alice.page, [setup.alice, setup.space]);

    step = 'the customer asks for a person and Alice gets the offer';
    const widget = pages.customer.page;
    await widget.goto(`${stack.info.gateway}/support/${stack.info.demo.support_widget}?token=${encodeURIComponent(setup.customer)}`);
    await widget.getByTestId('composer').fill('My parcel never arrived');
    await widget.getByTestId('send').click();
    await widget.locator('[data-testid=message][data-role=ai][data-seq]').first().waitFor();
    await widget.getByTestId('talk-to-person').click();
    await widget.locator('[data-testid=notice][data-kind=queued]').waitFor();
    const offered = pages.alice.page.getByTestId('offer');
    await offered.waitFor();
    const conversation = await offered.getAttribute('data-conversation');

    step = 'Bob becomes available; the offer stays with Alice';
    await becomeAvailable(pages.bob.page, [setup.bob, setup.space]);

    step = 'Alice closes her console; after the grace the offer moves to Bob';
    await pages.alice.close();
    const moved = pages.bob.page.getByTestId('offer');
    await moved.waitFor();
    assert.equal(await moved.getAttribute('data-conversation'), conversation, 'the same conversation, now Bob\'s');
    await pages.bob.shot('offer-moved');

    step = 'Alice comes back: unavailable, with the reason on a banner';
    pages.alice = await watchedPage(browser, 'presence-alice-back', { timeout: STEP });
    const desk = pages.alice.page;
    const toggle = await signIn(desk, setup.alice, setup.space);
    const banner = desk.locator(`[data-testid=notice][data-kind=status][data-space="${setup.space}"]`);
    await banner.waitFor();
    assert.match(await banner.innerText(), /unavailable in Returns because no console of yours was connected/);
    assert.equal(await toggle.getAttribute('data-status'), 'unavailable');
    assert.equal(await desk.getByTestId('offer').count(), 0, 'the offer is no longer hers');
    await pages.alice.shot('back');

    step = 'the banner turns her back on';
    await banner.getByRole('button', { name: 'Become available' }).click();
    await desk.locator(`[data-testid=status-toggle][data-space="${setup.space}"][data-status=available]`).waitFor();
    await banner.waitFor({ state: 'detached' });

    const uncaught = Object.values(pages).flatMap((p) => p.uncaught());
    assert.deepEqual(uncaught, [], 'no page threw an uncaught error');
  } catch (error) {
    const reports = [];
    for (const [name, p] of Object.entries(pages)) {
      await p.shot('failed');
      reports.push(await p.report().catch((e) => `${name}: ${e.message}`));
    }
    error.message = `failed at "${step}": ${error.message}\n${reports.join('\n')}`
      + `\n--- stack output (without nats-server's info lines) ---\n`
      + `${stack.logs().split('\n').filter((line) => !line.includes('[INF]')).join('\n') || '(nothing)'}`;
    throw error;
  } finally {
    for (const p of Object.values(pages)) await p.close().catch(() => {});
  }
});
