# Sourced by scripts/record-fixtures and scripts/bench --cloud: the Python venv with openstacksdk,
# keystoneauth and PyYAML, built from the CLI tests' pinned requirements (one list of versions,
# not two). It is rebuilt only when that file changes, so a second run starts in a second.
# Sets $record_python. Expects to run from the repository root.
record_requirements=embedded-cloud/tests/cli/requirements.txt
record_venv=target/record-venv
record_python="$record_venv/bin/python"
record_venv_ready() {
  local stamp="$record_venv/.requirements.sha256" want
  want=$(sha256sum "$record_requirements" | cut -d' ' -f1)
  if [[ -x "$record_python" && "$(cat "$stamp" 2>/dev/null || true)" == "$want" ]]; then
    return 0
  fi
  if ! command -v python3 >/dev/null; then
    echo "python3 is needed (apt-get install python3 python3-venv)" >&2
    return 2
  fi
  echo "creating $record_venv from $record_requirements (about a minute, once)" >&2
  rm -rf "$record_venv"
  mkdir -p target
  python3 -m venv "$record_venv"
  "$record_venv/bin/pip" install --quiet --disable-pip-version-check -r "$record_requirements"
  echo "$want" > "$stamp"
}
