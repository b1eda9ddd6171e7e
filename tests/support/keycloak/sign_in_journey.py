#!/usr/bin/env python3
"""The sign-in through the real oauth2-proxy and the real Keycloak, as a browser makes it but
without one (and without nginx): start at the gate, log in at Keycloak with the user's temporary
password, set a new one, come back through the callback, and pass /oauth2/auth with the session.

Called with a JSON file of settings; prints one JSON object and exits 0, or prints what went wrong
and exits 1. Modes (settings["mode"]):
  (none)    the whole journey, for oauth2_proxy_test.cpp: what the gate told nginx at each step;
  grafana   Grafana's own OIDC login and its role_attribute_path over the real tokens;
  session   a sign-in, for the edge harness: {"cookie": "name=value", "user": ..., "email": ...};
  login     only Keycloak's part from settings["login_url"]: {"redirect": where Keycloak sends the
            browser back to}, with the user's current password (no forced change).

Public URLs are what the browser sees (https://status.example.com, https://auth.example.com);
they are sent to the loopback servers with the Host and X-Forwarded-* headers nginx would set.
"""
import base64
import hashlib
import html
import json
import secrets
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from typing import Dict, Optional, Tuple


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class Browser:
    """Keeps cookies per public host, as a browser would (Secure cookies included: the public
    scheme is https)."""

    def __init__(self, routes: Dict[str, str]) -> None:
        self.routes = routes  # public host -> loopback base URL
        self.cookies: Dict[str, Dict[str, str]] = {}
        self.changed_password = False

    def request(self, url: str, form: Optional[Dict[str, str]] = None) -> Tuple[int, Dict[str, str], str]:
        public = urllib.parse.urlsplit(url)
        host = public.hostname or ""
        if host not in self.routes:
            raise RuntimeError(f"no route for {url}")
        target = self.routes[host] + public.path + (("?" + public.query) if public.query else "")
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(target, data=data, method="POST" if form is not None else "GET")
        request.add_header("Host", host)
        request.add_header("X-Forwarded-Host", host)
        request.add_header("X-Forwarded-Proto", "https")
        request.add_header("X-Forwarded-Port", "443")
        request.add_header("X-Forwarded-For", "127.0.0.1")
        request.add_header("X-Forwarded-Uri", public.path + (("?" + public.query) if public.query else ""))
        jar = self.cookies.setdefault(self.cookie_domain(host), {})
        if jar:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in jar.items()))
        try:
            response = OPENER.open(request, timeout=60)
            status, headers, body = response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read().decode()
        for line in headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(line)
            for name, morsel in cookie.items():
                domain = morsel["domain"].lstrip(".") or host
                target_jar = self.cookies.setdefault(self.cookie_domain(domain), {})
                if morsel["max-age"] == "0" or morsel.value == "":
                    target_jar.pop(name, None)
                else:
                    target_jar[name] = morsel.value
        return status, {k.lower(): v for k, v in headers.items()}, body

    @staticmethod
    def cookie_domain(host: str) -> str:
        # cairn's gate cookie is set for .example.com; Keycloak's for its own host.
        return "example.com" if host.endswith("example.com") and not host.startswith("auth.") else host


def follow_within(browser: Browser, answer: Tuple[int, Dict[str, str], str], host: str) -> Tuple[int, Dict[str, str], str]:
    """Follows redirects that stay on `host` (Keycloak's own steps between its pages)."""
    for _ in range(10):
        status, headers, _ = answer
        location = headers.get("location", "")
        if status not in (302, 303) or urllib.parse.urlsplit(location).hostname != host:
            return answer
        answer = browser.request(location)
    raise RuntimeError(f"more than 10 redirects on {host}")


def form_action(page: str) -> str:
    found = re.search(r'<form[^>]*action="([^"]+)"', page)
    if not found:
        raise RuntimeError("no form on the page: " + page[:400])
    return html.unescape(found.group(1))


def log_in(browser: Browser, settings: Dict[str, str], login_url: str, redirect_prefix: str) -> str:
    """Keycloak's login page, the user's password and, when Keycloak asks for it (a temporary
    password), the forced change to settings["new_password"]: the redirect Keycloak then sends the
    browser to (it must start with `redirect_prefix`). Sets browser.changed_password."""
    status, _, page = browser.request(login_url)
    if status != 200:
        raise RuntimeError(f"Keycloak's login page answered {status}")
    status, headers, page = follow_within(browser, browser.request(
        form_action(page), {"username": settings["username"], "password": settings["password"], "credentialId": ""}),
        settings["auth_host"])
    browser.changed_password = status == 200 and "password-new" in page
    if browser.changed_password:
        status, headers, _ = browser.request(
            form_action(page), {"password-new": settings["new_password"], "password-confirm": settings["new_password"]})
    redirect = headers.get("location", "")
    if status != 302 or not redirect.startswith(redirect_prefix):
        raise RuntimeError(f"after the password Keycloak answered {status} to {redirect}: {page[:400]}")
    return redirect


def claims(jwt: str) -> Dict[str, object]:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def grafana(settings: Dict[str, str]) -> int:
    """Grafana's own OIDC login as grafana.ini configures it (PKCE, its scopes and client), then
    its role_attribute_path over the real ID and access tokens, evaluated by JMESPath."""
    import jmespath  # Grafana's role_attribute_path language; python3-jmespath

    browser = Browser({settings["auth_host"]: settings["keycloak_url"]})
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect_uri = f"https://{settings['grafana_host']}/login/generic_oauth"
    query = urllib.parse.urlencode({"client_id": settings["client_id"], "redirect_uri": redirect_uri,
                                    "response_type": "code", "scope": settings["scopes"], "state": secrets.token_hex(8),
                                    "code_challenge": challenge, "code_challenge_method": "S256"})
    redirect = log_in(browser, settings, settings["auth_url"] + "?" + query, redirect_uri + "?")
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(redirect).query)["code"][0]
    form = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                                   "client_id": settings["client_id"], "client_secret": settings["client_secret"],
                                   "code_verifier": verifier}).encode()
    tokens = json.load(OPENER.open(urllib.request.Request(settings["token_url"], data=form), timeout=60))
    result = {}
    for kind in ("id_token", "access_token"):
        result[kind] = jmespath.search(settings["role_attribute_path"], claims(tokens[kind]))
    result["aud"] = claims(tokens["id_token"]).get("aud")
    print(json.dumps(result))
    return 0


def session(settings: Dict[str, str]) -> int:
    """Signs in at the gate and prints the session cookie and who the gate says it is for."""
    browser = Browser({settings["status_host"]: settings["proxy_url"], settings["auth_host"]: settings["keycloak_url"]})
    status, headers, _ = browser.request(f"https://{settings['status_host']}/oauth2/start?rd=%2F")
    if status != 302:
        raise RuntimeError(f"/oauth2/start answered {status}")
    callback = log_in(browser, settings, headers.get("location", ""), f"https://{settings['status_host']}/oauth2/callback?")
    status, _, body = browser.request(callback)
    if status != 302:
        raise RuntimeError(f"oauth2-proxy's callback answered {status}: {body[:400]}")
    name = settings["cookie_name"]
    value = browser.cookies.get(browser.cookie_domain(settings["status_host"]), {}).get(name)
    if not value:
        raise RuntimeError(f"the callback set no {name} cookie")
    status, _, body = browser.request(f"https://{settings['status_host']}/oauth2/userinfo")
    if status != 200:
        raise RuntimeError(f"/oauth2/userinfo answered {status}")
    info = json.loads(body)
    print(json.dumps({"cookie": f"{name}={value}", "user": info.get("user", ""), "email": info.get("email", "")}))
    return 0


def main() -> int:
    settings = json.load(open(sys.argv[1]))
    if settings.get("mode") == "grafana":
        return grafana(settings)
    if settings.get("mode") == "session":
        return session(settings)
    if settings.get("mode") == "login":
        browser = Browser({settings["auth_host"]: settings["keycloak_url"]})
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(settings["login_url"]).query)
        redirect_uri = query.get("redirect_uri", [""])[0]
        print(json.dumps({"redirect": log_in(browser, settings, settings["login_url"], redirect_uri + "?")}))
        return 0
    browser = Browser({settings["status_host"]: settings["proxy_url"], settings["auth_host"]: settings["keycloak_url"]})
    deep = f"https://{settings['status_host']}/a/b?x=1&y=2"
    steps = []

    status, headers, _ = browser.request(f"https://{settings['status_host']}/oauth2/auth")
    steps.append(("auth without a session", status))
    if status != 401:
        raise RuntimeError(f"/oauth2/auth without a session answered {status}, not 401")

    start = f"https://{settings['status_host']}/oauth2/start?rd=" + urllib.parse.quote(deep, safe="")
    status, headers, _ = browser.request(start)
    login_url = headers.get("location", "")
    steps.append(("start", status))
    if status != 302 or not login_url.startswith(f"https://{settings['auth_host']}/realms/{settings['realm']}/"):
        raise RuntimeError(f"/oauth2/start answered {status} to {login_url}")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(login_url).query)
    if query.get("code_challenge_method") != ["S256"] or query.get("client_id") != ["oauth2-proxy"]:
        raise RuntimeError(f"the authorization request lacks PKCE S256 or the client: {login_url}")

    callback = log_in(browser, settings, login_url, f"https://{settings['status_host']}/oauth2/callback?")
    if not browser.changed_password:
        raise RuntimeError("Keycloak did not ask to change the initial password")
    steps.append(("login and password change", 302))

    status, headers, body = browser.request(callback)
    back = headers.get("location", "")
    steps.append(("callback", status))
    if status != 302:
        raise RuntimeError(f"oauth2-proxy's callback answered {status}: {body[:400]}")

    status, headers, _ = browser.request(f"https://{settings['status_host']}/oauth2/auth")
    steps.append(("auth with the session", status))
    # A route's roles, as the edge asks for them (/oauth2/auth?allowed_groups=...).
    by_route = {}
    for groups in settings.get("route_groups", []):
        answer, _, _ = browser.request(f"https://{settings['status_host']}/oauth2/auth?allowed_groups={groups}")
        by_route[groups] = answer
    # Sign-out ends the gate's session and, through backend_logout_url, Keycloak's: the next
    # sign-in shows Keycloak's login form again instead of coming straight back.
    signed_out, _, _ = browser.request(f"https://{settings['status_host']}/oauth2/sign_out")
    after_sign_out, _, _ = browser.request(f"https://{settings['status_host']}/oauth2/auth")
    _, restart_headers, _ = browser.request(start)
    relogin_status, _, relogin_page = browser.request(restart_headers.get("location", ""))
    print(json.dumps({
        "sign_out": signed_out,
        "auth_after_sign_out": after_sign_out,
        "keycloak_asks_again": relogin_status == 200 and "password" in relogin_page and "<form" in relogin_page,
        "keycloak_after_sign_out": relogin_status,
        "route_auth": by_route,
        "back_to": back,
        "auth_status": status,
        "user": headers.get("x-auth-request-user", ""),
        "email": headers.get("x-auth-request-email", ""),
        "preferred_username": headers.get("x-auth-request-preferred-username", ""),
        "groups": headers.get("x-auth-request-groups", ""),
        "session_cookies": sorted(browser.cookies.get("example.com", {}).keys()),
        "steps": steps,
    }))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:  # the test shows this message
        print(f"sign-in journey failed: {error}")
        sys.exit(1)
