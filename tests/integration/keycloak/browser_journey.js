// The sign-in journey in a real browser through the rendered nginx, the real oauth2-proxy and the
// real Keycloak (tests/support/browser/cairn_journey.js: Chromium, the test's CA, screenshots).
// Called by browser_journey_test.cpp with a JSON file of settings.
'use strict';

const { journey } = require('cairn_journey');

const { settings, seen, url, screenshot, visit, logIn, asksForPassword, sleep, run } = journey(process.argv[2]);

// The echo upstream's answer (the request it received), or null when the page is something else.
function echoed(visited) {
  try {
    return JSON.parse(visited.text);
  } catch (error) {
    return null;
  }
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

async function signInJourney(browser) {
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

run(signInJourney);
