// The admin console (/admin) as browser tests drive it: a signed-in console in a fresh context that may use the
// clipboard, moving between its pages, and the setup steps (space, agent, AI agent, experience, embed widget) done
// by clicks. Screenshots go to tests/browser/artifacts/admin/. Not a test file.
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS } from './pages.mjs';
import { watchPolicy } from './policy.mjs';

export const SHOTS = path.join(ARTIFACTS, 'admin');
const STEP = 15_000;

/** A signed-in admin console in a fresh context, with `shot(name)` (into `shots`) and the page's uncaught errors;
 * `signIn()` submits the filled-in sign-in form. */
export async function openConsole(browser, gateway, tenant, token, { shots = SHOTS } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gateway });
  context.setDefaultTimeout(STEP);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Refusals (4xx) are expected here; what must never happen is the page breaking its own policy.
  await watchPolicy(page, errors);
  const shot = (name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true }).catch(() => {});
  await page.goto(`${gateway}/admin`);
  await page.getByTestId('signin-tenant').fill(tenant);
  await page.getByTestId('signin-token').fill(token);
  return { page, errors, shot, close: () => context.close(), signIn: () => page.getByTestId('signin-submit').click() };
}

/** Opens a console page by its navigation link and waits for its heading. */
export async function visit(page, nav, heading) {
  await page.getByTestId(`nav-${nav}`).click();
  await page.locator('#page-title', { hasText: heading }).waitFor();
}


/** The id at the end of the console's address (`#/experiences/{id}`). */
export const idInHash = (page) => decodeURIComponent(new URL(page.url()).hash.split('/').pop());

// Setting a tenant up by clicking through the console, one step per function, as the seed article goes. Each waits
// until the console shows the result, and leaves the page on it.

/** Creates a space (live chat on, the default) on the Spaces page; returns its id. */
export async function createSpace(page, name) {
  await visit(page, 'spaces', 'Spaces');
  await page.getByTestId('space-name').fill(name);
  await page.getByTestId('create-space').click();
  const row = page.getByTestId('space').filter({ hasText: name });
  await row.waitFor();
  return row.getAttribute('data-id');
}

/** Creates an agent working in the spaces named; returns the sign-in token the console shows once. */
export async function createAgent(page, { name, email, spaces }) {
  await visit(page, 'agents', 'Agents');
  await page.getByTestId('agent-name').fill(name);
  await page.getByTestId('agent-email').fill(email);
  for (const space of spaces) await page.getByRole('checkbox', { name: space }).check();
  await page.getByTestId('create-agent').click();
  const token = await page.getByTestId('token-value').innerText();
  await page.getByTestId('agent').filter({ hasText: name }).filter({ hasText: `Spaces: ${spaces.join(', ')}` }).waitFor();
  return token;
}

/** Creates a published AI agent with knowledge `entries` ([question, answer] pairs); returns its id. */
export async function createAiAgent(page, { name, entries }) {
  await visit(page, 'ai-agents', 'AI agents');
  await page.getByTestId('new-ai-agent').click();
  await page.getByTestId('ai-name').fill(name);
  await page.getByTestId('ai-published').check();
  for (const [i, [question, answer]] of entries.entries()) {
    await page.getByTestId('knowledge-add').click();
    await page.getByTestId('knowledge-question').nth(i).fill(question);
    await page.getByTestId('knowledge-answer').nth(i).fill(answer);
  }
  await page.getByTestId('save-ai-agent').click();
  await page.locator('#page-title', { hasText: name }).waitFor();
  return idInHash(page);
}

/** Fills a new experience's chat settings without saving: the routed space only when `space` (an id) is given. */
export async function fillExperience(page, { name, mode, aiAgent, fallback, space }) {
  await visit(page, 'experiences', 'Customer experiences');
  await page.getByTestId('new-experience').click();
  await page.getByTestId('experience-name').fill(name);
  await page.getByTestId(`mode-${mode}`).click();
  if (aiAgent) await page.getByTestId('experience-ai-agent').selectOption(aiAgent);
  if (fallback) await page.getByTestId('experience-fallback').fill(fallback);
  if (space) await page.getByTestId('experience-space').selectOption(space);
}

/** Saves the chat settings shown; returns the experience's id once its own page is open. */
export async function saveExperience(page, name) {
  await page.getByTestId('save-settings').click();
  await page.locator('#page-title', { hasText: name }).waitFor();
  return idInHash(page);
}

/**
 * On an experience's page: adds an embed widget allowed on `origin` (and the native `apps`, when given) and copies its snippet with the Copy button.
 * Returns `{ id, snippet }` (the snippet as read back from the clipboard) and asserts it is the one shown.
 */
export async function addEmbedWidget(page, origin, apps) {
  await page.getByTestId('widget-origins').fill(origin);
  if (apps) await page.getByTestId('widget-apps').fill(apps);
  await page.getByTestId('add-widget').click();
  const widget = page.locator('[data-testid=widget][data-kind=embed]');
  await widget.waitFor();
  const id = await widget.getAttribute('data-id');
  await widget.getByTestId('copy-snippet').click();
  await page.locator('.toast', { hasText: 'Snippet copied' }).waitFor();
  const snippet = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(snippet, await widget.getByTestId('snippet').innerText(), 'the copied snippet is the one shown');
  return { id, snippet };
}
