-- wrk script for scripts/loadtest: many logged-in sessions, each browsing the instance list
-- (first page, other pages, sorted, filtered by host), opening an instance, and refreshing live
-- rows the way the page does. Any answer but 200 counts as a failure (a 302 to /login would mean
-- a lost session), and done() prints one JSON line that scripts/loadtest checks.
--
-- Arguments (after --): sessions file ("admin COOKIE" or "project COOKIE" per line),
-- instance ids file (one per line).

local threads = {}

function setup(thread)
  thread:set("thread_no", #threads)
  table.insert(threads, thread)
end

local function lines(path)
  local out = {}
  for line in io.lines(path) do
    if line ~= "" then table.insert(out, line) end
  end
  return out
end

function init(args)
  sessions = {}
  for _, line in ipairs(lines(args[1])) do
    local scope, cookie = line:match("^(%S+) (.+)$")
    table.insert(sessions, { scope = scope, cookie = cookie })
  end
  ids = lines(args[2])
  n = thread_no or 0
  failures = 0
  statuses = {}
  kinds = { list = 0, page = 0, detail = 0, refresh = 0 }
end

local function refresh_body(scope, first)
  -- What the page posts: the ids on it, those in flux, and the last refresh's server time.
  local parts = {}
  for i = 0, 49 do
    local id = ids[((first + i) % #ids) + 1]
    table.insert(parts, "ids[" .. i .. "]=" .. id)
  end
  table.insert(parts, "flux[0]=" .. ids[(first % #ids) + 1])
  table.insert(parts, "since=" .. os.date("!%Y-%m-%dT%H:%M:%S", os.time() - 3) .. "%2B00%3A00")
  table.insert(parts, "scope=" .. (scope == "admin" and "AllProjects" or "MyProject"))
  return table.concat(parts, "&")
end

function request()
  n = n + 1
  local s = sessions[(n % #sessions) + 1]
  local base = s.scope == "admin" and "/admin/instances" or "/project/instances"
  local page_headers = { ["Cookie"] = s.cookie, ["Accept"] = "text/html" }
  local step = n % 6
  if step == 0 then
    kinds.list = kinds.list + 1
    return wrk.format("GET", base, page_headers)
  elseif step == 1 and s.scope == "admin" then
    kinds.page = kinds.page + 1
    local marker = ids[(n % #ids) + 1]
    return wrk.format("GET", base .. "?marker=" .. marker, page_headers)
  elseif step == 2 then
    kinds.page = kinds.page + 1
    local host = "compute" .. ((n % 3) + 1)
    return wrk.format("GET", base .. "?sort=host&host=" .. host, page_headers)
  elseif step == 3 and s.scope == "admin" then
    kinds.detail = kinds.detail + 1
    return wrk.format("GET", base .. "/" .. ids[(n % #ids) + 1], page_headers)
  elseif step == 1 or step == 3 then
    -- A project operator's markers would have to come from their own project; sort instead.
    kinds.list = kinds.list + 1
    return wrk.format("GET", base .. "?sort=name&desc=true", page_headers)
  else
    kinds.refresh = kinds.refresh + 1
    return wrk.format("POST", "/api/refresh_rows", {
      ["Cookie"] = s.cookie,
      ["Accept"] = "application/json",
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Origin"] = wrk.scheme .. "://" .. wrk.host .. ":" .. wrk.port,
    }, refresh_body(s.scope, n))
  end
end

function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
    statuses[status] = (statuses[status] or 0) + 1
    if failures <= 3 then
      -- The page's own explanation (the alert), not its <head>.
      local text = body or ""
      local at = string.find(text, 'role="alert"', 1, true) or 1
      io.stderr:write("status " .. status .. ": " .. string.sub(text, at, at + 400) .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local failed, list, page, detail, refresh = 0, 0, 0, 0, 0
  local codes = {}
  for _, t in ipairs(threads) do
    failed = failed + t:get("failures")
    local k = t:get("kinds")
    list, page, detail, refresh = list + k.list, page + k.page, detail + k.detail, refresh + k.refresh
    for code, count in pairs(t:get("statuses")) do
      codes[#codes + 1] = '"' .. code .. '":' .. count
    end
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_s":%.1f,"bytes":%d,"failed_status":%d,"statuses":{%s},' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
    '"p50_ms":%.1f,"p99_ms":%.1f,"max_ms":%.1f,"mix":{"list":%d,"page":%d,"detail":%d,"refresh":%d}}\n',
    summary.requests, summary.duration / 1e6, summary.bytes, failed, table.concat(codes, ","),
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    list, page, detail, refresh))
end
