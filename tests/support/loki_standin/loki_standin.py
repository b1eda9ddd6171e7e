# Stand-in for Grafana Loki implementing exactly its push API contract (POST /loki/api/v1/push with a JSON body, gzip or deflate, 204/400/429/5xx answers, per-stream ordering window, duplicate dropping); for tests only, never shipped.
"""Loki push API stand-in.

Contract implemented (reference, in grafana/loki: docs/sources/reference/loki-http-api.md, pkg/loghttp/push,
pkg/validation/limits.go, pkg/distributor/distributor.go):
  * POST /loki/api/v1/push, Content-Type application/json, optional Content-Encoding gzip/deflate.
    Body {"streams":[{"stream":{label:value,...},"values":[["<ns>","<line>"(, {metadata})],...]}]}.
    Protobuf bodies are not implemented here and answer 415.
  * 204 on success. 400 when the body is malformed or entries fail validation (line too long,
    invalid labels, too old, too far in the future, too far behind the newest entry of the
    stream); valid entries of such a request are still ingested, as Loki does.
  * An exact duplicate (same stream, timestamp and line) is accepted and ignored.
  * Out-of-order entries are accepted within half of max_chunk_age (1 h) behind the newest
    entry of their stream; with --strict-order, any entry older than the newest is rejected
    ("entry out of order", the rule before Loki 2.4), so a shipper's ordering can be checked.
Test controls (not part of Loki):
  POST /standin/mode  body: ok | 429 | 500 | 503 | hang | garbage | ingest_hang (ingests the
                      push, then hangs instead of answering: a shipper killed then must send again)
  GET  /standin/stats JSON counters;   GET /ready answers "ready" like Loki.
  --reject-marker TEXT rejects entries whose line contains TEXT (400, reason "rejected").
  --record FILE appends each ingested entry as one JSON line [labels, "ns", line].
"""
import argparse
import gzip
import json
import os
import re
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
WINDOW_NS = 3600 * 10**9
MAX_AGE_NS = 7 * 24 * 3600 * 10**9
GRACE_NS = 600 * 10**9


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.mode = "ok"
        self.newest = {}
        self.seen = {}
        self.stats = {"requests": 0, "accepted_entries": 0, "rejected_entries": 0, "duplicates": 0,
                      "gzip_bodies": 0, "bad_requests": 0, "answered_error": 0}
        self.record = os.open(args.record, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644) if args.record else None


def validate_and_ingest(state, body):
    """Returns (errors, accepted); ingests valid entries."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        return ["malformed JSON: %s" % error], None
    if not isinstance(doc, dict) or not isinstance(doc.get("streams"), list):
        return ["body must be an object with a streams array"], None
    errors = []
    accepted = 0
    now = time.time_ns()
    out = []
    with state.lock:
        for stream in doc["streams"]:
            if not isinstance(stream, dict) or not isinstance(stream.get("stream"), dict) or not isinstance(stream.get("values"), list):
                errors.append("stream must have a stream object and a values array")
                continue
            labels = stream["stream"]
            if not labels:
                errors.append("error at least one label pair is required per stream")
                continue
            bad = [k for k, v in labels.items() if not LABEL_NAME.match(k) or not isinstance(v, str)]
            if bad or len(labels) > 15:
                errors.append("invalid labels %s" % bad)
                state.stats["rejected_entries"] += len(stream["values"])
                continue
            key = json.dumps(labels, sort_keys=True, separators=(",", ":"))
            seen = state.seen.setdefault(key, set())
            for value in stream["values"]:
                if not isinstance(value, list) or len(value) not in (2, 3) or not isinstance(value[0], str) \
                        or not isinstance(value[1], str) or not value[0].isdigit():
                    return ["malformed entry %r" % (value,)], None
                if len(value) == 3 and (not isinstance(value[2], dict) or not all(isinstance(v, str) for v in value[2].values())):
                    return ["malformed structured metadata %r" % (value[2],)], None
                ts = int(value[0])
                line = value[1]
                reason = None
                if len(line.encode("utf-8", "surrogatepass")) > state.args.max_line_size:
                    reason = "line_too_long: max size %d" % state.args.max_line_size
                elif state.args.reject_marker and state.args.reject_marker in line:
                    reason = "rejected by the stand-in's marker"
                elif ts < now - MAX_AGE_NS:
                    reason = "greater_than_max_sample_age: entry too old"
                elif ts > now + GRACE_NS:
                    reason = "too_far_in_future"
                fingerprint = (ts, line)
                if reason is None and fingerprint in seen:
                    state.stats["duplicates"] += 1
                    continue
                newest = state.newest.get(key)
                if reason is None and newest is not None:
                    if ts < newest - WINDOW_NS:
                        reason = "entry too far behind, oldest acceptable timestamp is %d" % (newest - WINDOW_NS)
                    elif state.args.strict_order and ts < newest:
                        reason = "entry out of order"
                if reason is not None:
                    errors.append("entry for stream '%s' with timestamp %d: %s" % (key, ts, reason))
                    state.stats["rejected_entries"] += 1
                    continue
                seen.add(fingerprint)
                if newest is None or ts > newest:
                    state.newest[key] = ts
                accepted += 1
                if state.record is not None:
                    out.append(json.dumps([labels, value[0], line], ensure_ascii=False))
        state.stats["accepted_entries"] += accepted
        if state.record is not None and out:
            data = ("\n".join(out) + "\n").encode("utf-8", "surrogatepass")
            while data:  # one write(2) in practice: a kill leaves whole lines
                data = data[os.write(state.record, data):]
    return errors, accepted


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def handle(self):
        # A client killed mid-request (the shipper's kill -9 tests) is not an error of the server.
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def answer(self, status, text="", content_type="text/plain; charset=utf-8"):
        data = text.encode("utf-8")
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data) if status != 204 else 0))
        self.end_headers()
        if status != 204:
            self.wfile.write(data)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        state = self.server.state
        if self.path == "/ready":
            self.answer(200, "ready\n")
        elif self.path == "/standin/stats":
            with state.lock:
                stats = dict(state.stats, mode=state.mode, streams=len(state.newest))
            self.answer(200, json.dumps(stats), "application/json")
        else:
            self.answer(404, "404 page not found\n")

    def do_POST(self):
        state = self.server.state
        body = self.read_body()
        if self.path == "/standin/mode":
            with state.lock:
                state.mode = body.decode().strip() or "ok"
            self.answer(200, "mode %s\n" % state.mode)
            return
        if self.path != "/loki/api/v1/push":
            self.answer(404, "404 page not found\n")
            return
        with state.lock:
            state.stats["requests"] += 1
            mode = state.mode
        while mode == "hang":
            time.sleep(0.05)
            with state.lock:
                mode = state.mode
        if mode == "garbage":
            self.wfile.write(b"\x00\x01 this is not HTTP at all\r\n\r\n")
            self.close_connection = True
            return
        if mode in ("429", "500", "503"):
            with state.lock:
                state.stats["answered_error"] += 1
            self.answer(int(mode), "Ingestion rate limit exceeded\n" if mode == "429" else "internal error\n")
            return
        content_type = self.headers.get("Content-Type", "")
        if not content_type.startswith("application/json"):
            self.answer(415, "the stand-in implements only JSON push bodies\n")
            return
        encoding = (self.headers.get("Content-Encoding") or "").lower()
        try:
            if encoding == "gzip":
                body = gzip.decompress(body)
                with state.lock:
                    state.stats["gzip_bodies"] += 1
            elif encoding == "deflate":
                body = zlib.decompress(body)
            elif encoding not in ("", "identity"):
                self.answer(415, "unsupported Content-Encoding %s\n" % encoding)
                return
        except (OSError, zlib.error, EOFError) as error:
            self.answer(400, "cannot decompress body: %s\n" % error)
            return
        errors, _ = validate_and_ingest(state, body)
        while mode == "ingest_hang":
            time.sleep(0.05)
            with state.lock:
                mode = state.mode
        if errors:
            with state.lock:
                state.stats["bad_requests"] += 1
            self.answer(400, "\n".join(errors[:20]) + "\n")
            return
        self.answer(204)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--record")
    parser.add_argument("--max-line-size", type=int, default=256 * 1024)
    parser.add_argument("--strict-order", action="store_true")
    parser.add_argument("--reject-marker", default="")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(args)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as out:
            out.write(str(server.server_address[1]))
        import os
        os.rename(args.port_file + ".tmp", args.port_file)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
