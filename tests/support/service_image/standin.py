#!/usr/bin/python3
# Stand-in for the HTTP services whose images cannot be obtained here (Keycloak, oauth2-proxy, Loki, Grafana, Airflow's components), implementing exactly this contract: listen where the real service listens (its listen flag or variable when the catalog sets one) and answer 200 on every path (health endpoints included; Loki's push API accepts any body with 204), except oauth2-proxy's auth_request contract: GET /oauth2/auth -> 401 without a session, /oauth2/start and /oauth2/sign_in -> 302 to the identity provider. Airflow's scheduler, DAG processor, triggerer and Celery worker also leave a job marker that `airflow jobs check` and `celery inspect ping` (the stand-ins beside this file) look for. Test image only; never shipped.
"""standin.py SERVICE [the real program's arguments]: serves the stand-in contract for SERVICE."""
import http.server
import os
import signal
import socketserver
import sys
import threading

PORTS = {
    "keycloak": [8080, 9000],
    "oauth2-proxy": [4180],
    "loki": [3100],
    "grafana": [3000],
    "airflow-apiserver": [8080],
    "airflow-scheduler": [8974],
    "airflow-worker": [8793],
    "airflow-triggerer": [8794],
    "airflow-dag-processor": [],
}

JOBS = {
    "airflow-scheduler": "SchedulerJob",
    "airflow-dag-processor": "DagProcessorJob",
    "airflow-triggerer": "TriggererJob",
    "airflow-worker": "CeleryWorker",
}

LISTEN_FLAGS = ("--http-address=",)


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
    """The address the real program would listen on: its flag, Grafana's variable, or its ports."""
    for arg in argv:
        for flag in LISTEN_FLAGS:
            if arg.startswith(flag):
                host, _, port = arg[len(flag):].rpartition(":")
                return [(host or "0.0.0.0", int(port))]
    host = os.environ.get("GF_SERVER_HTTP_ADDR", "0.0.0.0") if service == "grafana" else "0.0.0.0"
    return [(host, port) for port in PORTS.get(service, [8080])]


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: standin.py SERVICE [ARGUMENTS]")
    service = sys.argv[1]
    Handler.service = service
    servers = [Server(address, Handler) for address in listen_addresses(service, sys.argv[2:])]
    for server in servers:
        sys.stderr.write("standin %s listening on %s:%d\n" % ((service,) + server.server_address[:2]))
        threading.Thread(target=server.serve_forever, daemon=True).start()
    if service in JOBS:
        with open("/tmp/standin-job-" + JOBS[service], "w") as marker:
            marker.write(str(os.getpid()))
    sys.stderr.write("standin %s running\n" % service)
    # As a container's process 1 it gets no default signal actions: `docker stop` must work.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
