// Browser test of credentials in the admin console (/admin, SPEC.md §10): a new agent token issued from the console
// makes the old one fail; and, where the gateway serves admin accounts (CONTRACT.md §2 …/admins), a site admin adds
// an experience admin who sees only their experience and is refused another one, and a reissued admin token makes
// the old one fail. Screenshots go to tests/browser/artifacts/admin/.
// Run from the repository root: SWITCHBOARD_BIN_DIR=$PWD/target/debug node --test tests/browser/admin*.test.mjs
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { startStack } from './support/stack.mjs';
import { api } from './support/api.mjs';
import { launchChromium } from './support/pages.mjs';
import { SHOTS, openConsole, visit } from './support/admin.mjs';

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

/** The HTTP status of a GET with `token`. */
async function statusOf(path, token) {
  const response = await fetch(`${stack.info.gateway}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  await response.body?.cancel();
  return response.status;
}

/** Clicks a reissue button, confirms, and returns the token the console then shows. */
async function reissue(page, button) {
  const before = (await page.getByTestId('token-value').count()) ? await page.getByTestId('token-value').innerText() : null;
  await button.click();
  await page.getByTestId('confirm-ok').click();
  const shown = page.getByTestId('token-value');
  await shown.waitFor();
  if (before) await page.waitForFunction((old) => document.querySelector('[data-testid=token-value]')?.textContent !== old, before);
  return shown.innerText();
}

test('issuing an agent a new sign-in token in the console makes the old one fail', { timeout: 120_000 }, async () => {
  const { gateway, demo } = stack.info;
  const tenant = `/tenants/${demo.tenant}`;
  const space = await api(gateway, demo.admin_token, 'POST', `${tenant}/spaces`, { name: 'Orders' });
  const rita = await api(gateway, demo.admin_token, 'POST', `${tenant}/agents`, { name: 'Rita', email: 'rita@example.com', spaces: [space.id] });
  const workItems = `${tenant}/work-items`;
  assert.equal(await statusOf(workItems, rita.token), 200);

  const admin = await openConsole(browser, gateway, demo.tenant, demo.admin_token);
  const { page, shot } = admin;
  try {
    await admin.signIn();
    await visit(page, 'agents', 'Agents');
    const fresh = await reissue(page, page.getByTestId('agent').filter({ hasText: 'Rita' }).getByTestId('reissue-agent-token'));
    assert.notEqual(fresh, rita.token);
    await shot('18-agent-token-reissued');
    assert.equal(await statusOf(workItems, rita.token), 401, 'the old token fails');
    assert.equal(await statusOf(workItems, fresh), 200, 'the new token works');
    assert.deepEqual(admin.errors, []);
  } catch (error) {
    await shot('failure-agent-token');
    throw error;
  } finally {
    await admin.close();
  }
});

test('a site admin adds an experience admin, who is refused another experience; a reissued admin token makes the old one fail', { timeout: 120_000 }, async (t) => {
  const { gateway, demo } = stack.info;
  const tenant = `/tenants/${demo.tenant}`;
  if (await statusOf(`${tenant}/admins`, demo.admin_token) === 404) {
    t.skip('this gateway does not serve admin accounts (GET …/admins) yet');
    return;
  }
  const demoExperience = await api(gateway, demo.admin_token, 'GET', `${tenant}/experiences/${demo.experience}`);
  const partner = await api(gateway, demo.admin_token, 'POST', `${tenant}/experiences`,
    { name: 'Partner help', support_mode: 'ai_agent', ai_agent: demoExperience.ai_agent });

  const site = await openConsole(browser, gateway, demo.tenant, demo.admin_token);
  let erin;
  try {
    await site.signIn();
    await visit(site.page, 'admins', 'Admins');
    await site.page.getByTestId('admin-name').fill('Erin');
    await site.page.getByTestId('admin-email').fill('erin@example.com');
    await site.page.getByTestId('role-experience-admin').check();
    await site.page.getByRole('checkbox', { name: 'Partner help' }).check();
    await site.page.getByTestId('add-admin').click();
    const token = await site.page.getByTestId('token-value').innerText();
    await site.page.getByTestId('admin').filter({ hasText: 'Erin' }).waitFor();
    await site.shot('19-admins');

    erin = await openConsole(browser, gateway, demo.tenant, token);
    await erin.signIn();
    await erin.page.locator('#page-title', { hasText: 'Customer experiences' }).waitFor();
    assert.equal(await erin.page.getByTestId('role').innerText(), 'Experience admin');
    assert.equal(await erin.page.getByTestId('nav-spaces').count(), 0, 'an experience admin sees no team pages');
    await erin.page.getByTestId('experience-row').filter({ hasText: 'Partner help' }).waitFor();
    await erin.page.evaluate((id) => { location.hash = `#/experiences/${id}`; }, demo.experience);
    await erin.page.locator('.note.error', { hasText: 'could not be loaded' }).waitFor();
    await erin.shot('20-experience-admin-refused');
    assert.equal(await statusOf(`${tenant}/experiences/${demo.experience}`, token), 403);
    assert.equal(await statusOf(`${tenant}/experiences/${partner.id}`, token), 200);

    const fresh = await reissue(site.page, site.page.getByTestId('admin').filter({ hasText: 'Erin' }).getByTestId('reissue-admin-token'));
    assert.equal(await statusOf(`${tenant}/experiences/${partner.id}`, token), 401, 'the old admin token fails');
    assert.equal(await statusOf(`${tenant}/experiences/${partner.id}`, fresh), 200);
    assert.deepEqual([...site.errors, ...erin.errors], []);
  } catch (error) {
    await site.shot('failure-admins');
    await erin?.shot('failure-experience-admin');
    throw error;
  } finally {
    await erin?.close();
    await site.close();
  }
});
