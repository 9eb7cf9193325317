#!/usr/bin/env bash
# Run the real python-openstackclient against the embedded cloud.
#
#   embedded-cloud/tests/cli/run.sh [pytest args...]
#
# CLOUD_CMD: the command that serves the cloud; it gets `--listen ADDR --speed N`
#            and must print an openrc (default: target/release/ferry cloud).
#            For the crate alone: CLOUD_CMD="target/debug/examples/standalone"
#            after `cargo build -p embedded-cloud --example standalone`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cd "$repo"

venv="$repo/.venv-cli"
if [[ ! -x "$venv/bin/openstack" || ! -x "$venv/bin/pytest" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi

export CLOUD_CMD="${CLOUD_CMD:-target/release/ferry cloud}"
first="${CLOUD_CMD%% *}"
if [[ ! -x "$first" ]] && ! command -v "$first" >/dev/null; then
  echo "run.sh: cloud command '$first' not found; build it first (cargo build --release -p server)" >&2
  exit 2
fi
export OPENSTACK="$venv/bin/openstack"
exec "$venv/bin/pytest" -q "$here/test_openstack_cli.py" "$@"
