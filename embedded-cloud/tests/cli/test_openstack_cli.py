"""The real python-openstackclient against the embedded cloud.

Runs every CLI command of the seed documents (shared/seeds) and checks it
gets what a real Nova 34 gives. Started by tests/cli/run.sh, which provides:
  CLOUD_CMD   command that runs the cloud (given --listen/--speed), e.g.
              "target/release/ferry cloud"
  OPENSTACK   path of the openstack executable in the test virtualenv
"""

import json
import os
import re
import shlex
import socket
import subprocess
import time
import urllib.request

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
OPENSTACK = os.environ.get("OPENSTACK", os.path.join(REPO, ".venv-cli", "bin", "openstack"))
CLOUD_CMD = os.environ.get("CLOUD_CMD", "target/release/ferry cloud")

USERS = {
    "admin": ("ferry-admin", "admin"),
    "operator": ("ferry-operator", "web"),
    "member": ("ferry-member", "analytics"),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cloud:
    def __init__(self, speed):
        port = free_port()
        cmd = shlex.split(CLOUD_CMD) + ["--listen", f"127.0.0.1:{port}", "--speed", str(speed)]
        self.proc = subprocess.Popen(
            cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.auth_url = None
        banner = []
        deadline = time.time() + 120
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    break
                continue
            banner.append(line)
            m = re.match(r"export OS_AUTH_URL=(\S+)", line.strip())
            if m:
                self.auth_url = m.group(1)
                break
        if not self.auth_url:
            self.proc.kill()
            raise RuntimeError("cloud did not print an openrc:\n" + "".join(banner))
        # The printed openrc must be what a user would source.
        assert self.auth_url.endswith("/identity/v3"), self.auth_url

    def env(self, user):
        password, project = USERS[user]
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update(
            OS_AUTH_URL=self.auth_url,
            OS_IDENTITY_API_VERSION="3",
            OS_USERNAME=user,
            OS_PASSWORD=password,
            OS_PROJECT_NAME=project,
            OS_USER_DOMAIN_NAME="Default",
            OS_PROJECT_DOMAIN_NAME="Default",
            OS_REGION_NAME="RegionOne",
            OS_INTERFACE="public",
        )
        return env

    def osc(self, user, *args, check=True):
        r = subprocess.run(
            [OPENSTACK, *args], env=self.env(user), capture_output=True, text=True, timeout=120
        )
        if check and r.returncode != 0:
            raise AssertionError(f"openstack {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        return r

    def json(self, user, *args):
        return json.loads(self.osc(user, *args, "-f", "json").stdout)

    def hook(self, user, method, path, body):
        """A `/_cloud/...` test hook of the embedded cloud, with this user's token."""
        token = self.json(user, "token", "issue")["id"]
        base = self.auth_url[: -len("/identity/v3")]
        req = urllib.request.Request(
            base + path,
            data=json.dumps(body).encode(),
            method=method,
            headers={"X-Auth-Token": token, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def cloud():
    """Ten times faster than real: a cold migration takes ~1.5 s."""
    c = Cloud(speed=10)
    yield c
    c.stop()


@pytest.fixture(scope="module")
def slow_cloud():
    """Realistic timings, so a live migration is still running when we act on it."""
    c = Cloud(speed=1)
    yield c
    c.stop()


def server_id(c, name):
    servers = c.json("admin", "server", "list", "--all-projects", "--name", f"^{re.escape(name)}$")
    assert len(servers) == 1, servers
    return servers[0]["ID"]


def admin_show(c, sid):
    return c.json("admin", "server", "show", sid)


def wait(what, check, timeout=60, every=0.5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = check()
        if v:
            return v
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def assert_refused(r, text, code):
    """The CLI failed with Nova's message and HTTP status (the sdk prints
    "ForbiddenException: 403: Client Error for url: ..., <Nova's message>")."""
    assert r.returncode != 0, r.stdout
    assert text in r.stderr, r.stderr
    assert str(code) in r.stderr, r.stderr


def migrations(c, user, sid):
    return c.json(user, "server", "migration", "list", "--server", sid)


def test_server_list_as_in_the_seed(cloud):
    # The seed's plain `openstack server list`, as the operator of project web.
    r = cloud.osc("operator", "server", "list")
    for name in ["web-1", "app-1", "web-db-1", "web-resized-1"]:
        assert f" {name} " in r.stdout, r.stdout
    assert "<b>bold</b> & \"quotes\" — café ☕" in r.stdout
    assert "etl-1" not in r.stdout  # another project
    assert "VERIFY_RESIZE" in r.stdout and "PAUSED" in r.stdout and "SHUTOFF" in r.stdout
    assert "cirros-0.6.2-x86_64-disk" in r.stdout  # image names came from Glance
    everything = cloud.json("admin", "server", "list", "--all-projects")
    assert len(everything) >= 30
    assert {s["Status"] for s in everything} >= {"ACTIVE", "PAUSED", "SHUTOFF", "VERIFY_RESIZE", "ERROR"}


def test_server_show(cloud):
    s = cloud.json("operator", "server", "show", "web-db-1")
    assert s["status"] == "ACTIVE"
    assert s["locked"] is True or s["locked"] == "True"
    sid = server_id(cloud, "etl-broken")
    s = admin_show(cloud, sid)
    assert s["status"] == "ERROR"
    assert "fault" in s


def test_live_migration_by_the_scheduler_as_operator(cloud):
    sid = server_id(cloud, "app-2")
    before = admin_show(cloud, sid)["OS-EXT-SRV-ATTR:host"]
    cloud.osc("operator", "server", "migrate", "--live-migration", "app-2")
    done = wait(
        "live migration to complete",
        lambda: [m for m in migrations(cloud, "admin", sid) if m["Status"] == "completed"],
    )
    assert done[0]["Type"] == "live-migration"
    s = wait("ACTIVE", lambda: (lambda s: s if s["status"] == "ACTIVE" else None)(admin_show(cloud, sid)))
    assert s["OS-EXT-SRV-ATTR:host"] != before
    assert s["OS-EXT-SRV-ATTR:host"] in {"compute1", "compute3", "compute10"}


def test_live_migration_to_a_host_and_block_migration(cloud):
    sid = server_id(cloud, "app-3")
    cloud.osc("admin", "server", "migrate", "--live-migration", "--host", "compute1", sid)
    wait("completion", lambda: [m for m in migrations(cloud, "admin", sid) if m["Status"] == "completed"])
    s = wait("ACTIVE", lambda: (lambda s: s if s["status"] == "ACTIVE" else None)(admin_show(cloud, sid)))
    assert s["OS-EXT-SRV-ATTR:host"] == "compute1"

    sid = server_id(cloud, "app-4")
    cloud.osc("admin", "server", "migrate", "--live-migration", "--block-migration", sid)
    wait("completion", lambda: [m for m in migrations(cloud, "admin", sid) if m["Status"] == "completed"])


def test_the_operator_may_not_pick_the_host(cloud):
    r = cloud.osc("operator", "server", "migrate", "--live-migration", "--host", "compute3", "app-1", check=False)
    assert_refused(r, "Policy doesn't allow os_compute_api:os-migrate-server:migrate_live:host to be performed.", 403)


def test_no_valid_host_from_anti_affinity(cloud):
    # The CLI live-migrates at microversion 2.30, below 2.34, so Nova runs the
    # scheduler before answering: NoValidHost is a synchronous 400 there.
    sid = server_id(cloud, "web-1")
    r = cloud.osc("operator", "server", "migrate", "--live-migration", "web-1", check=False)
    assert_refused(r, "No valid host was found. There are not enough hosts available.", 400)
    s = admin_show(cloud, sid)
    assert s["status"] == "ACTIVE"
    assert s["OS-EXT-SRV-ATTR:host"] == "compute1"
    # A cold migration is asynchronous at any version: 202, then an error.
    big = server_id(cloud, "bigmem-1")
    cloud.osc("admin", "server", "migrate", big)
    wait("migration error", lambda: [m for m in migrations(cloud, "admin", big) if m["Status"] == "error"])
    s = wait("task cleared", lambda: (lambda s: s if s["OS-EXT-STS:task_state"] in (None, "None") else None)(admin_show(cloud, big)))
    assert s["status"] == "ACTIVE"
    assert s["OS-EXT-SRV-ATTR:host"] == "compute10"
    actions = cloud.json("admin", "server", "event", "list", big)
    assert actions[0]["Action"] == "migrate"


def test_seed_watch_script_reaches_verify_resize_then_confirm(cloud):
    # The seed's loop with two changes any current client needs, whatever the
    # cloud: `nova resize-confirm` is `openstack server resize confirm`, and
    # `grep status` becomes `grep ' status '` because python-openstackclient
    # 10 prints a `host_status` row too (None for non-admins), which the bare
    # grep would also match so the loop could never end.
    sid = server_id(cloud, "app-1")
    script = f"""
set -e
VM_ID={sid}
openstack server migrate $VM_ID
VM_OUTPUT=$(openstack server show $VM_ID)
VM_STATUS=$(echo "$VM_OUTPUT" | grep ' status ' | awk '{{print $4}}')
n=0
while [[ "$VM_STATUS" != "VERIFY_RESIZE" ]]; do
  n=$((n+1)); [[ $n -lt 60 ]] || exit 9
  echo -n "."
  sleep 2
  VM_OUTPUT=$(openstack server show $VM_ID)
  VM_STATUS=$(echo "$VM_OUTPUT" | grep ' status ' | awk '{{print $4}}')
done
openstack server resize confirm $VM_ID
echo " instance migrated and resized."
openstack server show $VM_ID
"""
    env = cloud.env("operator")
    env["PATH"] = os.path.dirname(OPENSTACK) + os.pathsep + env.get("PATH", "")
    r = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "instance migrated and resized." in r.stdout
    s = wait("ACTIVE after confirm", lambda: (lambda s: s if s["status"] == "ACTIVE" else None)(admin_show(cloud, sid)))
    assert s["OS-EXT-SRV-ATTR:host"] != "compute1"
    assert [m for m in migrations(cloud, "admin", sid) if m["Status"] == "confirmed" and m["Type"] == "migration"]


def test_cold_migration_as_operator_then_migration_confirm(cloud):
    # A stopped instance: RESIZE, VERIFY_RESIZE, then back to SHUTOFF.
    sid = server_id(cloud, "web-stopped-1")
    cloud.osc("operator", "server", "migrate", "web-stopped-1")
    wait("VERIFY_RESIZE", lambda: cloud.json("operator", "server", "show", "web-stopped-1")["status"] == "VERIFY_RESIZE")
    cloud.osc("operator", "server", "migration", "confirm", "web-stopped-1")
    s = wait("SHUTOFF", lambda: (lambda s: s if s["status"] == "SHUTOFF" else None)(admin_show(cloud, sid)))
    assert s["OS-EXT-SRV-ATTR:host"] != "compute10"


def test_affinity_leaves_no_valid_host_for_a_cold_migration(cloud):
    sid = server_id(cloud, "cache-1")
    cloud.osc("operator", "server", "migrate", "cache-1")
    wait("migration error", lambda: [m for m in migrations(cloud, "admin", sid) if m["Status"] == "error"])
    s = wait("task cleared", lambda: (lambda s: s if s["OS-EXT-STS:task_state"] in (None, "None") else None)(admin_show(cloud, sid)))
    assert (s["status"], s["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", "compute2")


def test_revert(cloud):
    sid = server_id(cloud, "web-resized-1")
    assert admin_show(cloud, sid)["status"] == "VERIFY_RESIZE"
    cloud.osc("operator", "server", "resize", "revert", "web-resized-1")
    s = wait("ACTIVE", lambda: (lambda s: s if s["status"] == "ACTIVE" else None)(admin_show(cloud, sid)))
    assert s["OS-EXT-SRV-ATTR:host"] == "compute3"
    assert [m for m in migrations(cloud, "admin", sid) if m["Status"] == "reverted"]


def test_member_gets_the_seed_403(cloud):
    r = cloud.osc("member", "server", "migrate", "etl-2", check=False)
    assert_refused(r, "Policy doesn't allow os_compute_api:os-migrate-server:migrate to be performed.", 403)
    r = cloud.osc("member", "server", "migrate", "--live-migration", "etl-2", check=False)
    assert_refused(r, "Policy doesn't allow os_compute_api:os-migrate-server:migrate_live to be performed.", 403)


def test_locked_instance(cloud):
    r = cloud.osc("operator", "server", "migrate", "web-db-1", check=False)
    sid = server_id(cloud, "web-db-1")
    assert_refused(r, f"Instance {sid} is locked", 409)


def test_hypervisor_list(cloud):
    hv = cloud.json("admin", "hypervisor", "list")
    names = {h["Hypervisor Hostname"]: h for h in hv}
    assert {"compute1", "compute10", "compute11", "ironic-node-1"} <= set(names)
    assert names["compute11"]["State"] == "down"
    assert names["ironic-node-1"]["Hypervisor Type"] == "ironic"
    r = cloud.osc("member", "hypervisor", "list", check=False)
    assert_refused(r, "Policy doesn't allow os_compute_api:os-hypervisors:list-detail to be performed.", 403)


def test_compute_service_list_and_set(cloud):
    services = cloud.json("admin", "compute", "service", "list", "--long")
    by_host = {s["Host"]: s for s in services if s["Binary"] == "nova-compute"}
    assert by_host["compute4"]["Status"] == "disabled"
    assert by_host["compute4"]["Disabled Reason"] == "Scheduled maintenance: DIMM replacement"
    assert by_host["compute11"]["State"] == "down"
    cloud.osc("admin", "compute", "service", "set", "--disable", "--disable-reason", "Kernel upgrade", "compute2", "nova-compute")
    services = cloud.json("admin", "compute", "service", "list", "--long", "--host", "compute2")
    assert services[0]["Status"] == "disabled"
    assert services[0]["Disabled Reason"] == "Kernel upgrade"
    cloud.osc("admin", "compute", "service", "set", "--enable", "compute2", "nova-compute")
    services = cloud.json("admin", "compute", "service", "list", "--host", "compute2")
    assert services[0]["Status"] == "enabled"


def running_migration(c, sid):
    return wait(
        "a running live migration",
        lambda: [m for m in migrations(c, "admin", sid) if m["Status"] == "running"],
        timeout=60,
        every=0.3,
    )[0]


def test_migration_abort(slow_cloud):
    c = slow_cloud
    sid = server_id(c, "etl-3")
    c.osc("admin", "server", "migrate", "--live-migration", "--host", "compute1", sid)
    m = running_migration(c, sid)
    c.osc("admin", "server", "migration", "abort", sid, str(m["Id"]))
    wait("cancelled", lambda: [x for x in migrations(c, "admin", sid) if x["Status"] == "cancelled"])
    s = wait("ACTIVE", lambda: (lambda s: s if s["status"] == "ACTIVE" else None)(admin_show(c, sid)))
    assert s["OS-EXT-SRV-ATTR:host"] == "compute3"


def test_migration_force_complete(slow_cloud):
    c = slow_cloud
    sid = server_id(c, "etl-4")
    # A guest that dirties memory as fast as it is copied: this migration
    # never finishes by itself (Nova's completion timeout is minutes away),
    # so a completion within the wait below is the force-complete's doing.
    assert c.hook("admin", "PUT", f"/_cloud/servers/{sid}/migration-behaviour", {"converge": False})["converge"] is False
    c.osc("admin", "server", "migrate", "--live-migration", "--host", "compute2", sid)
    m = running_migration(c, sid)
    c.osc("admin", "server", "migration", "force", "complete", sid, str(m["Id"]))
    wait("completed", lambda: [x for x in migrations(c, "admin", sid) if x["Status"] == "completed"], every=0.3)
    s = wait("ACTIVE", lambda: (lambda s: s if s["status"] == "ACTIVE" else None)(admin_show(c, sid)))
    assert s["OS-EXT-SRV-ATTR:host"] == "compute2"
