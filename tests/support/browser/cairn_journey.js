// What every browser journey of the tests shares: Debian's Chromium driven by playwright-core,
// every public host resolved to the edge's loopback port (settings.host_resolver_rules), the
// test's CA trusted through the NSS database under settings.home, a screenshot per step in
// settings.screenshots, and Keycloak's login form. A journey script calls run() with its steps;
// it prints one JSON object of what the steps saw (the test judges it) and exits 0, or prints
// {"failed": ...} with the page it stopped on and exits 1.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

function journey(settingsFile) {
  const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
  const seen = { steps: [] };
  let shot = 0;

  const url = (host, pathAndQuery = '/') => `https://${host}${pathAndQuery}`;

  async function screenshot(page, name) {
    shot += 1;
    const file = path.join(settings.screenshots, `${String(shot).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    seen.steps.push({ name, url: page.url(), screenshot: file });
  }

  // Where a navigation ended: the URL, the main response's status, and the page's text.
  async function visit(page, target) {
    const response = await page.goto(target, { waitUntil: 'load' });
    return { url: page.url(), status: response ? response.status() : 0, text: await page.innerText('body') };
  }

  // Keycloak's login form, the user's temporary password, then the forced change.
  async function logIn(page, user, label) {
    await page.waitForSelector('#username', { timeout: 30000 });
    const loginUrl = page.url();
    await screenshot(page, `${label}-keycloak-login`);
    await page.fill('#username', user.username);
    await page.fill('#password', user.password);
    await Promise.all([page.waitForNavigation(), page.click('#kc-login')]);
    const changeAsked = (await page.$('#password-new')) !== null;
    await screenshot(page, `${label}-password-change`);
    if (!changeAsked) throw new Error('Keycloak did not ask for a new password after the temporary one');
    await page.fill('#password-new', user.newPassword);
    await page.fill('#password-confirm', user.newPassword);
    await Promise.all([page.waitForNavigation(), page.click('input[type=submit], button[type=submit]')]);
    await page.waitForLoadState('load');
    return { loginUrl, changeAsked };
  }

  async function asksForPassword(page) {
    return (await page.$('#password')) !== null && new URL(page.url()).hostname === settings.hosts.auth;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function run(steps) {
    const browser = await chromium.launch({
      executablePath: settings.chromium,
      env: { ...process.env, HOME: settings.home },
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-sync',
        '--disable-background-networking', '--disable-component-update',
        `--host-resolver-rules=${settings.host_resolver_rules}`,
      ],
    });
    try {
      await steps(browser);
      console.log(JSON.stringify(seen));
    } catch (error) {
      let page = null;
      for (const context of browser.contexts()) for (const open of context.pages()) page = open;
      const failed = { failed: String((error && error.stack) || error), steps: seen.steps };
      if (page) {
        failed.url = page.url();
        failed.text = (await page.innerText('body').catch(() => '')).slice(0, 2000);
        failed.screenshot = path.join(settings.screenshots, 'failed.png');
        await page.screenshot({ path: failed.screenshot, fullPage: true }).catch(() => {});
      }
      console.log(JSON.stringify(failed));
      process.exitCode = 1;
    } finally {
      await browser.close();
    }
  }

  return { settings, seen, url, screenshot, visit, logIn, asksForPassword, sleep, run };
}

module.exports = { journey };
