# Stand-in for Keycloak 26 (tests only, never shipped): implements exactly the Admin REST API subset that cairn's keycloak/ uses, with Keycloak's documented behaviour.
"""A small in-memory Keycloak for cairn's tests.

Implemented (prefix /admin/realms, every call needs a bearer token from the token endpoint):
  POST /realms/master/protocol/openid-connect/token   client_credentials for one service account;
                                                       tokens live --token-lifetime seconds (60)
  GET  /health/ready                                   Keycloak's readiness (management port)
  POST /admin/realms                 GET/PUT /admin/realms/{realm}
  GET/POST …/roles                   GET/PUT …/roles/{name}   (Location names the role, as Keycloak)
  GET/POST …/groups (?search=&exact=, ?briefRepresentation=false adds realmRoles)
  GET/POST …/groups/{id}/role-mappings/realm
  GET/POST …/clients (?clientId= → array)   GET/PUT …/clients/{id}   GET …/clients/{id}/client-secret
    (client representations carry the secret masked, "**********"; only …/client-secret tells it)
  GET/POST …/clients/{id}/protocol-mappers/models   PUT …/models/{id}
  GET/POST …/users (?username=&exact=true → array)   GET/PUT …/users/{id}
  GET …/users/{id}/groups   PUT/DELETE …/users/{id}/groups/{groupId}   PUT …/users/{id}/reset-password
Creations answer 201 with a Location header and an empty body, updates 204, duplicates 409 with
{"errorMessage": ...}, unknown objects 404, a missing or expired token 401. PUT updates only the
fields the body carries (Keycloak ignores null fields). State lives as long as the process.

Test controls (no token): GET /_standin/log, POST /_standin/log/clear, POST /_standin/expire-tokens,
POST /_standin/outage {"after_writes": N, "seconds": S, "mode": "refuse"|"503"}: the Nth write from
now is carried out, its connection is dropped unanswered, and then for S seconds the port refuses
connections ("refuse", a restart) or answers 503 ("503", still starting). GET /_standin/state.
"""

import argparse
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

LOCK = threading.RLock()


class State:
    def __init__(self, client_id, client_secret, token_lifetime):
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime = token_lifetime
        self.tokens = {}  # token -> monotonic expiry
        self.realms = {}  # name -> realm dict
        self.log = []
        self.outage = None  # {"after_writes", "seconds", "mode"}
        self.unavailable_until = 0.0
        self.server = None
        self.port = 0


class Reply(Exception):
    def __init__(self, status, body=None, location=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.location = location


class DropConnection(Exception):
    pass


def new_realm(rep):
    realm = dict(rep)
    realm.setdefault("id", str(uuid.uuid4()))
    realm.setdefault("enabled", True)
    realm.setdefault("sslRequired", "external")
    realm.setdefault("accessTokenLifespan", 300)
    roles = {}
    for name in ("default-roles-" + realm["realm"], "offline_access", "uma_authorization"):
        roles[name] = {"id": str(uuid.uuid4()), "name": name, "description": "", "composite": False,
                       "clientRole": False, "containerId": realm["id"]}
    return {"rep": realm, "roles": roles, "groups": {}, "clients": {}, "users": {}, "members": {}, "credentials": {}}


def merge(target, update):
    for key, value in update.items():
        if value is not None and key != "id":
            target[key] = value


def masked(client):
    return dict(client, secret="**********") if "secret" in client else client


def find(items, field, value):
    for item in items.values():
        if item.get(field) == value:
            return item
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    state = None
    delay = 0.0

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def handle_any(self, method):
        if self.delay:
            time.sleep(self.delay)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        parts = [unquote(p) for p in url.path.split("/") if p]
        status, body, location = 500, {"error": "internal"}, None
        try:
            with LOCK:
                if parts[:1] == ["_standin"]:
                    raise Reply(*self.control(method, parts[1:], raw))
                if time.monotonic() < self.state.unavailable_until:
                    raise Reply(503, {"error": "Keycloak is starting"})
                status, body, location = self.route(method, parts, query, raw)
                self.count_write(method, parts)
        except Reply as reply:
            status, body, location = reply.status, reply.body, reply.location
        except DropConnection:
            self.record(method, url, 0)
            self.close_connection = True
            return
        self.record(method, url, status)
        self.answer(status, body, location)

    def record(self, method, url, status):
        with LOCK:
            if not url.path.startswith("/_standin"):
                self.state.log.append({"method": method, "path": url.path + ("?" + url.query if url.query else ""),
                                       "status": status})

    def answer(self, status, body, location):
        payload = b"" if body is None else json.dumps(body, default=sorted).encode()
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def count_write(self, method, parts):
        outage = self.state.outage
        if method == "GET" or parts[:1] != ["admin"] or outage is None:
            return
        outage["after_writes"] -= 1
        if outage["after_writes"] > 0:
            return
        self.state.outage = None
        start_outage(self.state, outage["seconds"], outage["mode"])
        raise DropConnection()

    def control(self, method, parts, raw):
        if parts == ["log"] and method == "GET":
            return 200, self.state.log
        if parts == ["log", "clear"]:
            self.state.log = []
            return 204, None
        if parts == ["expire-tokens"]:
            self.state.tokens = {}
            return 204, None
        if parts == ["outage"]:
            self.state.outage = json.loads(raw)
            return 204, None
        if parts == ["state"]:
            return 200, self.state.realms
        return 404, {"error": "unknown control"}

    def json_body(self, raw):
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            raise Reply(400, {"error": "Unrecognized field or malformed JSON"})

    def route(self, method, parts, query, raw):
        if parts == ["health", "ready"]:
            return 200, {"status": "UP", "checks": []}, None
        if parts == ["realms", "master", "protocol", "openid-connect", "token"] and method == "POST":
            return self.token(raw)
        if parts[:2] != ["admin", "realms"]:
            raise Reply(404, {"error": "Unable to find matching target resource method"})
        self.authenticate()
        rest = parts[2:]
        if not rest:
            if method == "POST":
                return self.create_realm(self.json_body(raw))
            if method == "GET":
                return 200, [r["rep"] for r in self.state.realms.values()], None
        realm = self.state.realms.get(rest[0])
        if realm is None:
            raise Reply(404, {"error": "Realm not found."})
        base = "/admin/realms/" + rest[0]
        rest = rest[1:]
        body = self.json_body(raw)
        if not rest:
            if method == "GET":
                return 200, realm["rep"], None
            if method == "PUT":
                merge(realm["rep"], body)
                return 204, None, None
        kind = rest[0]
        if kind == "roles":
            return self.roles(method, realm, base, rest[1:], body)
        if kind == "groups":
            return self.groups(method, realm, base, rest[1:], query, body)
        if kind == "clients":
            return self.clients(method, realm, base, rest[1:], query, body)
        if kind == "users":
            return self.users(method, realm, base, rest[1:], query, body)
        raise Reply(404, {"error": "Unable to find matching target resource method"})

    def token(self, raw):
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if (form.get("grant_type") != "client_credentials" or form.get("client_id") != self.state.client_id
                or form.get("client_secret") != self.state.client_secret):
            raise Reply(401, {"error": "unauthorized_client",
                              "error_description": "Invalid client or Invalid client credentials"})
        token = uuid.uuid4().hex
        self.state.tokens[token] = time.monotonic() + self.state.token_lifetime
        return 200, {"access_token": token, "expires_in": self.state.token_lifetime, "token_type": "Bearer",
                     "refresh_expires_in": 0, "scope": "profile email"}, None

    def authenticate(self):
        header = self.headers.get("Authorization", "")
        token = header[len("Bearer "):] if header.startswith("Bearer ") else ""
        expiry = self.state.tokens.get(token)
        if expiry is None or time.monotonic() >= expiry:
            self.state.tokens.pop(token, None)
            raise Reply(401, {"error": "HTTP 401 Unauthorized"})

    def create_realm(self, rep):
        if not rep or not rep.get("realm"):
            raise Reply(400, {"errorMessage": "Realm name cannot be empty"})
        if rep["realm"] in self.state.realms:
            raise Reply(409, {"errorMessage": "Conflict detected. See logs for details"})
        self.state.realms[rep["realm"]] = new_realm(rep)
        return 201, None, "http://localhost/admin/realms/" + rep["realm"]

    def roles(self, method, realm, base, rest, body):
        roles = realm["roles"]
        if not rest:
            if method == "GET":
                return 200, list(roles.values()), None
            if method == "POST":
                if body["name"] in roles:
                    raise Reply(409, {"errorMessage": "Role with name " + body["name"] + " already exists"})
                role = {"id": str(uuid.uuid4()), "name": body["name"], "description": body.get("description", ""),
                        "composite": False, "clientRole": False, "containerId": realm["rep"]["id"]}
                roles[body["name"]] = role
                return 201, None, "http://localhost" + base + "/roles/" + body["name"]
        elif len(rest) == 1 and rest[0] in roles:
            if method == "GET":
                return 200, roles[rest[0]], None
            if method == "PUT":
                merge(roles[rest[0]], {k: v for k, v in body.items() if k != "name"})
                return 204, None, None
        raise Reply(404, {"error": "Could not find role"})

    def group_view(self, realm, group, brief):
        view = {"id": group["id"], "name": group["name"], "path": "/" + group["name"], "subGroupCount": 0,
                "subGroups": []}
        if not brief:
            view["realmRoles"] = [realm_role["name"] for realm_role in realm["roles"].values()
                                  if realm_role["id"] in group["roleIds"]]
            view["attributes"] = {}
        return view

    def groups(self, method, realm, base, rest, query, body):
        groups = realm["groups"]
        if not rest:
            if method == "GET":
                brief = query.get("briefRepresentation", "true") != "false"
                found = list(groups.values())
                if "search" in query:
                    term = query["search"]
                    exact = query.get("exact") == "true"
                    found = [g for g in found if (g["name"] == term if exact else term.lower() in g["name"].lower())]
                return 200, [self.group_view(realm, g, brief) for g in found], None
            if method == "POST":
                if find(groups, "name", body["name"]):
                    raise Reply(409, {"errorMessage": "Top level group named '" + body["name"] + "' already exists."})
                group = {"id": str(uuid.uuid4()), "name": body["name"], "roleIds": set()}
                groups[group["id"]] = group
                return 201, None, "http://localhost" + base + "/groups/" + group["id"]
        group = groups.get(rest[0])
        if group is None:
            raise Reply(404, {"error": "Could not find group by id"})
        if rest[1:] == ["role-mappings", "realm"]:
            if method == "GET":
                return 200, [r for r in realm["roles"].values() if r["id"] in group["roleIds"]], None
            if method == "POST":
                for role in body:
                    if not find(realm["roles"], "id", role.get("id")):
                        raise Reply(404, {"error": "Could not find role"})
                    group["roleIds"].add(role["id"])
                return 204, None, None
        if not rest[1:] and method == "GET":
            return 200, self.group_view(realm, group, False), None
        raise Reply(404, {"error": "Unable to find matching target resource method"})

    def clients(self, method, realm, base, rest, query, body):
        clients = realm["clients"]
        if not rest:
            if method == "GET":
                found = list(clients.values())
                if "clientId" in query:
                    found = [c for c in found if c["clientId"] == query["clientId"]]
                return 200, [masked(c) for c in found], None
            if method == "POST":
                if find(clients, "clientId", body["clientId"]):
                    raise Reply(409, {"errorMessage": "Client " + body["clientId"] + " already exists"})
                client = dict(body)
                client["id"] = str(uuid.uuid4())
                client.setdefault("defaultClientScopes", ["acr", "basic", "email", "profile", "roles", "web-origins"])
                client.setdefault("attributes", {})
                client["attributes"].setdefault("backchannel.logout.session.required", "true")
                client["protocolMappers"] = [dict(m, id=str(uuid.uuid4())) for m in body.get("protocolMappers", [])]
                clients[client["id"]] = client
                return 201, None, "http://localhost" + base + "/clients/" + client["id"]
        client = clients.get(rest[0])
        if client is None:
            raise Reply(404, {"error": "Could not find client"})
        if rest[1:] == ["client-secret"] and method == "GET":
            return 200, {"type": "secret", "value": client.get("secret", "")}, None
        if not rest[1:]:
            if method == "GET":
                return 200, masked(client), None
            if method == "PUT":
                update = {k: v for k, v in body.items()
                          if k not in ("protocolMappers", "defaultClientScopes") and v != "**********"}
                attributes = update.pop("attributes", None) or {}
                merge(client, update)
                client["attributes"].update(attributes)
                return 204, None, None
        if rest[1:] == ["protocol-mappers", "models"]:
            if method == "GET":
                return 200, client["protocolMappers"], None
            if method == "POST":
                if any(m["name"] == body["name"] for m in client["protocolMappers"]):
                    raise Reply(409, {"errorMessage": "Protocol mapper exists with same name"})
                mapper = dict(body, id=str(uuid.uuid4()))
                client["protocolMappers"].append(mapper)
                return 201, None, "http://localhost" + base + "/clients/" + client["id"] + "/protocol-mappers/models/" + mapper["id"]
        if rest[1:3] == ["protocol-mappers", "models"] and len(rest) == 4 and method == "PUT":
            for mapper in client["protocolMappers"]:
                if mapper["id"] == rest[3]:
                    merge(mapper, body)
                    return 204, None, None
            raise Reply(404, {"error": "Model not found"})
        raise Reply(404, {"error": "Unable to find matching target resource method"})

    def users(self, method, realm, base, rest, query, body):
        users = realm["users"]
        if not rest:
            if method == "GET":
                found = list(users.values())
                if "username" in query:
                    term = query["username"].lower()
                    exact = query.get("exact") == "true"
                    found = [u for u in found if (u["username"] == term if exact else term in u["username"])]
                return 200, found, None
            if method == "POST":
                username = body.get("username", "").lower()
                if not username:
                    raise Reply(400, {"errorMessage": "User name is missing"})
                if find(users, "username", username):
                    raise Reply(409, {"errorMessage": "User exists with same username"})
                if body.get("email") and find(users, "email", body["email"].lower()):
                    raise Reply(409, {"errorMessage": "User exists with same email"})
                user = {k: v for k, v in body.items() if k not in ("credentials", "groups")}
                user.update({"id": str(uuid.uuid4()), "username": username, "createdTimestamp": int(time.time() * 1000),
                             "totp": False, "requiredActions": []})
                if user.get("email"):
                    user["email"] = user["email"].lower()
                for credential in body.get("credentials", []):
                    realm["credentials"][user["id"]] = credential
                    if credential.get("temporary"):
                        user["requiredActions"] = ["UPDATE_PASSWORD"]
                users[user["id"]] = user
                realm["members"][user["id"]] = set()
                return 201, None, "http://localhost" + base + "/users/" + user["id"]
        user = users.get(rest[0])
        if user is None:
            raise Reply(404, {"error": "User not found"})
        tail = rest[1:]
        if not tail:
            if method == "GET":
                return 200, user, None
            if method == "PUT":
                email = (body.get("email") or "").lower()
                other = find(users, "email", email) if email else None
                if other and other["id"] != user["id"]:
                    raise Reply(409, {"errorMessage": "User exists with same email"})
                merge(user, {k: v for k, v in body.items() if k not in ("username", "credentials", "groups")})
                return 204, None, None
        if tail == ["groups"] and method == "GET":
            members = realm["members"].setdefault(user["id"], set())
            return 200, [self.group_view(realm, realm["groups"][g], True) for g in sorted(members)], None
        if len(tail) == 2 and tail[0] == "groups" and method in ("PUT", "DELETE"):
            if tail[1] not in realm["groups"]:
                raise Reply(404, {"error": "Could not find group by id"})
            members = realm["members"].setdefault(user["id"], set())
            (members.add if method == "PUT" else members.discard)(tail[1])
            return 204, None, None
        if tail == ["reset-password"] and method == "PUT":
            if not body or body.get("type") != "password" or not body.get("value"):
                raise Reply(400, {"errorMessage": "Credential type must be password"})
            realm["credentials"][user["id"]] = body
            user["requiredActions"] = ["UPDATE_PASSWORD"] if body.get("temporary") else []
            return 204, None, None
        raise Reply(404, {"error": "Unable to find matching target resource method"})


def serve(state, port):
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    state.server = server
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def start_outage(state, seconds, mode):
    if mode == "503":
        state.unavailable_until = time.monotonic() + seconds
        return

    def restart():
        server = state.server
        server.shutdown()
        server.server_close()
        time.sleep(seconds)
        for _ in range(100):
            try:
                serve(state, state.port)
                return
            except OSError:
                time.sleep(0.05)

    threading.Thread(target=restart, daemon=True).start()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True, help="the chosen port is written here once listening")
    parser.add_argument("--client-id", default="cairn-admin")
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--token-lifetime", type=int, default=60)
    parser.add_argument("--delay-ms", type=float, default=0.0, help="answer every request this much later")
    args = parser.parse_args()
    state = State(args.client_id, args.client_secret, args.token_lifetime)
    Handler.state = state
    Handler.delay = args.delay_ms / 1000.0
    ThreadingHTTPServer.allow_reuse_address = True
    serve(state, args.port)
    with open(args.port_file + ".tmp", "w") as out:
        out.write(str(state.port))
    os.rename(args.port_file + ".tmp", args.port_file)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
