# Shell helpers shared by scripts/loadtest and scripts/bench (sourced).

# Resident memory of a process, in KiB.
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# CPU time a process has used so far (user + system), in seconds.
cpu_s() { awk -v t="$(getconf CLK_TCK)" '{print ($14 + $15) / t}' "/proc/$1/stat"; }

# Waits up to a minute for a URL to answer.
wait_for() {
  for _ in $(seq 1 300); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done
  echo "nothing answered at $1" >&2; return 1
}

# An admin token straight from the cloud's Keystone: keystone_admin_token CLOUD_URL
keystone_admin_token() {
  curl -sS -D - -o /dev/null -H 'Content-Type: application/json' "$1/identity/v3/auth/tokens" --data \
    '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"ferry-admin"}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}' |
    tr -d '\r' | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p'
}

# Logs in through Ferry's login server function and prints the Cookie value:
# ferry_login FERRY_URL USER PASSWORD PROJECT
ferry_login() {
  curl -sS -o /dev/null -D - -X POST "$1/api/login" -H "Origin: $1" \
    -H 'Content-Type: application/x-www-form-urlencoded' \
    --data "user=$2&password=$3&project=$4&domain=Default&next=%2F" |
    tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(ferry_session=[^;]*\).*/\1/p'
}
