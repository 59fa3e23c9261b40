// Content-Security-Policy violations as browser tests see them: every page of a context reports each violation as a
// console error (Chromium also logs its own "Refused to …" line), and `watchPolicy` collects both, so a test that
// asserts no page error also asserts the pages kept to their policy. Not a test file.

/** Collects every CSP violation on `page` into `into` (strings). Call before the first navigation. */
export async function watchPolicy(page, into) {
  // Playwright's init scripts are not subject to the page's policy.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`
        + ` at ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
    }, true);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) into.push(`policy: ${m.text()}`);
  });
}
