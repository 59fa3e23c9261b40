// The admin console (/admin) as browser tests drive it: a signed-in console in a fresh context that may use the
// clipboard, and moving between its pages. Screenshots go to tests/browser/artifacts/admin/. Not a test file.
import path from 'node:path';
import { ARTIFACTS } from './pages.mjs';

export const SHOTS = path.join(ARTIFACTS, 'admin');
const STEP = 15_000;

/** A signed-in admin console in a fresh context, with `shot(name)` and the page's uncaught errors;
 * `signIn()` submits the filled-in sign-in form. */
export async function openConsole(browser, gateway, tenant, token) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gateway });
  context.setDefaultTimeout(STEP);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Refusals (4xx) are expected here; what must never happen is the page breaking its own policy.
  page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text()); });
  const shot = (name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true }).catch(() => {});
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

