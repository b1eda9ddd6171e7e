# Stand-in for oauth2-proxy (reverse-proxy mode behind nginx auth_request, skip_provider_button = true), for tests only; it implements exactly this contract: GET /oauth2/auth answers 202 with X-Auth-Request-User/-Email/-Groups/-Preferred-Username for a known session cookie (403 when ?allowed_groups= names none of the user's groups) and 401 without one, plus the refreshed session's one Set-Cookie (same ticket, new expiry, as with the Redis session store cairn renders) for a session marked "refresh"; /oauth2/start and /oauth2/sign_in redirect to the identity provider with the page to return to (the rd query argument, else the X-Auth-Request-Redirect header, else /) in an opaque state; /oauth2/callback?code=&state= sets the session cookie for a known code and redirects to that page; /ping answers OK.
"""
Sessions come from a JSON file: {"<cookie value>": {"user": "...", "email": "...",
"preferred_username": "...", "groups": ["admin"], "refresh": false}}; the identity provider's
authorization code for a session is its cookie value. The cookie's name is --cookie-name
(oauth2-proxy's default _oauth2_proxy when not given). rd is read like oauth2-proxy reads it (a form value, so an
unencoded "&" ends it), and only a path or an https URL is accepted. The listening port is written to --port-file
once the socket is bound (pass --port 0 to let the kernel choose).

Reference, in oauth2-proxy/oauth2-proxy: docs/docs/configuration/integrations/nginx.md and
docs/docs/features/endpoints.md; how the edge uses the contract: docs/edge.md, "The SSO gate".
"""
import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sessions = {}
    cookie_name = "_oauth2_proxy"
    provider_url = "https://auth.invalid/realms/cairn/protocol/openid-connect/auth"

    def log_message(self, fmt, *args):  # quiet: tests assert on behaviour, not logs
        pass

    def ticket(self):
        for part in self.headers.get("Cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == self.cookie_name and value in self.sessions:
                return value
        return None

    def session(self):
        ticket = self.ticket()
        return self.sessions[ticket] if ticket else None

    @staticmethod
    def valid_redirect(page):
        return (page.startswith("/") and not page.startswith("//")) or page.startswith("https://")

    def redirect(self, rd):
        for candidate in (rd, self.headers.get("X-Auth-Request-Redirect", "")):
            if self.valid_redirect(candidate):
                return candidate
        return "/"

    def reply(self, status, headers=(), body=b""):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        rd = query.get("rd", [""])[0]
        if url.path == "/ping":
            self.reply(200, [("Content-Type", "text/plain")], b"OK")
        elif url.path == "/oauth2/auth":
            user = self.session()
            if user is None:
                self.reply(401)
                return
            allowed = [g for g in ",".join(query.get("allowed_groups", [])).split(",") if g]
            if allowed and not set(allowed) & set(user.get("groups", [])):
                self.reply(403)
                return
            headers = [
                ("X-Auth-Request-User", user.get("user", "")),
                ("X-Auth-Request-Email", user.get("email", "")),
                ("X-Auth-Request-Groups", ",".join(user.get("groups", []))),
                ("X-Auth-Request-Preferred-Username", user.get("preferred_username", "")),
            ]
            if user.get("refresh"):
                headers.append(("Set-Cookie", "%s=%s; Path=/; Max-Age=36000; HttpOnly; Secure; SameSite=Lax"
                                % (self.cookie_name, self.ticket())))
            self.reply(202, headers)
        elif url.path in ("/oauth2/start", "/oauth2/sign_in"):
            state = "nonce:" + self.redirect(rd)
            self.reply(302, [("Location", self.provider_url + "?response_type=code&state=" + quote(state, safe=""))])
        elif url.path == "/oauth2/callback":
            code = query.get("code", [""])[0]
            _, _, page = query.get("state", [""])[0].partition(":")
            if code not in self.sessions or not self.valid_redirect(page):
                self.reply(403)
                return
            self.reply(302, [("Location", page),
                             ("Set-Cookie", "%s=%s; Path=/; Secure; HttpOnly" % (self.cookie_name, code))])
        else:
            self.reply(404)

    do_HEAD = do_GET


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--sessions", required=True)
    parser.add_argument("--provider-url")
    parser.add_argument("--cookie-name", default="_oauth2_proxy")
    args = parser.parse_args()
    Handler.cookie_name = args.cookie_name
    with open(args.sessions) as f:
        Handler.sessions = json.load(f)
    if args.provider_url:
        Handler.provider_url = args.provider_url
    ThreadingHTTPServer.request_queue_size = 256  # the default 5 drops connections under load
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
