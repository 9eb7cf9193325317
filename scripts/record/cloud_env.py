#!/usr/bin/env python3
"""Prints shell assignments for scripts/bench --cloud NAME: the clouds.yaml entry's login (Ferry
has no password of its own; an operator logs in as themselves, so the bench logs in as the
entry's user), a token and the compute endpoint for the raw Nova calls, and the cloud's Nova
version from its version document.

    eval "$(target/record-venv/bin/python scripts/record/cloud_env.py NAME)"

clouds.yaml is found the way openstacksdk (and Ferry) find it: OS_CLIENT_CONFIG_FILE, ./clouds.yaml,
~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml.
"""
import shlex
import sys
from pathlib import Path

import openstack.config

sys.dont_write_bytecode = True  # no __pycache__ in scripts/record/
sys.path.insert(0, str(Path(__file__).resolve().parent))
from record import nova_label  # noqa: E402  (the same release table as the fixtures' label)


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: cloud_env.py CLOUD")
    name = sys.argv[1]
    try:
        region = openstack.config.OpenStackConfig().get_one(cloud=name)
    except Exception as e:
        raise SystemExit(f"bench: cannot use cloud {name!r} from clouds.yaml: {e}")
    auth = region.auth
    missing = [k for k in ("auth_url", "username", "password", "project_name") if not auth.get(k)]
    if missing:
        raise SystemExit(f"bench: cloud {name!r} has no {', '.join(missing)} in its auth section; "
                         "the bench logs in to Ferry with a username and password")
    sess = region.get_session()
    token = sess.get_token()
    compute = sess.get_endpoint(service_type="compute", interface=region.get_interface() or "public",
                                region_name=region.get_region_name())
    if not compute:
        raise SystemExit(f"bench: cloud {name!r} has no compute endpoint in its catalog")
    compute = compute.rstrip("/")
    version = sess.get(compute + "/", headers={"Accept": "application/json"}).json()["version"]
    # How many servers the cloud holds (all projects, the cheap non-detail list, following pages),
    # for the report: the pages are only full with more than 100.
    count, marker = 0, None
    while True:
        url = compute + "/servers?all_tenants=True&limit=1000" + (f"&marker={marker}" if marker else "")
        page = sess.get(url, headers={"Accept": "application/json"}).json()["servers"]
        count += len(page)
        if len(page) < 1000:
            break
        marker = page[-1]["id"]
    out = {
        "cloud_user": auth["username"],
        "cloud_password": auth["password"],
        "cloud_project": auth["project_name"],
        "cloud_domain": auth.get("user_domain_name") or "Default",
        "cloud_token": token,
        "cloud_compute": compute,
        "cloud_nova_min": version["min_version"],
        "cloud_nova_max": version["version"],
        "cloud_nova_label": nova_label(version["version"]),
        "cloud_servers": str(count),
    }
    for k, v in out.items():
        print(f"{k}={shlex.quote(v)}")


if __name__ == "__main__":
    main()
