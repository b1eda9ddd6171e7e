// The sign-in journey in a real browser: Debian's Chromium, driven by playwright-core
// (tests/support/browser), through the rendered nginx, the real oauth2-proxy and the real
// Keycloak. Called by browser_journey_test.cpp with a JSON file of settings; every public host
// resolves to the edge's loopback port, and the browser trusts the test's CA through the NSS
// database under settings.home. Prints one JSON object of what each step saw (the test judges
// it) and exits 0; when a step cannot go on, prints {"failed": ...} with the page it stopped on
// and exits 1. Each step leaves a screenshot in settings.screenshots.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const settings = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const seen = { steps: [] };
let shot = 0;

function url(host, pathAndQuery = '/') {
  return `https://${host}${pathAndQuery}`;
}

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

// The echo upstream's answer (the request it received), or null when the page is something else.
function echoed(visited) {
  try {
    return JSON.parse(visited.text);
  } catch (error) {
    return null;
  }
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

// The gate's Set-Cookie answers the browser receives, counted per session cookie name.
function countRefreshes(page, counter) {
  page.on('response', async (response) => {
    for (const header of await response.headersArray()) {
      if (header.name.toLowerCase() === 'set-cookie' && header.value.startsWith(settings.cookie_name + '=')) {
        counter.count += 1;
        if (header.value.length > counter.largest) counter.largest = header.value.length;
      }
    }
  });
}

async function asksForPassword(page) {
  return (await page.$('#password')) !== null && new URL(page.url()).hostname === settings.hosts.auth;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function journey(browser) {
  const hosts = settings.hosts;
  const alice = settings.users.admin;
  const carol = settings.users.viewer;

  // 1. A deep URL with a query: Keycloak's login, the forced change, back on exactly that URL.
  const admin = await browser.newContext({ ignoreHTTPSErrors: false });
  const page = await admin.newPage();
  const refreshes = { count: 0, largest: 0 };
  countRefreshes(page, refreshes);
  const deep = url(hosts.status, '/a/b?x=1&y=2');
  await page.goto(deep);
  const login = await logIn(page, alice, 'admin');
  await screenshot(page, 'admin-back-on-the-deep-url');
  seen.deep = { asked: deep, login_host: new URL(login.loginUrl).hostname, change_asked: login.changeAsked,
                landed: page.url() };

  // 2. Role-gated routes, and an identity the browser makes up itself.
  await page.setExtraHTTPHeaders(settings.forged_headers);
  const apps = await visit(page, url(hosts.apps, '/x/y?z=1'));
  await screenshot(page, 'admin-on-an-app');
  seen.admin_app = { status: apps.status, url: apps.url, upstream: echoed(apps) };
  const ops = await visit(page, url(hosts.ops, '/'));
  await screenshot(page, 'admin-on-the-admin-route');
  seen.admin_ops = { status: ops.status, upstream: echoed(ops) };
  const open = await visit(page, url(hosts.open, '/'));
  seen.admin_open = { status: open.status, upstream: echoed(open) };
  await page.setExtraHTTPHeaders({});

  // 3. The session survives several refreshes of the gate's cookie.
  refreshes.count = 0;
  seen.refresh_rounds = [];
  for (let round = 0; round < settings.refresh_rounds; round++) {
    await sleep((settings.cookie_refresh_seconds + 1) * 1000);
    const again = await visit(page, url(hosts.apps, `/round/${round}`));
    const upstream = echoed(again);
    seen.refresh_rounds.push({ status: again.status, host: new URL(again.url).hostname,
                               user: upstream ? upstream.headers['x-auth-request-preferred-username'] : null });
  }
  await screenshot(page, 'admin-after-the-refreshes');
  seen.refreshes = { ...refreshes };

  // Sign-out ends the gate's session and Keycloak's: the next page asks for the password again.
  const signOut = await visit(page, url(hosts.apps, '/oauth2/sign_out'));
  seen.sign_out = { status: signOut.status, url: signOut.url };
  await page.goto(url(hosts.apps, '/after-sign-out'));
  await page.waitForLoadState('load');
  await screenshot(page, 'admin-after-sign-out');
  seen.after_sign_out = { url: page.url(), asks_for_password: await asksForPassword(page) };
  await admin.close();

  // A viewer on the admin route: the 403 page; then an app any signed-in user may open.
  const viewer = await browser.newContext();
  const viewerPage = await viewer.newPage();
  const opsAsked = url(hosts.ops, '/admin-only');
  const first = viewerPage.waitForResponse((response) => response.url() === opsAsked && response.request().isNavigationRequest()
                                           && response.status() !== 302, { timeout: 60000 });
  await viewerPage.goto(opsAsked);
  await logIn(viewerPage, carol, 'viewer');
  const refused = await first;
  await screenshot(viewerPage, 'viewer-refused');
  seen.viewer_ops = { status: refused.status(), url: viewerPage.url(), text: await viewerPage.innerText('body') };
  const viewerApps = await visit(viewerPage, url(hosts.apps, '/viewer'));
  seen.viewer_app = { status: viewerApps.status, upstream: echoed(viewerApps) };

  // Idle expiry: after the realm's idle timeout without a request, the old session is not let in.
  await sleep(settings.idle_wait_seconds * 1000);
  await viewerPage.goto(url(hosts.apps, '/after-idle'));
  await viewerPage.waitForLoadState('load');
  await screenshot(viewerPage, 'viewer-after-idle');
  seen.after_idle = { url: viewerPage.url(), asks_for_password: await asksForPassword(viewerPage) };
  await viewer.close();
}

(async () => {
  const browser = await chromium.launch({
    executablePath: settings.chromium,
    env: { ...process.env, HOME: settings.home },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-sync',
      '--disable-background-networking', '--disable-component-update',
      `--host-resolver-rules=${settings.host_resolver_rules}`,
    ],
  });
  let page = null;
  try {
    await journey(browser);
    console.log(JSON.stringify(seen));
  } catch (error) {
    for (const context of browser.contexts()) for (const open of context.pages()) page = open;
    const failed = { failed: String(error && error.stack || error), steps: seen.steps };
    if (page) {
      failed.url = page.url();
      failed.text = (await page.innerText('body').catch(() => '')).slice(0, 2000);
      await page.screenshot({ path: path.join(settings.screenshots, 'failed.png'), fullPage: true }).catch(() => {});
      failed.screenshot = path.join(settings.screenshots, 'failed.png');
    }
    console.log(JSON.stringify(failed));
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
})();
