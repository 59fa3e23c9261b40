// Browser tests of the widget's languages (docs/widget.md, web/widget/locales/): the page's `locale` setting, else the
// browser's language, else English; every built-in text of the widget comes from the chosen catalogue. Against the
// whole system started by the devstack launcher and Debian's chromium.
// Run from the repository root: SWITCHBOARD_BIN_DIR=$PWD/target/debug node --test tests/browser/
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO, startStack } from './support/stack.mjs';
import { ARTIFACTS, launchChromium, watchedPage } from './support/pages.mjs';
import { heard, openEmbed, waitHeard } from './support/embed.mjs';

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

const catalogue = async (tag) => JSON.parse(await readFile(path.join(REPO, 'web/widget/locales', `${tag}.json`), 'utf8'));

/** The built-in texts on screen, open and after an exchange with the AI, as the customer meets them. */
async function textsShown(page) {
  const launcher = page.getByTestId('launcher');
  const closedLabel = await launcher.getAttribute('aria-label');
  await launcher.click();
  const composer = page.getByTestId('composer');
  await composer.waitFor({ state: 'visible' });
  const shown = {
    open_chat: closedLabel,
    close_chat: await launcher.getAttribute('aria-label'),
    greeting: await page.getByTestId('greeting').innerText(),
    composer_placeholder: await composer.getAttribute('placeholder'),
    send: await page.getByTestId('send').innerText(),
    lang: await page.locator('switchboard-widget .sb').getAttribute('lang'),
  };
  await composer.fill('What are your opening hours?');
  await page.getByTestId('send').click();
  const answer = page.locator('[data-testid=message][data-role=ai][data-seq]').first();
  await answer.waitFor();
  shown.end_chat = await page.getByTestId('end-chat').innerText();
  await page.getByTestId('end-chat').click();
  const ended = page.locator('[data-testid=notice][data-kind=ended]');
  await ended.waitFor();
  shown.ended = await ended.innerText();
  return shown;
}

/** What `textsShown` should find in the language `tag`. */
async function expected(tag) {
  const texts = await catalogue(tag);
  return {
    open_chat: texts.open_chat,
    close_chat: texts.close_chat,
    greeting: texts.greeting,
    composer_placeholder: texts.composer_placeholder,
    send: texts.send,
    lang: tag,
    end_chat: texts.end_chat,
    ended: texts.ended.replace('{reason}', texts.end_reason_customer_ended),
  };
}

async function inLanguage(name, { settings, locale }, expectTag) {
  const watched = await watchedPage(browser, name, { timeout: STEP, permissions: ['local-network-access'], locale });
  try {
    const { page } = watched;
    await openEmbed(page, stack.info.gateway, stack.info.demo.embed_widget, { settings });
    await waitHeard(page, 'ready');
    assert.deepEqual(await textsShown(page), await expected(expectTag));
    assert.deepEqual(watched.uncaught(), [], 'no uncaught error, no policy violation');
    await watched.shot('end');
  } catch (error) {
    await watched.shot('failure');
    error.message += `\n${await watched.report()}\nheard: ${JSON.stringify(await heard(watched.page).catch(() => []))}`;
    throw error;
  } finally {
    await watched.close();
  }
}

test('the page\u2019s locale setting chooses French over the browser\u2019s English', { timeout: 60_000 }, async () => {
  await inLanguage('widget-locale-setting-fr', { settings: { locale: 'fr' }, locale: 'en-US' }, 'fr');
});

test('without a setting the browser\u2019s language chooses German', { timeout: 60_000 }, async () => {
  await inLanguage('widget-locale-browser-de', { settings: {}, locale: 'de-DE' }, 'de');
});

test('a language the widget does not have falls back to the browser\u2019s, then to English', { timeout: 90_000 }, async () => {
  await inLanguage('widget-locale-unknown-setting', { settings: { locale: 'pt-BR' }, locale: 'fr-CA' }, 'fr');
  await inLanguage('widget-locale-fallback-en', { settings: { locale: 'xx' }, locale: 'ja-JP' }, 'en');
});
