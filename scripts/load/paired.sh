# Paired requests for scripts/bench --cloud (sourced): each client alternates Ferry's page and the
# Nova call it stands for, so both meet the same minutes of a cloud whose speed drifts (a real
# Nova on a shared machine does, by more than the 5 % the goal allows). No request is cut: a
# client checks the time only between pairs, so a run lasts its seconds plus at most one pair.
#
#   paired_run OUT CLIENTS SECONDS PAGE_CFG CALL_CFG
#
# PAGE_CFG and CALL_CFG are curl config files (url, headers). Appends one JSON line per request
# to OUT: {"client":1,"pair":0,"kind":"page","code":200,"s":0.712}, the time being curl's
# time_total (connect to last byte), which leaves out curl's own start.
paired_run() {
  local out=$1 clients=$2 seconds=$3 page_cfg=$4 call_cfg=$5 deadline c
  local workers=()
  deadline=$(($(date +%s) + seconds))
  for c in $(seq 1 "$clients"); do
    (
      pair=0
      while [ "$(date +%s)" -lt "$deadline" ]; do
        # The order alternates as well, so neither kind always runs on the heels of the other.
        if (((pair + c) % 2)); then order="page call"; else order="call page"; fi
        for kind in $order; do
          cfg=$page_cfg
          [ "$kind" = call ] && cfg=$call_cfg
          curl -sS -o /dev/null --max-time 120 -K "$cfg" \
            -w "{\"client\":$c,\"pair\":$pair,\"kind\":\"$kind\",\"code\":%{http_code},\"s\":%{time_total}}\n" ||
            echo "{\"client\":$c,\"pair\":$pair,\"kind\":\"$kind\",\"code\":0,\"s\":0}"
        done
        pair=$((pair + 1))
      done
    ) > "$out.client-$c" &
    workers+=($!)
  done
  # Only the workers: the caller's shell may have other children (Ferry itself).
  wait "${workers[@]}"
  cat "$out".client-* >> "$out"
  rm -f "$out".client-*
}

# A curl config file for one request: curl_config FILE URL HEADER...; readable by its owner only
# (it holds a token or a session cookie).
curl_config() {
  local file=$1 url=$2 h
  shift 2
  (
    umask 077
    {
      printf 'url = "%s"\n' "$url"
      for h in "$@"; do printf 'header = "%s"\n' "$h"; done
    } > "$file"
  )
}
