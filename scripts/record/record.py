#!/usr/bin/env python3
"""Records a real OpenStack's answers to the calls Ferry makes (run through scripts/record-fixtures).

Auth comes from clouds.yaml through openstacksdk/keystoneauth (openstack.connect); every recorded
call is a raw HTTP request on that session with an explicit microversion, so the files show
exactly what the cloud answers to exactly what was sent. One JSON file per exchange:
<out>/<service>/<scenario>--<step>.json, plus index.json (every file, its request line and
status) and cloud.json (versions of the cloud recorded from).

Secrets never reach the files: tokens (X-Auth-Token / X-Subject-Token and any token value that
shows up in a body), passwords, application-credential secrets, adminPass and audit_ids are
replaced by placeholders of the same kind; request ids in headers become
req-00000000-0000-0000-0000-000000000000. UUIDs, host names and timestamps stay (a test cloud's
are harmless, and tests need the links between files, e.g. a migration id from a list used in
a show).
"""
import argparse
import datetime as dt
import json
import os
import re
import sys
import time
import traceback
from pathlib import Path
from urllib.parse import quote

import openstack

REQ_ID_PLACEHOLDER = "req-00000000-0000-0000-0000-000000000000"
TOKEN_PLACEHOLDER = "SCRUBBED-TOKEN"
SECRET_PLACEHOLDER = "SCRUBBED"
MISSING_UUID = "00000000-0000-0000-0000-000000000000"
# Keys whose values are secrets wherever they appear (request or response bodies).
SECRET_KEYS = {"password", "secret", "adminPass", "admin_pass", "original_password"}
# Response headers worth keeping: what a client reads. Request ids are kept as a placeholder.
KEEP_HEADERS = {"content-type", "openstack-api-version", "x-openstack-nova-api-version", "vary",
                "location", "retry-after"}
REQ_ID_HEADERS = {"x-openstack-request-id", "x-compute-request-id"}

# Nova's major version(s) whose newest microversion is 2.N, for the default label (nova-34).
# From nova's rest_api_version_history.rst ("2.104 (Maximum in 2026.2 Hibiscus)" and so on) and
# the release numbering (Kilo = 11 ... Hibiscus = 34). Releases that share a maximum give a range
# ("nova-27-28"); a maximum not listed here (a newer Nova) gives "nova-mv2.N".
NOVA_RELEASE_BY_MAX = {
    3: "11", 12: "12", 25: "13", 38: "14", 42: "15", 53: "16", 60: "17", 65: "18", 72: "19",
    79: "20", 87: "21-22", 88: "23", 90: "24-25", 93: "26", 95: "27-28", 96: "29-30",
    100: "31-32", 103: "33", 104: "34",
}

log_t0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - log_t0:7.1f}s] {msg}", file=sys.stderr, flush=True)


def utcnow():
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Unexpected(Exception):
    """A call answered something the scenario cannot go on from."""


class Recorder:
    def __init__(self, out, only):
        self.out = out
        self.only = only
        self.secrets = set()  # token values and secrets seen: replaced wherever they appear
        self.index = []
        self.failures = []  # (scenario, what)
        self.scenario = None

    # ------------------------------------------------------------------ scrubbing
    def secret(self, value):
        if value and len(value) >= 8:
            self.secrets.add(value)
        return value

    def scrub(self, v, key=None):
        if isinstance(v, dict):
            return {k: self.scrub(x, k) for k, x in v.items()}
        if isinstance(v, list):
            if key == "audit_ids":
                return [f"SCRUBBED-AUDIT-ID-{i}" for i, _ in enumerate(v)]
            return [self.scrub(x) for x in v]
        if isinstance(v, str):
            if key in SECRET_KEYS:
                return SECRET_PLACEHOLDER
            for s in self.secrets:
                if s in v:
                    v = v.replace(s, TOKEN_PLACEHOLDER)
            return v
        return v

    # ------------------------------------------------------------------ files
    def start_scenario(self, name):
        self.scenario = name
        # A re-run replaces this scenario's files, so steps that no longer happen do not linger.
        for f in self.out.glob(f"*/{name}--*.json"):
            f.unlink()

    def write(self, service, step, record):
        name = f"{self.scenario}--{step}"
        if not re.fullmatch(r"[A-Za-z0-9._=-]+", name):
            raise ValueError(f"unstable file name {name!r}")
        path = self.out / service / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.scrub(record), indent=2, ensure_ascii=False) + "\n"
        for s in self.secrets:  # belt and braces: nothing secret survives anywhere in the text
            if s in text:
                raise AssertionError(f"a secret survived scrubbing in {path}")
        path.write_text(text)
        rq, rs = record["request"], record["response"]
        self.index.append({"file": f"{service}/{name}.json", "scenario": self.scenario, "step": step,
                           "as": record["as"], "method": rq["method"], "path": rq["path"],
                           "microversion": rq.get("microversion"), "status": rs["status"],
                           "expected": record.get("expected")})


class Client:
    """One identity (admin, member, operator) and its service endpoints."""

    def __init__(self, rec, who, conn):
        self.rec, self.who, self.conn = rec, who, conn
        self.sess = conn.session
        cfg = conn.config
        self.interface = cfg.get_interface() or "public"
        self.region = cfg.get_region_name()
        rec.secret(self.sess.get_token())
        self.endpoints = {}

    def endpoint(self, service):
        if service not in self.endpoints:
            st = {"compute": "compute", "identity": "identity", "placement": "placement",
                  "image": "image"}[service]
            url = self.sess.get_endpoint(service_type=st, interface=self.interface,
                                         region_name=self.region)
            if not url:
                raise Unexpected(f"no {st} endpoint in the catalog for {self.who}")
            url = url.rstrip("/")
            if service == "identity" and not url.endswith("/v3"):
                url += "/v3"
            if service == "image" and not url.endswith("/v2"):
                url += "/v2"
            self.endpoints[service] = url
        return self.endpoints[service]

    def raw(self, service, method, path, mv=None, body=None, headers=None, authenticated=True,
            base="endpoint"):
        h = {"Accept": "application/json"}
        if mv:
            if service == "compute":
                h["OpenStack-API-Version"] = f"compute {mv}"
                h["X-OpenStack-Nova-API-Version"] = mv
            elif service == "placement":
                h["OpenStack-API-Version"] = f"placement {mv}"
        h.update(headers or {})
        url = self.endpoint(service)
        if base == "root":  # the version document lives above the versioned endpoint
            url = re.sub(r"/v[0-9.]+$", "", url)
        kw = {"headers": h, "raise_exc": False, "authenticated": authenticated}
        if body is not None:
            kw["json"] = body
        resp = self.sess.request(url + path, method, **kw)
        return h, resp

    def call(self, service, step, method, path, mv=None, body=None, expect=(200,), headers=None,
             authenticated=True, base="endpoint", note=None):
        """Makes one call and records it as <service>/<scenario>--<step>.json; returns the response."""
        h, resp = self.raw(service, method, path, mv, body, headers, authenticated, base)
        for k in ("X-Subject-Token", "x-subject-token"):
            if k in resp.headers:
                self.rec.secret(resp.headers[k])
        sent_headers = {k: v for k, v in h.items() if k.lower() != "accept"}
        if "X-Subject-Token" in sent_headers:
            sent_headers["X-Subject-Token"] = TOKEN_PLACEHOLDER
        rh = {}
        for k, v in resp.headers.items():
            lk = k.lower()
            if lk in KEEP_HEADERS:
                rh[lk] = v
            elif lk in REQ_ID_HEADERS:
                rh[lk] = REQ_ID_PLACEHOLDER if re.fullmatch(r"req-[0-9a-f-]{36}", v) else "SCRUBBED"
            elif lk == "x-subject-token":
                rh[lk] = TOKEN_PLACEHOLDER
        response = {"status": resp.status_code, "headers": rh,
                    "request_id_present": any(k.lower() in REQ_ID_HEADERS for k in resp.headers)}
        try:
            response["body"] = resp.json() if resp.content else None
        except ValueError:
            response["body_text"] = resp.text
        # Placement repeats the request id in its error bodies: the same placeholder there, so the
        # header's id is not visible after all. (Ids of earlier requests, e.g. an instance
        # action's request_id, stay: they link a list to a show.)
        own_ids = {v for k, v in resp.headers.items() if k.lower() in REQ_ID_HEADERS}
        if own_ids and response.get("body") is not None:
            response["body"] = replace_strings(response["body"], own_ids, REQ_ID_PLACEHOLDER)
        record = {"service": service, "scenario": self.rec.scenario, "step": step, "as": self.who}
        if note:
            record["note"] = note
        record["request"] = {"method": method, "base": base,
                             "endpoint": self.endpoint(service) if base == "endpoint"
                             else re.sub(r"/v[0-9.]+$", "", self.endpoint(service)),
                             "path": path, "microversion": mv, "headers": sent_headers,
                             "authenticated": authenticated, "body": body}
        record["response"] = response
        if expect is not None:
            record["expected"] = list(expect)
        self.rec.write(service, step, record)
        mark = "" if expect is None or resp.status_code in expect else f"  UNEXPECTED (wanted {list(expect)})"
        log(f"  {self.who:8} {method:6} {service} {path} mv={mv} -> {resp.status_code}{mark}")
        if mark:
            self.rec.failures.append((self.rec.scenario, f"{step}: {method} {path} -> {resp.status_code}, wanted {list(expect)}: {resp.text[:300]}"))
        return resp

    # Unrecorded helpers for setting up and waiting.
    def get(self, service, path, mv=None):
        _, resp = self.raw(service, "GET", path, mv)
        if resp.status_code != 200:
            raise Unexpected(f"GET {service} {path} -> {resp.status_code}: {resp.text[:300]}")
        return resp.json()

    def do(self, service, method, path, mv=None, body=None, ok=(200, 201, 202, 204)):
        _, resp = self.raw(service, method, path, mv, body)
        if resp.status_code not in ok:
            raise Unexpected(f"{method} {service} {path} -> {resp.status_code}: {resp.text[:300]}")
        return resp


def replace_strings(v, values, placeholder):
    if isinstance(v, dict):
        return {k: replace_strings(x, values, placeholder) for k, x in v.items()}
    if isinstance(v, list):
        return [replace_strings(x, values, placeholder) for x in v]
    if isinstance(v, str) and v in values:
        return placeholder
    return v


def wait(what, fn, timeout, interval=0.5):
    """Polls fn() until it returns something truthy; raises after timeout seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise Unexpected(f"timed out after {timeout} s waiting for {what}")


# ====================================================================== the cloud and its objects
class World:
    """What the scenarios share: clients, ids of users/projects/hosts, the servers made here."""

    def __init__(self, rec, admin, args):
        self.rec, self.admin, self.args = rec, admin, args
        self.member = None
        self.operator = None
        self.started = utcnow() - dt.timedelta(seconds=5)
        self.created_servers = []
        self.servers = {}  # name -> id
        self.disabled_services = []
        self.created_flavors = []
        self.created_groups = []

    # ---------------------------------------------------------------- servers
    def server(self, sid, mv="2.1"):
        return self.admin.get("compute", f"/servers/{sid}", mv)["server"]

    def host_of(self, sid):
        return self.server(sid)["OS-EXT-SRV-ATTR:host"]

    def wait_server(self, sid, statuses, timeout=120, task_none=True):
        def check():
            s = self.server(sid)
            if s["status"] == "ERROR" and "ERROR" not in statuses:
                raise Unexpected(f"server {sid} went to ERROR: {s.get('fault')}")
            if s["status"] in statuses and (not task_none or s.get("OS-EXT-STS:task_state") is None):
                return s
            return None
        return wait(f"server {sid} to reach {statuses}", check, timeout)

    def find_server(self, name, all_tenants=True):
        q = f"/servers/detail?name=^{quote(name)}$" + ("&all_tenants=True" if all_tenants else "")
        found = self.admin.get("compute", q)["servers"]
        if not found:
            raise Unexpected(f"no server named {name!r} on this cloud (start.sh creates it)")
        return found[0]

    def boot(self, client, name, flavor_id, record_step=None, wait_active=True):
        body = {"server": {"name": name, "imageRef": self.image_id, "flavorRef": flavor_id,
                           "networks": "none"}}
        if record_step:
            resp = client.call("compute", record_step, "POST", "/servers", "2.100", body, expect=(202,))
        else:
            _, resp = client.raw("compute", "POST", "/servers", "2.100", body)
        if resp.status_code != 202:
            raise Unexpected(f"boot {name} -> {resp.status_code}: {resp.text[:300]}")
        sid = resp.json()["server"]["id"]
        self.created_servers.append(sid)
        self.servers[name] = sid
        if wait_active:
            self.wait_server(sid, {"ACTIVE"})
        return sid

    def migrations_of(self, sid, mv="2.80"):
        return self.admin.get("compute", f"/os-migrations?instance_uuid={sid}", mv)["migrations"]

    def newest_migration(self, sid):
        ms = self.migrations_of(sid)
        return max(ms, key=lambda m: m["id"]) if ms else None

    def wait_migration_done(self, sid, after_id, timeout=90):
        """The newest migration of sid (newer than after_id) once it has left the in-progress states."""
        def check():
            m = self.newest_migration(sid)
            if m and m["id"] > after_id and m["status"] in {"completed", "error", "failed", "cancelled",
                                                             "finished", "confirmed", "reverted", "done"}:
                return m
            return None
        return wait(f"the migration of {sid} to finish", check, timeout)

    def other_host(self, host):
        for h in self.compute_hosts:
            if h != host:
                return h
        raise Unexpected("this cloud has a single compute host; migrations need two")


# ====================================================================== scenarios
SCENARIOS = []


def scenario(name):
    def deco(fn):
        SCENARIOS.append((name, fn))
        return fn
    return deco


def password_auth(user, password, project, user_domain="Default", project_domain="Default"):
    return {"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"name": user, "domain": {"name": user_domain}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"name": project_domain}}}}}


def auth_of(client):
    a = client.conn.config.auth
    return (a.get("username"), a.get("password"), a.get("project_name"),
            a.get("user_domain_name") or "Default", a.get("project_domain_name") or "Default")


@scenario("keystone-tokens")
def keystone_tokens(w):
    a, m = w.admin, w.member
    r = a.call("identity", "issue-password-admin", "POST", "/auth/tokens",
               body=password_auth(*auth_of(a)), expect=(201,), authenticated=False,
               note="password, project-scoped; X-Subject-Token carries the (scrubbed) token")
    admin_token = r.headers.get("X-Subject-Token")
    r = a.call("identity", "issue-password-member", "POST", "/auth/tokens",
               body=password_auth(*auth_of(m)), expect=(201,), authenticated=False)
    member_token = r.headers.get("X-Subject-Token")
    if not admin_token or not member_token:
        raise Unexpected("Keystone issued no X-Subject-Token")
    u, _, p, ud, pd = auth_of(a)
    a.call("identity", "issue-password-wrong", "POST", "/auth/tokens",
           body=password_auth(u, "not-the-password", p, ud, pd), expect=(401,), authenticated=False)
    a.call("identity", "validate", "GET", "/auth/tokens", headers={"X-Subject-Token": member_token},
           note="admin validates the member's token")
    # A token of its own to revoke, so the tokens the other scenarios use stay valid.
    _, r = a.raw("identity", "POST", "/auth/tokens", body=password_auth(*auth_of(m)), authenticated=False)
    doomed = w.rec.secret(r.headers.get("X-Subject-Token"))
    a.call("identity", "revoke", "DELETE", "/auth/tokens", headers={"X-Subject-Token": doomed}, expect=(204,))
    a.call("identity", "validate-revoked", "GET", "/auth/tokens", headers={"X-Subject-Token": doomed},
           expect=(404,))
    a.call("identity", "projects", "GET", "/projects")
    m.call("identity", "projects-as-member", "GET", "/projects", expect=(403,))
    m.call("identity", "auth-projects-as-member", "GET", "/auth/projects")


@scenario("keystone-application-credentials")
def keystone_app_creds(w):
    a = w.admin
    uid = w.admin_user_id
    name = "rec-appcred"
    # Names are unique per user: a left-over from an interrupted run would make create a 409.
    for c in a.get("identity", f"/users/{uid}/application_credentials?name={name}")["application_credentials"]:
        a.do("identity", "DELETE", f"/users/{uid}/application_credentials/{c['id']}")
    expires = iso(utcnow() + dt.timedelta(days=1))
    body = {"application_credential": {"name": name, "description": "recorded by scripts/record-fixtures",
                                       "expires_at": expires, "roles": [{"name": "admin"}],
                                       "unrestricted": False}}
    r = a.call("identity", "create", "POST", f"/users/{uid}/application_credentials", body=body, expect=(201,))
    cred = r.json()["application_credential"]
    w.rec.secret(cred["secret"])
    a.call("identity", "create-duplicate-name", "POST", f"/users/{uid}/application_credentials",
           body=body, expect=(409,))
    a.call("identity", "list", "GET", f"/users/{uid}/application_credentials")
    a.call("identity", "show", "GET", f"/users/{uid}/application_credentials/{cred['id']}")
    ac_auth = {"auth": {"identity": {"methods": ["application_credential"],
                                     "application_credential": {"id": cred["id"], "secret": cred["secret"]}}}}
    r = a.call("identity", "issue-token", "POST", "/auth/tokens", body=ac_auth, expect=(201,),
               authenticated=False, note="scope comes from the credential")
    w.rec.secret(r.headers.get("X-Subject-Token"))
    bad = {"auth": {"identity": {"methods": ["application_credential"],
                                 "application_credential": {"id": cred["id"], "secret": "wrong-secret-value"}}}}
    a.call("identity", "issue-token-wrong-secret", "POST", "/auth/tokens", body=bad, expect=(401,),
           authenticated=False)
    by_name = {"auth": {"identity": {"methods": ["application_credential"], "application_credential": {
        "name": name, "secret": cred["secret"], "user": {"id": uid}}}}}
    r = a.call("identity", "issue-token-by-name", "POST", "/auth/tokens", body=by_name, expect=(201,),
               authenticated=False)
    w.rec.secret(r.headers.get("X-Subject-Token"))
    a.call("identity", "delete", "DELETE", f"/users/{uid}/application_credentials/{cred['id']}", expect=(204,))
    a.call("identity", "show-deleted", "GET", f"/users/{uid}/application_credentials/{cred['id']}", expect=(404,))
    a.call("identity", "issue-token-deleted", "POST", "/auth/tokens", body=ac_auth, expect=(401, 404),
           authenticated=False, note="Keystone 30 says 404 (not found), not 401")


@scenario("nova-versions")
def nova_versions(w):
    w.admin.call("compute", "root", "GET", "/", base="root", expect=(200, 300))
    w.admin.call("compute", "v2.1", "GET", "/")


LIST_MVS = ["2.1", "2.9", "2.47", "2.71", "2.73", "2.96", "2.100"]


@scenario("servers")
def servers(w):
    a = w.admin
    sid = w.servers["vm-active"]
    for mv in LIST_MVS:
        a.call("compute", f"detail-mv{mv}", "GET", "/servers/detail?all_tenants=True&limit=5", mv)
        a.call("compute", f"show-mv{mv}", "GET", f"/servers/{sid}", mv)
    mv = "2.100"
    a.call("compute", "detail-host", "GET", "/servers/detail?all_tenants=True&host=compute-1", mv,
           note="host is an exact match")
    a.call("compute", "detail-changes-since", "GET",
           f"/servers/detail?all_tenants=True&changes-since={iso(w.started)}", mv,
           note="changes-since = when this recording started")
    a.call("compute", "detail-status-error", "GET", "/servers/detail?all_tenants=True&status=ERROR", mv)
    a.call("compute", "show-error", "GET", f"/servers/{w.servers['rec-error']}", mv,
           note="a server whose boot found no valid host: fault")
    a.call("compute", "show-error-mv2.1", "GET", f"/servers/{w.servers['rec-error']}", "2.1")
    a.call("compute", "detail-marker-missing", "GET",
           f"/servers/detail?all_tenants=True&limit=5&marker={MISSING_UUID}", mv, expect=(400,))
    a.call("compute", "detail-status-bad", "GET", "/servers/detail?all_tenants=True&status=FOO", mv,
           expect=(200, 400))
    a.call("compute", "detail-name-bad-regex", "GET", "/servers/detail?all_tenants=True&name=%5B", mv,
           expect=(200, 400))
    a.call("compute", "detail-sorted", "GET",
           "/servers/detail?all_tenants=True&limit=5&sort_key=display_name&sort_dir=asc", mv)
    a.call("compute", "show-missing", "GET", f"/servers/{MISSING_UUID}", mv, expect=(404,))


def live_body(mv, host):
    """The os-migrateLive body at a microversion (2.25: block_migration auto; 2.68: no force)."""
    major, minor = (int(x) for x in mv.split("."))
    body = {"host": host}
    if minor >= 25:
        body["block_migration"] = "auto"
    else:
        body.update({"block_migration": False, "disk_over_commit": False})
    return {"os-migrateLive": body}


def catch_running(w, sid, timeout=15):
    """Polls the server's migrations (fast: the fake driver takes ~5 s) until one runs."""
    def check():
        ms = w.admin.get("compute", f"/servers/{sid}/migrations", "2.80")["migrations"]
        running = [m for m in ms if m["status"] == "running"]
        return running[0] if running else None
    return wait(f"a running live migration of {sid}", check, timeout, interval=0.1)


@scenario("live-migration")
def live_migration(w):
    a = w.admin
    newest = w.compute_mv
    # 1. Newest microversion, scheduler picks the host; watch it run and finish.
    sid = w.servers["rec-live-1"]
    before = w.newest_migration(sid)
    before_id = before["id"] if before else 0
    a.call("compute", f"start-mv{newest}-no-host", "POST", f"/servers/{sid}/action", newest,
           live_body(newest, None), expect=(202,))
    m = catch_running(w, sid)
    mid = m["id"]
    a.call("compute", "in-progress-list", "GET", f"/servers/{sid}/migrations", "2.80")
    a.call("compute", "in-progress-list-mv2.23", "GET", f"/servers/{sid}/migrations", "2.23")
    a.call("compute", "in-progress-show", "GET", f"/servers/{sid}/migrations/{mid}", "2.80")
    a.call("compute", "in-progress-server", "GET", f"/servers/{sid}", "2.100",
           note="task_state migrating while the migration runs")
    done = w.wait_migration_done(sid, before_id)
    w.wait_server(sid, {"ACTIVE"})
    if done["status"] != "completed":
        raise Unexpected(f"live migration ended {done['status']}")
    a.call("compute", "finished-list", "GET", f"/servers/{sid}/migrations", "2.80",
           note="only in-progress migrations are listed")
    a.call("compute", "finished-show", "GET", f"/servers/{sid}/migrations/{mid}", "2.80", expect=(404,))
    a.call("compute", "finished-os-migrations", "GET", f"/os-migrations?instance_uuid={sid}", "2.80")
    # Refusals on the finished one and on ids that are not migrations, while the server is not
    # migrating: Nova checks the server's task state first (409), before it looks the id up. The
    # same refusals while another migration runs are in step 4.
    a.call("compute", "abort-finished", "DELETE", f"/servers/{sid}/migrations/{mid}", "2.80", expect=(409,))
    a.call("compute", "force-complete-finished", "POST", f"/servers/{sid}/migrations/{mid}/action", "2.80",
           {"force_complete": None}, expect=(409,))
    a.call("compute", "abort-malformed-id", "DELETE", f"/servers/{sid}/migrations/abc", "2.80",
           expect=(400, 404, 409))
    a.call("compute", "abort-unknown-id", "DELETE", f"/servers/{sid}/migrations/999999", "2.80",
           expect=(404, 409))
    a.call("compute", "force-complete-malformed-id", "POST", f"/servers/{sid}/migrations/abc/action", "2.80",
           {"force_complete": None}, expect=(400, 404, 409))
    a.call("compute", "force-complete-unknown-id", "POST", f"/servers/{sid}/migrations/999999/action", "2.80",
           {"force_complete": None}, expect=(404, 409))
    a.call("compute", "abort-mv2.23", "DELETE", f"/servers/{sid}/migrations/{mid}", "2.23", expect=(404, 405),
           note="abort exists from 2.24")

    # 2. To its own host: accepted, then fails in the conductor.
    host = w.host_of(sid)
    before_id = w.newest_migration(sid)["id"]
    a.call("compute", f"start-mv{newest}-own-host", "POST", f"/servers/{sid}/action", newest,
           live_body(newest, host), expect=(202, 400))
    try:
        m = w.wait_migration_done(sid, before_id, timeout=30)
        log(f"  own-host live migration ended {m['status']}")
    except Unexpected:
        log("  own-host live migration made no migration record")
    w.wait_server(sid, {"ACTIVE"})
    a.call("compute", "own-host-os-migrations", "GET", f"/os-migrations?instance_uuid={sid}", "2.80")
    acts = a.call("compute", "own-host-actions", "GET", f"/servers/{sid}/os-instance-actions", "2.84").json()
    newest_act = acts["instanceActions"][0]
    a.call("compute", "own-host-action-show", "GET",
           f"/servers/{sid}/os-instance-actions/{newest_act['request_id']}", "2.84")

    # 3. 2.25 body with a host; abort it while it runs.
    sid2 = w.servers["rec-live-2"]
    target = w.other_host(w.host_of(sid2))
    before = w.newest_migration(sid2)
    before_id = before["id"] if before else 0
    a.call("compute", "start-mv2.25-host", "POST", f"/servers/{sid2}/action", "2.25",
           live_body("2.25", target), expect=(202,))
    m = catch_running(w, sid2)
    a.call("compute", "abort-running", "DELETE", f"/servers/{sid2}/migrations/{m['id']}", "2.80",
           expect=(202,))
    done = w.wait_migration_done(sid2, before_id)
    w.wait_server(sid2, {"ACTIVE"})
    log(f"  aborted live migration ended {done['status']}")
    a.call("compute", "aborted-os-migrations", "GET", f"/os-migrations?instance_uuid={sid2}", "2.80",
           note="status of the aborted one")
    a.call("compute", "aborted-server", "GET", f"/servers/{sid2}", "2.100")

    # 4. 2.30 body with host and force; force-complete it while it runs. First, while it runs
    # (the fake driver gives ~5 s), the refusals that get past the task-state check: the
    # cancelled migration from step 3, a malformed and an unknown id.
    target = w.other_host(w.host_of(sid2))
    cancelled_id = done["id"]
    before_id = done["id"]
    body = {"os-migrateLive": {"host": target, "block_migration": "auto", "force": False}}
    a.call("compute", "start-mv2.30-host", "POST", f"/servers/{sid2}/action", "2.30", body, expect=(202,))
    m = catch_running(w, sid2)
    for what, mig in (("cancelled", cancelled_id), ("malformed-id", "abc"), ("unknown-id", 999999)):
        a.call("compute", f"while-running-abort-{what}", "DELETE", f"/servers/{sid2}/migrations/{mig}", "2.80",
               expect=(400, 404))
        a.call("compute", f"while-running-force-complete-{what}", "POST",
               f"/servers/{sid2}/migrations/{mig}/action", "2.80", {"force_complete": None}, expect=(400, 404))
    a.call("compute", "force-complete-running", "POST", f"/servers/{sid2}/migrations/{m['id']}/action",
           "2.80", {"force_complete": None}, expect=(202,))
    done = w.wait_migration_done(sid2, before_id)
    w.wait_server(sid2, {"ACTIVE"})
    log(f"  force-completed live migration ended {done['status']}")
    a.call("compute", "force-completed-os-migrations", "GET", f"/os-migrations?instance_uuid={sid2}", "2.80")

    # 5. Refusals decided in the API.
    stopped = w.servers["vm-stopped"]
    a.call("compute", "start-shutoff", "POST", f"/servers/{stopped}/action", newest, live_body(newest, None),
           expect=(409,))
    a.call("compute", "start-unknown-host", "POST", f"/servers/{sid}/action", newest,
           live_body(newest, "no-such-host"), expect=(400,))
    a.call("compute", "start-mv2.68-force", "POST", f"/servers/{sid}/action", "2.68",
           {"os-migrateLive": {"host": None, "block_migration": "auto", "force": True}}, expect=(400,),
           note="force is gone from 2.68")

    # 6. An anti-affinity member, the scheduler choosing: no valid host, migration status error.
    ag = w.servers["ag-1"]
    before = w.newest_migration(ag)
    before_id = before["id"] if before else 0
    a.call("compute", "start-anti-affinity", "POST", f"/servers/{ag}/action", newest, live_body(newest, None),
           expect=(202,))
    m = w.wait_migration_done(ag, before_id, timeout=60)
    w.wait_server(ag, {"ACTIVE"})
    log(f"  anti-affinity live migration ended {m['status']}")
    a.call("compute", "anti-affinity-os-migrations", "GET", f"/os-migrations?instance_uuid={ag}", "2.80")
    acts = a.call("compute", "anti-affinity-actions", "GET", f"/servers/{ag}/os-instance-actions", "2.84").json()
    a.call("compute", "anti-affinity-action-show", "GET",
           f"/servers/{ag}/os-instance-actions/{acts['instanceActions'][0]['request_id']}", "2.84",
           note="the failed event carries details and (admin) traceback")


@scenario("cold-migration")
def cold_migration(w):
    a = w.admin
    # ACTIVE server to a named host (2.56), confirm.
    sid = w.servers["rec-cold-1"]
    src = w.host_of(sid)
    target = w.other_host(src)
    a.call("compute", "migrate-active-mv2.56-host", "POST", f"/servers/{sid}/action", "2.56",
           {"migrate": {"host": target}}, expect=(202,))
    seen_resize = False
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        s = w.server(sid)
        if s["status"] == "RESIZE" and not seen_resize:
            a.call("compute", "active-show-resize", "GET", f"/servers/{sid}", "2.100")
            seen_resize = True
        if s["status"] == "VERIFY_RESIZE":
            break
        if s["status"] == "ERROR":
            raise Unexpected(f"cold migration put {sid} in ERROR")
        time.sleep(0.2)
    else:
        raise Unexpected("cold migration never reached VERIFY_RESIZE")
    a.call("compute", "active-show-verify-resize", "GET", f"/servers/{sid}", "2.100")
    a.call("compute", "active-show-verify-resize-mv2.1", "GET", f"/servers/{sid}", "2.1")
    a.call("compute", "active-os-migrations-verify-resize", "GET", f"/os-migrations?instance_uuid={sid}", "2.80")
    a.call("compute", "active-server-migrations", "GET", f"/servers/{sid}/migrations", "2.80",
           note="a cold migration is not listed here")
    a.call("compute", "active-confirm", "POST", f"/servers/{sid}/action", "2.100", {"confirmResize": None},
           expect=(204,))
    w.wait_server(sid, {"ACTIVE"})
    a.call("compute", "active-os-migrations-confirmed", "GET", f"/os-migrations?instance_uuid={sid}", "2.80")
    a.call("compute", "active-confirm-again", "POST", f"/servers/{sid}/action", "2.100",
           {"confirmResize": None}, expect=(400, 404, 409))

    # SHUTOFF server, revert.
    sid2 = w.servers["rec-cold-2"]
    target = w.other_host(w.host_of(sid2))
    a.call("compute", "migrate-shutoff-mv2.56-host", "POST", f"/servers/{sid2}/action", "2.56",
           {"migrate": {"host": target}}, expect=(202,))
    w.wait_server(sid2, {"VERIFY_RESIZE"}, timeout=90)
    a.call("compute", "shutoff-show-verify-resize", "GET", f"/servers/{sid2}", "2.100")
    a.call("compute", "shutoff-revert", "POST", f"/servers/{sid2}/action", "2.100", {"revertResize": None},
           expect=(202,))
    w.wait_server(sid2, {"SHUTOFF"}, timeout=90)
    a.call("compute", "shutoff-show-reverted", "GET", f"/servers/{sid2}", "2.100")
    a.call("compute", "shutoff-os-migrations-reverted", "GET", f"/os-migrations?instance_uuid={sid2}", "2.80")

    # Refusals.
    here = w.host_of(sid)
    a.call("compute", "migrate-to-own-host", "POST", f"/servers/{sid}/action", "2.56",
           {"migrate": {"host": here}}, expect=(400,))
    a.call("compute", "migrate-unknown-host", "POST", f"/servers/{sid}/action", "2.56",
           {"migrate": {"host": "no-such-host"}}, expect=(400,))
    a.call("compute", "migrate-paused", "POST", f"/servers/{w.servers['vm-paused']}/action", "2.56",
           {"migrate": {"host": None}}, expect=(409,))
    # Before 2.56 Nova validates no body and ignores host: this is an ordinary cold migration,
    # the scheduler choosing. Finish it (confirm) so the server ends as it began.
    a.call("compute", "migrate-mv2.55-host", "POST", f"/servers/{sid}/action", "2.55",
           {"migrate": {"host": w.other_host(here)}}, expect=(202,),
           note="before 2.56 the body is not validated and host is ignored")
    w.wait_server(sid, {"VERIFY_RESIZE"}, timeout=90)
    a.call("compute", "mv2.55-os-migrations", "GET", f"/os-migrations?instance_uuid={sid}", "2.80",
           note="dest_compute is the scheduler's choice")
    a.do("compute", "POST", f"/servers/{sid}/action", "2.100", {"confirmResize": None})
    w.wait_server(sid, {"ACTIVE"})


@scenario("os-migrations")
def os_migrations(w):
    a = w.admin
    a.call("compute", "mv2.1", "GET", "/os-migrations", "2.1")
    a.call("compute", "mv2.23", "GET", "/os-migrations", "2.23")
    page = a.call("compute", "mv2.59-limit", "GET", "/os-migrations?limit=2", "2.59").json()["migrations"]
    if page:
        a.call("compute", "mv2.59-marker", "GET", f"/os-migrations?limit=2&marker={page[-1]['uuid']}", "2.59")
    a.call("compute", "mv2.59-changes-since", "GET", f"/os-migrations?changes-since={iso(w.started)}", "2.59")
    a.call("compute", "mv2.66-changes-before", "GET",
           f"/os-migrations?changes-before={iso(utcnow() + dt.timedelta(minutes=1))}", "2.66")
    a.call("compute", "mv2.66-changes-before-past", "GET",
           f"/os-migrations?changes-before={iso(w.started - dt.timedelta(days=3650))}", "2.66")
    a.call("compute", "mv2.80-user_id", "GET", f"/os-migrations?user_id={w.admin_user_id}", "2.80")
    a.call("compute", "mv2.80-project_id", "GET", f"/os-migrations?project_id={w.admin_project_id}", "2.80")
    a.call("compute", "mv2.80-instance_uuid", "GET", f"/os-migrations?instance_uuid={w.servers['rec-live-1']}",
           "2.80")
    a.call("compute", "mv2.80-migration_type-live", "GET", "/os-migrations?migration_type=live-migration", "2.80")
    a.call("compute", "mv2.80-migration_type-migration", "GET", "/os-migrations?migration_type=migration", "2.80")
    a.call("compute", "mv2.80-host", "GET", "/os-migrations?host=compute-1", "2.80")
    a.call("compute", "mv2.80-status-completed", "GET", "/os-migrations?status=completed", "2.80")
    a.call("compute", "mv2.80-marker-missing", "GET", f"/os-migrations?marker={MISSING_UUID}", "2.80",
           expect=(400,))
    a.call("compute", "mv2.59-limit-bad", "GET", "/os-migrations?limit=-1", "2.59", expect=(400,))


@scenario("hypervisors")
def hypervisors(w):
    a = w.admin
    a.call("compute", "detail-mv2.1", "GET", "/os-hypervisors/detail", "2.1")
    a.call("compute", "detail-mv2.33-limit", "GET", "/os-hypervisors/detail?limit=2", "2.33")
    a.call("compute", "detail-mv2.53-with-servers", "GET", "/os-hypervisors/detail?with_servers=true", "2.53")
    a.call("compute", "detail-mv2.53-pattern", "GET", "/os-hypervisors/detail?hypervisor_hostname_pattern=compute",
           "2.53")
    a.call("compute", "detail-mv2.87", "GET", "/os-hypervisors/detail", "2.87")
    hv = a.call("compute", "detail-mv2.88", "GET", "/os-hypervisors/detail", "2.88").json()["hypervisors"]
    a.call("compute", "detail-mv2.88-with-servers", "GET", "/os-hypervisors/detail?with_servers=true", "2.88")
    a.call("compute", "show-mv2.88", "GET", f"/os-hypervisors/{hv[0]['id']}", "2.88")
    a.call("compute", "show-mv2.88-with-servers", "GET", f"/os-hypervisors/{hv[0]['id']}?with_servers=true", "2.88")
    a.call("compute", "show-missing-mv2.88", "GET", f"/os-hypervisors/{MISSING_UUID}", "2.88", expect=(404,))
    a.call("compute", "detail-mv2.53-pattern-none", "GET",
           "/os-hypervisors/detail?hypervisor_hostname_pattern=no-such-host", "2.53", expect=(200, 404))


@scenario("services")
def services(w):
    a = w.admin
    for mv in ("2.1", "2.11", "2.53", "2.69"):
        a.call("compute", f"list-mv{mv}", "GET", "/os-services?binary=nova-compute", mv)
    svcs = a.get("compute", "/os-services?binary=nova-compute", "2.53")["services"]
    svc = next((s for s in svcs if s["host"] == w.compute_hosts[-1]), svcs[-1])
    u = svc["id"]
    w.disabled_services.append(u)  # re-enabled in cleanup whatever happens here
    a.call("compute", "disable-with-reason", "PUT", f"/os-services/{u}", "2.53",
           {"status": "disabled", "disabled_reason": "recorded by scripts/record-fixtures"})
    a.call("compute", "list-after-disable", "GET", "/os-services?binary=nova-compute", "2.69")
    a.call("compute", "enable", "PUT", f"/os-services/{u}", "2.53", {"status": "enabled"})
    a.call("compute", "disable-reason-256", "PUT", f"/os-services/{u}", "2.53",
           {"status": "disabled", "disabled_reason": "x" * 256}, expect=(400,))
    a.call("compute", "disable-reason-255", "PUT", f"/os-services/{u}", "2.53",
           {"status": "disabled", "disabled_reason": "x" * 255})
    a.call("compute", "enable-with-reason", "PUT", f"/os-services/{u}", "2.53",
           {"status": "enabled", "disabled_reason": "why"}, expect=(400,))
    a.call("compute", "empty-body", "PUT", f"/os-services/{u}", "2.53", {}, expect=(400,))
    a.call("compute", "bad-status", "PUT", f"/os-services/{u}", "2.53", {"status": "off"}, expect=(400,))
    a.call("compute", "unknown-uuid", "PUT", f"/os-services/{MISSING_UUID}", "2.53",
           {"status": "enabled"}, expect=(404,))
    a.call("compute", "disable-mv2.1-old-api", "PUT", "/os-services/disable", "2.1",
           {"host": svc["host"], "binary": "nova-compute"})
    a.call("compute", "enable-mv2.1-old-api", "PUT", "/os-services/enable", "2.1",
           {"host": svc["host"], "binary": "nova-compute"})
    a.call("compute", "re-enable", "PUT", f"/os-services/{u}", "2.53", {"status": "enabled"})
    w.disabled_services.remove(u)


@scenario("server-groups")
def server_groups(w):
    a = w.admin
    name = "rec-group"
    for g in a.get("compute", "/os-server-groups?all_projects=True", "2.64")["server_groups"]:
        if g["name"] == name:
            a.do("compute", "DELETE", f"/os-server-groups/{g['id']}", "2.64")
    r = a.call("compute", "create-mv2.64", "POST", "/os-server-groups", "2.64",
               {"server_group": {"name": name, "policy": "anti-affinity", "rules": {"max_server_per_host": 2}}})
    gid = r.json()["server_group"]["id"]
    w.created_groups.append(gid)
    for mv in ("2.1", "2.13", "2.64"):
        a.call("compute", f"list-mv{mv}", "GET", "/os-server-groups?all_projects=True", mv)
    ag = next(g for g in a.get("compute", "/os-server-groups?all_projects=True", "2.64")["server_groups"]
              if g["name"] == "anti-affinity-group")
    for mv in ("2.1", "2.64"):
        a.call("compute", f"show-anti-affinity-group-mv{mv}", "GET", f"/os-server-groups/{ag['id']}", mv)
    a.call("compute", "show-created-mv2.64", "GET", f"/os-server-groups/{gid}", "2.64")
    a.call("compute", "show-missing", "GET", f"/os-server-groups/{MISSING_UUID}", "2.64", expect=(404,))
    a.call("compute", "delete", "DELETE", f"/os-server-groups/{gid}", "2.64", expect=(204,))
    w.created_groups.remove(gid)


@scenario("instance-actions")
def instance_actions(w):
    a = w.admin
    for label, sid in (("migrated", w.servers["rec-live-1"]), ("no-valid-host", w.servers["ag-1"])):
        acts = a.get("compute", f"/servers/{sid}/os-instance-actions", "2.84")["instanceActions"]
        # The oldest live-migration of the migrated server is the one that succeeded (the newer
        # one is the refused move to its own host); for ag-1 every one failed alike.
        pick = reversed(acts) if label == "migrated" else iter(acts)
        live = next((x for x in pick if x["action"] == "live-migration"), acts[0])
        for mv in ("2.1", "2.51", "2.58", "2.62", "2.84"):
            a.call("compute", f"{label}-list-mv{mv}", "GET", f"/servers/{sid}/os-instance-actions", mv)
            a.call("compute", f"{label}-show-mv{mv}", "GET",
                   f"/servers/{sid}/os-instance-actions/{live['request_id']}", mv)
        a.call("compute", f"{label}-list-mv2.58-limit", "GET", f"/servers/{sid}/os-instance-actions?limit=1", "2.58")
        a.call("compute", f"{label}-list-mv2.58-changes-since", "GET",
               f"/servers/{sid}/os-instance-actions?changes-since={iso(w.started)}", "2.58")
    sid = w.servers["rec-live-1"]
    a.call("compute", "show-missing", "GET", f"/servers/{sid}/os-instance-actions/req-{MISSING_UUID}", "2.84",
           expect=(404,))


@scenario("flavors")
def flavors(w):
    for mv in ("2.1", "2.55", "2.61", "2.75"):
        w.admin.call("compute", f"detail-mv{mv}", "GET", "/flavors/detail?is_public=None", mv)


@scenario("placement")
def placement(w):
    a = w.admin
    mv = "1.14"
    a.call("placement", "root", "GET", "/", mv)
    rps = a.call("placement", "resource-providers", "GET", "/resource_providers", mv).json()["resource_providers"]
    rp = sorted(rps, key=lambda r: r["name"])[0]["uuid"]
    a.call("placement", "resource-provider", "GET", f"/resource_providers/{rp}", mv)
    a.call("placement", "inventories", "GET", f"/resource_providers/{rp}/inventories", mv)
    a.call("placement", "usages", "GET", f"/resource_providers/{rp}/usages", mv)
    a.call("placement", "missing", "GET", f"/resource_providers/{MISSING_UUID}", mv, expect=(404,))
    a.call("placement", "usages-missing", "GET", f"/resource_providers/{MISSING_UUID}/usages", mv, expect=(404,))
    a.call("placement", "root-no-version", "GET", "/", None)


@scenario("policy-member")
def policy_member(w):
    m = w.member
    m.call("compute", "hypervisors-detail", "GET", "/os-hypervisors/detail", "2.88", expect=(403,))
    m.call("compute", "services", "GET", "/os-services?binary=nova-compute", "2.69", expect=(403,))
    m.call("compute", "os-migrations", "GET", "/os-migrations", "2.80", expect=(403,))
    m.call("compute", "server-groups-all-projects", "GET", "/os-server-groups?all_projects=True", "2.64",
           expect=(200, 403))
    m.call("compute", "servers-all-tenants", "GET", "/servers/detail?all_tenants=True&limit=5", "2.100",
           expect=(200, 403), note="a member asking for all projects")
    sid = w.servers["member-vm"]
    m.call("compute", "live-migrate-own-server", "POST", f"/servers/{sid}/action", w.compute_mv,
           live_body(w.compute_mv, None), expect=(403,))
    m.call("compute", "migrate-own-server", "POST", f"/servers/{sid}/action", w.compute_mv,
           {"migrate": None}, expect=(403,))


@scenario("policy-manager")
def policy_manager(w):
    o = w.operator
    o.call("compute", "os-migrations-all-projects", "GET", "/os-migrations", "2.80", expect=(403,))
    o.call("compute", "os-migrations-project", "GET", f"/os-migrations?project_id={w.demo_project_id}", "2.80")
    sid = w.servers["member-vm"]
    target = w.other_host(w.host_of(sid))
    o.call("compute", "live-migrate-host", "POST", f"/servers/{sid}/action", w.compute_mv,
           live_body(w.compute_mv, target), expect=(403,))
    before = w.newest_migration(sid)
    before_id = before["id"] if before else 0
    o.call("compute", "live-migrate-no-host", "POST", f"/servers/{sid}/action", w.compute_mv,
           live_body(w.compute_mv, None), expect=(202,))
    done = w.wait_migration_done(sid, before_id)
    w.wait_server(sid, {"ACTIVE"})
    log(f"  the manager's live migration ended {done['status']}")
    o.call("compute", "os-migrations-project-after", "GET", f"/os-migrations?project_id={w.demo_project_id}",
           "2.80")
    o.call("compute", "hypervisors-detail", "GET", "/os-hypervisors/detail", "2.88", expect=(403,))
    o.call("compute", "servers-project", "GET", "/servers/detail?limit=5", "2.100")


# ====================================================================== setup and cleanup
def connect(cloud, **kw):
    try:
        return openstack.connect(cloud=cloud, **kw)
    except Exception as e:  # openstacksdk raises several kinds for "no such cloud"
        raise SystemExit(f"record-fixtures: cannot use cloud {cloud!r} from clouds.yaml "
                         f"({os.environ.get('OS_CLIENT_CONFIG_FILE') or 'the standard places'}): {e}")


def first_id(items, what):
    if not items:
        raise Unexpected(f"{what} not found on this cloud")
    return items[0]["id"]


def ensure_operator(w):
    """A project manager (user operator/operator, role manager in project demo)."""
    a = w.admin
    users = a.get("identity", f"/users?name=operator&domain_id={w.default_domain_id}")["users"]
    body = {"user": {"name": "operator", "password": "operator", "domain_id": w.default_domain_id,
                     "enabled": True}}
    if users:
        uid = users[0]["id"]
        a.do("identity", "PATCH", f"/users/{uid}", body={"user": {"password": "operator", "enabled": True}})
    else:
        uid = a.do("identity", "POST", "/users", body=body).json()["user"]["id"]
    role = first_id(a.get("identity", "/roles?name=manager")["roles"], "role manager")
    a.do("identity", "PUT", f"/projects/{w.demo_project_id}/users/{uid}/roles/{role}")
    _, _, project, _, project_domain = auth_of(w.member)
    auth = {"auth_url": a.conn.config.auth["auth_url"], "username": "operator", "password": "operator",
            "project_name": project, "user_domain_name": "Default", "project_domain_name": project_domain}
    return Client(w.rec, "operator", connect(w.args.cloud, auth=auth))


def ensure_quota(w, **need):
    """Raises the admin project's quota where it has less room than the rec-* servers need (a
    fresh test cloud allows 10 instances and already runs 7); never lowers it."""
    a = w.admin
    q = a.get("compute", f"/os-quota-sets/{w.admin_project_id}/detail", "2.1")["quota_set"]
    raise_to = {}
    for k, n in need.items():
        limit, used = q[k]["limit"], q[k]["in_use"] + q[k].get("reserved", 0)
        if limit != -1 and limit - used < n:
            raise_to[k] = used + n
    if raise_to:
        log(f"raising the quota of project {w.admin_project_id}: {raise_to}")
        a.do("compute", "PUT", f"/os-quota-sets/{w.admin_project_id}", "2.1", {"quota_set": raise_to})


def setup(w):
    a = w.admin
    w.admin_user_id = a.sess.get_user_id()
    w.admin_project_id = a.sess.get_project_id()
    w.default_domain_id = first_id(a.get("identity", "/domains?name=Default")["domains"], "domain Default")
    # The member's project (demo on the shared test cloud) is where the project manager works.
    w.demo_project_id = w.member.sess.get_project_id()
    versions = a.get("compute", "/")["version"]
    w.compute_mv = versions["version"]
    w.compute_min_mv = versions["min_version"]
    svcs = a.get("compute", "/os-services?binary=nova-compute", "2.53")["services"]
    w.compute_hosts = sorted(s["host"] for s in svcs if s["state"] == "up")
    # A service left disabled by an interrupted run would skew the scheduler: enable it first.
    for s in svcs:
        if s["status"] == "disabled" and (s.get("disabled_reason") or "").startswith("recorded by"):
            a.do("compute", "PUT", f"/os-services/{s['id']}", "2.53", {"status": "enabled"})
    for name in ("vm-active", "vm-stopped", "vm-paused", "ag-1", "member-vm"):
        w.servers[name] = w.find_server(name)["id"]
    images = a.get("image", "/images?name=fake-image")["images"]
    w.image_id = first_id(images, "image fake-image")
    flavors = a.get("compute", "/flavors/detail?is_public=None", "2.1")["flavors"]
    w.tiny = first_id([f for f in flavors if f["name"] == "m1.tiny"], "flavor m1.tiny")

    # Left-overs of an interrupted run: servers named rec-* (ours by name) go first.
    old = a.get("compute", "/servers/detail?all_tenants=True&name=^rec-", "2.1")["servers"]
    for s in old:
        a.do("compute", "DELETE", f"/servers/{s['id']}", ok=(204, 404))
    if old:
        log(f"deleting {len(old)} rec-* servers left by an earlier run")
        wait("left-over rec-* servers to go",
             lambda: not a.get("compute", "/servers/detail?all_tenants=True&name=^rec-", "2.1")["servers"], 120)

    # A flavor no host can hold (disk larger than any fake host's 600,000 GB): its server ends ERROR.
    huge = [f for f in flavors if f["name"] == "rec-huge"]
    if huge:
        w.huge = huge[0]["id"]
    else:
        w.huge = a.do("compute", "POST", "/flavors", "2.55", {"flavor": {
            "name": "rec-huge", "ram": 64, "vcpus": 1, "disk": 900000}}).json()["flavor"]["id"]
    w.created_flavors.append(w.huge)

    ensure_quota(w, instances=5, cores=5, ram=5 * 512)
    w.rec.start_scenario("setup")
    log("booting rec-* servers")
    w.boot(a, "rec-live-1", w.tiny, record_step="boot-mv2.100", wait_active=False)
    for name in ("rec-live-2", "rec-cold-1", "rec-cold-2"):
        w.boot(a, name, w.tiny, wait_active=False)
    w.boot(a, "rec-error", w.huge, wait_active=False)
    for name in ("rec-live-1", "rec-live-2", "rec-cold-1", "rec-cold-2"):
        w.wait_server(w.servers[name], {"ACTIVE"})
    w.wait_server(w.servers["rec-error"], {"ERROR"}, task_none=True)
    a.do("compute", "POST", f"/servers/{w.servers['rec-cold-2']}/action", "2.1", {"os-stop": None})
    w.wait_server(w.servers["rec-cold-2"], {"SHUTOFF"})
    # The live-migration scenarios assume the two servers start on different hosts or not at all:
    # nothing to arrange, the scheduler picks and the scenarios read where they landed.
    for s in ("vm-stopped", "vm-paused"):
        st = w.server(w.servers[s])["status"]
        if st not in ("SHUTOFF", "PAUSED"):
            raise Unexpected(f"{s} is {st}; start.sh leaves it SHUTOFF/PAUSED")


def cleanup(w):
    a = w.admin
    for u in list(w.disabled_services):
        try:
            a.do("compute", "PUT", f"/os-services/{u}", "2.53", {"status": "enabled"})
        except Exception as e:
            log(f"cleanup: could not re-enable service {u}: {e}")
    for g in w.created_groups:
        try:
            a.do("compute", "DELETE", f"/os-server-groups/{g}", "2.64", ok=(204, 404))
        except Exception as e:
            log(f"cleanup: server group {g}: {e}")
    for sid in w.created_servers:
        try:
            a.do("compute", "DELETE", f"/servers/{sid}", "2.1", ok=(204, 404))
        except Exception as e:
            log(f"cleanup: server {sid}: {e}")
    if w.created_servers:
        try:
            wait("rec-* servers to be deleted", lambda: all(
                a.raw("compute", "GET", f"/servers/{sid}", "2.1")[1].status_code == 404
                for sid in w.created_servers), 120, interval=1)
        except Unexpected as e:
            log(f"cleanup: {e}")
    # The flavor goes last: Nova keeps a deleted server's flavor embedded, but be tidy anyway.
    for f in w.created_flavors:
        try:
            a.do("compute", "DELETE", f"/flavors/{f}", "2.1", ok=(202, 204, 404))
        except Exception as e:
            log(f"cleanup: flavor {f}: {e}")


def nova_label(max_mv):
    minor = int(max_mv.split(".")[1])
    rel = NOVA_RELEASE_BY_MAX.get(minor)
    return f"nova-{rel}" if rel else f"nova-mv{max_mv}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cloud", default=os.environ.get("OS_CLOUD"),
                    help="the admin entry of clouds.yaml (default: $OS_CLOUD)")
    ap.add_argument("--member-cloud", help="a plain member's entry (default: --cloud with admin→member)")
    ap.add_argument("--out", help="output directory (default: fixtures/recorded/<label>)")
    ap.add_argument("--label", help="default: nova-<release> from the cloud's newest microversion")
    ap.add_argument("--only", help="comma-separated scenarios to record (default: all): "
                    + ", ".join(n for n, _ in SCENARIOS))
    ap.add_argument("--keep", action="store_true", help="leave the rec-* servers in place")
    args = ap.parse_args()
    if not args.cloud:
        ap.error("name a cloud: --cloud NAME or OS_CLOUD=NAME")
    wanted = set(args.only.split(",")) if args.only else None
    unknown = (wanted or set()) - {n for n, _ in SCENARIOS}
    if unknown:
        ap.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")

    rec = Recorder(None, wanted)
    admin = Client(rec, "admin", connect(args.cloud))
    versions = admin.get("compute", "/")["version"]
    label = args.label or nova_label(versions["version"])
    out = Path(args.out) if args.out else Path("fixtures/recorded") / label
    out.mkdir(parents=True, exist_ok=True)
    rec.out = out
    log(f"recording {args.cloud} (compute {versions['min_version']}–{versions['version']}) into {out}")

    w = World(rec, admin, args)
    member_cloud = args.member_cloud or args.cloud.replace("admin", "member")
    if member_cloud == args.cloud:
        raise SystemExit("record-fixtures: name the member's cloud entry with --member-cloud")
    w.member = Client(rec, "member", connect(member_cloud))
    failed = []
    try:
        try:
            setup(w)
            w.operator = ensure_operator(w)
        except Exception as e:
            traceback.print_exc()
            raise SystemExit(f"record-fixtures: setup failed, nothing recorded: {e}")
        for name, fn in SCENARIOS:
            if wanted and name not in wanted:
                continue
            log(f"scenario {name}")
            rec.start_scenario(name)
            before = len(rec.failures)
            try:
                fn(w)
            except Exception as e:
                traceback.print_exc()
                rec.failures.append((name, f"{type(e).__name__}: {e}"))
            if len(rec.failures) > before:
                failed.append(name)
    finally:
        if not args.keep:
            log("cleaning up")
            cleanup(w)

    # index.json: every file this run wrote, with its request line and status. A run of some
    # scenarios (--only) keeps the others' entries.
    idx_path = out / "index.json"
    entries = []
    if wanted and idx_path.exists():
        entries = [e for e in json.loads(idx_path.read_text())["files"] if e["scenario"] not in wanted
                   and e["scenario"] != "setup"]
    entries += rec.index
    entries.sort(key=lambda e: e["file"])
    idx_path.write_text(json.dumps({"files": entries}, indent=2) + "\n")
    placement_root = admin.get("placement", "/")
    identity_root = admin.raw("identity", "GET", "/", authenticated=False)[1].json()
    meta = {"cloud": args.cloud, "label": label, "recorded": iso(utcnow()),
            "compute": {"min_version": versions["min_version"], "max_version": versions["version"]},
            "placement": {"max_version": max(v["max_version"] for v in placement_root["versions"])},
            "identity": {"version": identity_root["version"]["id"]},
            "compute_hosts": w.compute_hosts,
            "recorder": "scripts/record-fixtures (openstacksdk 4.22.0, keystoneauth1 5.18.1)",
            "failed_scenarios": {n: [f for s, f in rec.failures if s == n] for n in failed}}
    (out / "cloud.json").write_text(json.dumps(meta, indent=2) + "\n")
    log(f"wrote {len(rec.index)} exchanges into {out}")
    if failed:
        for s, f in rec.failures:
            log(f"FAILED {s}: {f}")
        sys.exit(1)


if __name__ == "__main__":
    main()
