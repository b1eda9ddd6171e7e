#!/usr/bin/python3
# Stand-in for the HTTP services whose images cannot be obtained here (Keycloak, oauth2-proxy, Loki, Grafana, Prometheus, Airflow), implementing exactly this contract: listen where the real service listens and answer 200 on every path (health endpoints included, Loki's push API accepts any body with 204), except oauth2-proxy's auth_request contract: GET /oauth2/auth -> 401 without a session, /oauth2/start and /oauth2/sign_in -> 302 to the identity provider. Used only by the boot-to-ready e2e test; never shipped.
"""Serves the stand-in contract for STANDIN_SERVICE; arguments of the real program are read only
for a listen address (Prometheus' --web.listen-address)."""
import http.server
import os
import socketserver
import sys
import threading

PORTS = {
    "keycloak": [8080, 9000],
    "oauth2-proxy": [4180],
    "loki": [3100],
    "grafana": [3000],
    "prometheus": [9090],
}


class Handler(http.server.BaseHTTPRequestHandler):
    service = ""

    def _answer(self, status, headers=(), body=b"ok\n"):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _route(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = self.path
        if self.service == "oauth2-proxy" and path.startswith("/oauth2/auth"):
            return self._answer(401, body=b"unauthorized\n")
        if self.service == "oauth2-proxy" and path.startswith(("/oauth2/start", "/oauth2/sign_in")):
            return self._answer(302, [("Location", "/realms/cairn/protocol/openid-connect/auth")])
        if self.service == "loki" and path.startswith("/loki/api/v1/push"):
            return self._answer(204, body=b"")
        return self._answer(200)

    do_GET = do_POST = do_HEAD = do_PUT = _route

    def log_message(self, fmt, *args):
        sys.stderr.write("standin %s: %s\n" % (self.service, fmt % args))


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def listen_addresses(service, argv):
    for arg in argv:
        if arg.startswith("--web.listen-address="):
            host, _, port = arg.split("=", 1)[1].rpartition(":")
            return [(host or "0.0.0.0", int(port))]
    return [("0.0.0.0", port) for port in PORTS.get(service, [8080])]


def main():
    service = os.environ.get("STANDIN_SERVICE", "")
    Handler.service = service
    servers = [Server(address, Handler) for address in listen_addresses(service, sys.argv[1:])]
    for server in servers:
        sys.stderr.write("standin %s listening on %s:%d\n" % ((service,) + server.server_address[:2]))
        threading.Thread(target=server.serve_forever, daemon=True).start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
