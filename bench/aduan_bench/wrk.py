"""wrk: installing it, its Lua scripts, running it and parsing what it prints."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import log
from .mix import BBOX, CATEGORY_MIX, EXTRA, NEAR, PHRASES, PLACES

LUA_COMMON = r"""
-- Counters live in each wrk thread's own Lua state; done() (in the main state) sums them.
local threads = {}
function setup(thread)
  thread:set("thread_no", #threads + 1)
  table.insert(threads, thread)
end

-- A script may set expect_status: then any other status is an error (e.g. 200 where only
-- 201 means "created"); otherwise any non-2xx is.
expect_status = nil
non2xx, n200, n201 = 0, 0, 0
-- Scripts that consume prepared requests count them: sent (request() calls) and wrapped
-- (times a thread ran out and started its list again).
sent, wrapped = 0, 0
first_bad = ""
function response(status, headers, body)
  if status == 201 then n201 = n201 + 1 elseif status == 200 then n200 = n200 + 1 end
  local bad
  if expect_status then bad = status ~= expect_status else bad = status < 200 or status > 299 end
  if bad then
    non2xx = non2xx + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 300) end
  end
end

function seed()
  math.randomseed(os.time() * 1000 + (thread_no or 0) * 7919)
  for _ = 1, 10 do math.random() end
end

function done(summary, latency, requests)
  local bad, s200, s201, sent_total, sent_max, wraps, sample = 0, 0, 0, 0, 0, 0, ""
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    s200, s201 = s200 + t:get("n200"), s201 + t:get("n201")
    local n = t:get("sent")
    sent_total, sent_max = sent_total + n, math.max(sent_max, n)
    wraps = wraps + t:get("wrapped")
    local s = t:get("first_bad")
    if sample == "" and s ~= "" then sample = s end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d "
      .. "p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f n200=%d n201=%d sent_total=%d sent_max=%d "
      .. "wrapped=%d\n",
    summary.requests, summary.duration, bad, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50.0), latency:percentile(90.0), latency:percentile(99.0), latency.max, latency.mean,
    s200, s201, sent_total, sent_max, wraps))
  io.write("BENCH_SAMPLE " .. string.gsub(sample, "[\r\n]", " ") .. "\n")
end
"""


def lua_str(s: str) -> str:
    """A Lua string literal: quotes, backslashes and control bytes escaped as \\ddd, UTF-8 kept."""
    out = bytearray(b'"')
    for b in s.encode():
        if b in (0x22, 0x5C) or b < 0x20 or b == 0x7F:
            out += b"\\%03d" % b
        else:
            out.append(b)
    out += b'"'
    return out.decode()


def lua_list(items: list[str] | tuple[str, ...]) -> str:
    return "{" + ", ".join(lua_str(i) for i in items) + "}"


def lua_static(method: str, path: str, headers: dict[str, str] | None = None, body: str | None = None) -> str:
    """The same request every time (a prebuilt string, as cheap for wrk as its default)."""
    body_lua = lua_str(body) if body is not None else "nil"
    return f"""
local req
function init(args)
  seed()
  req = wrk.format({lua_str(method)}, {lua_str(path)}, {_lua_headers(headers)}, {body_lua})
end
function request() return req end
"""


def lua_pick(requests: list[tuple[str, str, dict[str, str] | None, str | None]]) -> str:
    """A request drawn at random per call from a prebuilt list: the hook for scenarios whose
    requests Python must prepare (e.g. bodies signed with HMAC, which wrk's Lua cannot do)."""
    entries = ",\n".join(
        f"  {{{lua_str(m)}, {lua_str(p)}, {_lua_headers(h)}, {lua_str(b) if b is not None else 'nil'}}}"
        for m, p, h, b in requests
    )
    return f"""
local specs = {{
{entries}
}}
local reqs = {{}}
function init(args)
  seed()
  for i, s in ipairs(specs) do reqs[i] = wrk.format(s[1], s[2], s[3], s[4]) end
end
function request() return reqs[math.random(#reqs)] end
"""


def _lua_headers(headers: dict[str, str] | None) -> str:
    if not headers:
        return "{}"
    return "{" + ", ".join(f"[{lua_str(k)}] = {lua_str(v)}" for k, v in headers.items()) + "}"


def _lua_complaint_text() -> str:
    """Lua tables and a function composing an Indonesian complaint: (category index, description)."""
    cats = [c for c in CATEGORY_MIX if c is not None]
    phrases = "{" + ", ".join(lua_list(PHRASES[c]) for c in cats) + "}"
    return f"""
local cats = {lua_list(cats)}
local phrases = {phrases}
local places = {lua_list(PLACES)}
local near = {lua_list(NEAR)}
local extra = {lua_list(EXTRA)}
local function complaint_text()
  local c = math.random(#cats)
  local place = places[math.random(#places)]
  local desc = string.format("%s di %s %s, RT %02d/RW %02d. %s",
    phrases[c][math.random(3)], place, near[math.random(#near)], math.random(1, 15), math.random(1, 12),
    extra[math.random(#extra)])
  local title = ""
  if math.random() < 0.35 then title = string.format('"title":"Laporan di %s",', place) end
  return c, place, desc, title
end
"""


def lua_intake(app_key: str) -> str:
    """POST /v1/complaints with a different complaint each time, composed in Lua."""
    south, west, north, east = BBOX
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {app_key}"}
    return (
        _lua_complaint_text()
        + f"""
local headers = {_lua_headers(headers)}
function init(args) seed() end
function request()
  local c, place, desc, title = complaint_text()
  local body = string.format(
    '{{%s"description":"%s","category":"%s","location":{{"lat":%.6f,"lon":%.6f,"accuracy_m":%d,'
      .. '"address":"%s No. %d"}},"privacy":"%s"}}',
    title, desc, cats[c], {south} + math.random() * {north - south}, {west} + math.random() * {east - west},
    math.random(4, 50), place, math.random(1, 150), (math.random() < 0.87) and "public" or "anonymous")
  return wrk.format("POST", "/v1/complaints", headers, body)
end
"""
    )


def lua_intake_routed(app_key: str, points: list[tuple[float, float]]) -> str:
    """POST /v1/complaints without a category (the classifier decides), at a point drawn from
    ``points`` (prepared in Python so a known share lands in kelurahan that have officers)."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {app_key}"}
    pts = ",".join(f"{{{lat},{lon}}}" for lat, lon in points)
    return (
        _lua_complaint_text()
        + f"""
local headers = {_lua_headers(headers)}
local points = {{{pts}}}
function init(args) seed() end
function request()
  local _, place, desc, title = complaint_text()
  local p = points[math.random(#points)]
  local body = string.format(
    '{{%s"description":"%s","location":{{"lat":%.6f,"lon":%.6f,"accuracy_m":%d,"address":"%s No. %d"}},'
      .. '"privacy":"%s"}}',
    title, desc, p[1], p[2], math.random(4, 50), place, math.random(1, 150),
    (math.random() < 0.87) and "public" or "anonymous")
  return wrk.format("POST", "/v1/complaints", headers, body)
end
"""
    )


FACEBOOK_PATH = "/v1/channels/facebook/webhook"


def lua_feed() -> str:
    """The signed Page feed webhooks of SignedBodies, each sent once (args: file, first line, threads)."""
    headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua"}
    return f"""
expect_status = 201  -- 200 would be a redelivery or an ignored event: not what this measures
local reqs, idx = {{}}, 0
function init(args)
  seed()
  local path, first, nthreads = args[1], tonumber(args[2]), tonumber(args[3])
  local k, i = thread_no - 1, 0
  for line in io.lines(path) do
    if i >= first and (i - first) % nthreads == k then
      local h = {_lua_headers(headers)}
      h["X-Hub-Signature-256"] = "sha256=" .. string.sub(line, 1, 64)
      h["X-Hub-Signature"] = "sha1=" .. string.sub(line, 66, 105)
      reqs[#reqs + 1] = wrk.format("POST", {lua_str(FACEBOOK_PATH)}, h, string.sub(line, 107))
    end
    i = i + 1
  end
end
function request()
  sent = sent + 1
  idx = idx + 1
  if idx > #reqs then idx, wrapped = 1, wrapped + 1 end
  return reqs[idx]
end
"""


RESULT_RE = re.compile(r"^BENCH_RESULT (.*)$", re.M)
SAMPLE_RE = re.compile(r"^BENCH_SAMPLE ?(.*)$", re.M)


def wrk_threads(connections: int) -> int:
    return min(2, connections)


def run_wrk(
    base: str,
    script: Path,
    connections: int,
    duration: float,
    logdir: Path,
    tag: str,
    args: list[str] | None = None,
) -> dict[str, Any]:
    threads = wrk_threads(connections)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "5s", "--latency",
           "-s", str(script), base]  # fmt: skip
    if args:
        cmd += ["--", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    (logdir / f"wrk-{tag}.txt").write_text(proc.stdout + proc.stderr)
    m = RESULT_RE.search(proc.stdout)
    if proc.returncode != 0 or not m:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    values = {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
    sample = SAMPLE_RE.search(proc.stdout)
    socket_errors = int(values["connect"] + values["read"] + values["write"] + values["timeout"])
    return {
        "connections": connections,
        "requests": int(values["requests"]),
        "rps": values["requests"] / (values["duration_us"] / 1e6),
        "p50_ms": values["p50_us"] / 1000,
        "p90_ms": values["p90_us"] / 1000,
        "p99_ms": values["p99_us"] / 1000,
        "max_ms": values["max_us"] / 1000,
        "non2xx": int(values["non2xx"]),  # statuses the script counts as errors (see expect_status)
        "n200": int(values["n200"]),
        "n201": int(values["n201"]),
        "sent_total": int(values["sent_total"]),
        "sent_max": int(values["sent_max"]),
        "wrapped": int(values["wrapped"]),
        "socket_errors": socket_errors,
        "first_error": (sample.group(1).strip() if sample else "") or None,
    }


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing: apt-get install -y wrk")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(["apt-get", "install", "-y", "wrk"], env=env).returncode != 0:
            # a fresh container has no package lists yet
            subprocess.run(["apt-get", "update"], env=env, check=False)
            subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, check=False)
        if shutil.which("wrk"):
            return
    print(
        "bench: wrk is required and was not found.\n"
        "  Debian/Ubuntu: sudo apt-get install -y wrk\n"
        "  macOS: brew install wrk\n"
        "  from source: https://github.com/wg/wrk",
        file=sys.stderr,
    )
    raise SystemExit(2)
