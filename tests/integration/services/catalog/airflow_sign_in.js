// Signing in to the real Airflow in a real browser (tests/support/browser/cairn_journey.js):
// through the rendered nginx, the real oauth2-proxy gate and the real Keycloak, as each user of
// settings.users. For each: the Airflow page they land on, what Airflow's API answers them
// through the edge with their own session (reading a DAG, and pausing it, which a viewer may
// not), and for the first user what signing out of Airflow ends. Called by airflow_test.cpp.
'use strict';

const { journey } = require('cairn_journey');

const { settings, seen, url, screenshot, logIn, asksForPassword, run } = journey(process.argv[2]);
const airflowHost = settings.hosts.airflow;

// On Airflow's own pages (not the gate's, nor Keycloak's, nor FAB's login views), with the UI drawn.
async function waitForAirflowUi(page) {
  await page.waitForURL((where) => where.hostname === airflowHost && !where.pathname.startsWith('/auth/') &&
                                   !where.pathname.startsWith('/oauth2/'), { timeout: 90000 });
  await page.waitForFunction(() => document.body && document.body.innerText.includes('Dags'), null, { timeout: 90000 });
  await page.waitForLoadState('networkidle').catch(() => {});
}

// An API call from the page, with the browser's cookies and nothing else.
async function fromPage(page, method, apiPath, body) {
  return page.evaluate(async ({ method, apiPath, body }) => {
    const response = await fetch(apiPath, {
      method, credentials: 'same-origin',
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, text: (await response.text()).slice(0, 500) };
  }, { method, apiPath, body });
}

async function signIn(browser, role) {
  const user = settings.users[role];
  const context = await browser.newContext();
  const page = await context.newPage();
  const navigations = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) navigations.push(request.url());
  });
  await page.goto(url(airflowHost, '/'));
  const login = await logIn(page, user, role);
  await waitForAirflowUi(page);
  await screenshot(page, `${role}-in-airflow`);
  const dag = settings.dag;
  const result = {
    login_host: new URL(login.loginUrl).hostname,
    landed: page.url(),
    // Keycloak's authorization endpoint, once for the gate and once for Airflow: the password
    // was typed once (logIn), and Airflow's visit was answered from the same Keycloak session.
    keycloak_visits: navigations.filter((n) => new URL(n).hostname === settings.hosts.auth &&
                                              new URL(n).pathname.endsWith('/openid-connect/auth')).length,
    airflow_logins: navigations.filter((n) => n.startsWith(url(airflowHost, '/auth/oauth-authorized/'))).length,
    read: await fromPage(page, 'GET', `/api/v2/dags/${dag}`),
    pause: await fromPage(page, 'PATCH', `/api/v2/dags/${dag}?update_mask=is_paused`, { is_paused: true }),
    // Airflow's navigation shows the Security menu (users and roles) to Admin only.
    security_menu: (await page.getByText('Security', { exact: true }).count()) > 0,
    text: (await page.innerText('body')).slice(0, 400),
  };
  return { context, page, result };
}

async function airflowJourney(browser) {
  seen.users = {};
  let first = null;
  for (const role of settings.roles) {
    const signedIn = await signIn(browser, role);
    seen.users[role] = signedIn.result;
    if (first === null) first = signedIn;
    else await signedIn.context.close();
  }

  // Airflow's sign-out, as its UI's menu goes: the gate's session and Keycloak's end with it.
  const { page } = first;
  const before = await page.context().cookies(url(airflowHost, '/'));
  const token = before.find((cookie) => cookie.name === '_token');
  const chain = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) chain.push(request.url());
  });
  await page.goto(url(airflowHost, '/api/v2/auth/logout'));
  await page.waitForLoadState('load');
  await page.waitForSelector('#username', { timeout: 30000 }).catch(() => {});
  await screenshot(page, `${settings.roles[0]}-after-sign-out`);
  const cookies = await page.context().cookies(url(airflowHost, '/'));
  seen.sign_out = {
    chain,
    asks_for_password: await asksForPassword(page),
    gate_cookie_left: cookies.some((cookie) => cookie.name === settings.cookie_name),
    // Airflow's API token of the session that signed out (the test asks the API whether it still works).
    token_before: token ? token.value : null,
  };
  await first.context.close();
}

run(airflowJourney);
