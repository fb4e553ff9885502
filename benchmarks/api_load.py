"""Benchmark: `GET /api/v1/buyers/{ref}` (the buyer with its exposure) under load, served by uvicorn over loopback.

Target: with 100,000 buyers and 1,000,000 invoices in SQLite, ≥ 500 requests/s with p99 ≤ 50 ms.

Usage: python benchmarks/api_load.py [--buyers 100000] [--invoices 1000000] [--workers 2] [--concurrency 32]
                                     [--requests 20000] [--duration 60] [--rounds 3] [--no-wrk]

The ledger is built once with the real commands (`tradecredit init`, `tradecredit import buyers|invoices` on the
CSV files benchmarks/import_invoices.py generates, all EUR so no FX is needed) into
benchmarks/.data/api-<buyers>-<invoices>.db and reused while the sizes are the same (`tradecredit init` migrates it
when the schema has moved on since). A `bench` user (viewer, the role the endpoint needs) gets a fresh API token per
run. The server is `tradecredit serve --workers W` on a free loopback port (should the dashboard package
tradecredit.web be missing, `tradecredit serve` cannot import its app, and the same uvicorn settings serve the API
alone, see `api_app`). The load generator is an asyncio + httpx.AsyncClient loop with a fixed number of keep-alive
connections and random buyer refs, bounded by a request count and a time limit; it runs in this process, so it
competes with the server for the same cores. When `wrk` is installed the same load is also measured with it (a Lua
script picks a random ref per request). Each figure is the median of the rounds (errors: the total), printed as
``name: value unit``; per-round figures (and the machine's load average) go to stderr. ``*_server_cpu`` is the CPU
time the server's processes spent per request: cores × 1000 / that is the most the server could serve on this
machine if nothing else ran, a figure that holds when other jobs share the machine and throughput does not.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from import_invoices import DATA, make_files, tradecredit

PASSWORD = "bench password, not secret"
BUYER_REF = "B{:06d}"  # as written by import_invoices.make_files
LOOPBACK = "127.0.0.1"
API = "/api/v1"
WRK_SCRIPT = """
local buyers = tonumber(os.getenv("BENCH_BUYERS"))
local counter = 0
setup = function(thread) counter = counter + 1; thread:set("seed", counter) end
init = function(args) math.randomseed(seed * 7919 + os.time()) end
request = function()
  return wrk.format("GET", string.format("/api/v1/buyers/B%06d", math.random(0, buyers - 1)))
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %d %d\\n", summary.requests, summary.duration, latency:percentile(50),
                         latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def api_app() -> Any:
    """Uvicorn factory for the API alone: `tradecredit.server.main_app` without the dashboard."""
    from tradecredit.api.app import create_app
    from tradecredit.bootstrap import build

    tc = build()
    tc.ensure_ready()
    return create_app(tc)


@dataclass(frozen=True)
class Round:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu_ms: float = float("nan")  # CPU time the server processes spent per request

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def session_cpu_seconds(session: int) -> float:
    """User + system CPU of every process in a session (the server: uvicorn's supervisor and workers); Linux only."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except (OSError, ValueError):
            continue
        if len(fields) > 12 and fields[3] == str(session):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def measured(session: int, measure: Callable[[], Round]) -> Round:
    before = session_cpu_seconds(session)
    result = measure()
    cpu = session_cpu_seconds(session) - before
    return Round(result.requests, result.seconds, result.p50_ms, result.p99_ms, result.errors,
                 cpu * 1000 / max(1, result.requests))


def environment(database: Path) -> dict[str, str]:
    """The served application's settings. No daily monitoring run inside the server: on a fresh copy the day's run
    is always due, and at 100,000 buyers it would take a core for a minute and SQLite's write lock for seconds in
    the middle of the measurement (docs/deployment.md, "PostgreSQL or SQLite")."""
    return {**os.environ, "TRADECREDIT_DATABASE_URL": f"sqlite:///{database}",
            "TRADECREDIT_SETTINGS_FILE": "/nonexistent.toml", "TRADECREDIT_NEW_PASSWORD": PASSWORD,
            "TRADECREDIT_MONITOR_SCHEDULER": "false"}


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([tradecredit(), *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"`tradecredit {' '.join(args)}` failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def build_database(buyers: int, invoices: int) -> Path:
    """The ledger in SQLite, built through the real importer once per size (then reused)."""
    database = DATA / f"api-{buyers}-{invoices}.db"
    if database.exists():
        run(environment(database), "init")  # a newer schema since it was built: migrate it (fast, idempotent)
        return database
    buyer_file, invoice_file = make_files(invoices, buyers)
    building = database.with_suffix(".building.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    env = environment(building)
    began = time.perf_counter()
    run(env, "init")
    run(env, "import", "buyers", str(buyer_file))
    run(env, "import", "invoices", str(invoice_file))
    run(env, "users", "add", "bench", "--role", "viewer")
    connection = sqlite3.connect(building)
    try:  # fold the WAL in, so the file alone is the database (the app turns WAL back on when it connects)
        connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()
    building.rename(database)
    print(f"built {database.name} in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    return database


def issue_token(database: Path) -> str:
    output = run(environment(database), "users", "token", "bench", "--name", "api_load benchmark")
    found = re.search(r"^(tc_\S+)$", output, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"no token in the output of `tradecredit users token`: {output!r}")
    return found.group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def server_command(port: int, workers: int, access_log: bool) -> list[str]:
    logging = "--access-log" if access_log else "--no-access-log"
    if importlib.util.find_spec("tradecredit.web") and importlib.util.find_spec("tradecredit.web.routes"):
        return [tradecredit(), "serve", "--host", LOOPBACK, "--port", str(port), "--workers", str(workers), logging]
    # The same uvicorn settings as `tradecredit serve` (log level info, access log as asked, and proxy headers).
    return [sys.executable, "-m", "uvicorn", "api_load:api_app", "--factory", "--app-dir", str(Path(__file__).parent),
            "--host", LOOPBACK, "--port", str(port), "--workers", str(workers), "--log-level", "info",
            "--proxy-headers", logging]


@contextmanager
def serving(database: Path, workers: int, token: str, log: Path, access_log: bool = True) -> Any:
    """A running server (always stopped afterwards) and its base URL, once it answers an authenticated request."""
    port = free_port()
    with log.open("w") as output:
        server = subprocess.Popen(server_command(port, workers, access_log), env=environment(database), stdout=output,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://{LOOPBACK}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}{API}/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer within 60 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)  # its own session: the supervisor and its workers, nothing else
            server.wait()


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def load(base: str, token: str, *, buyers: int, concurrency: int, requests: int, duration: float,
               seed: int) -> Round:
    """`requests` GETs of random buyers over `concurrency` keep-alive connections, stopping early at `duration`."""
    rng = random.Random(seed)
    refs = [BUYER_REF.format(rng.randrange(buyers)) for _ in range(requests)]
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, limits=limits,
                                 timeout=30) as client:
        began = time.perf_counter()
        stop_at = began + duration
        queue = iter(refs)

        async def user() -> None:
            for ref in queue:
                if time.perf_counter() > stop_at:
                    return
                sent = time.perf_counter()
                try:
                    response = await client.get(f"{API}/buyers/{ref}")
                    if response.status_code != 200 or response.json()["ref"] != ref:
                        errors[f"HTTP {response.status_code}"] += 1
                except httpx.HTTPError as error:
                    errors[type(error).__name__] += 1
                latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(user() for _ in range(concurrency)))
        seconds = time.perf_counter() - began
    if errors:
        print(f"errors: {dict(errors)}", file=sys.stderr)
    ordered = sorted(latencies)
    return Round(len(ordered), seconds, percentile(ordered, 0.50) * 1000, percentile(ordered, 0.99) * 1000,
                 sum(errors.values()))


def wrk_round(base: str, token: str, *, buyers: int, concurrency: int, duration: float, script: Path) -> Round:
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(duration))}s", "--timeout", "30s",
               "-H", f"Authorization: Bearer {token}", "-s", str(script), f"{base}{API}/buyers/B000000"]
    done = subprocess.run(command, env={**os.environ, "BENCH_BUYERS": str(buyers)}, capture_output=True, text=True,
                          check=True, timeout=duration + 60)
    found = re.search(r"^WRK (\d+) (\d+) (\d+) (\d+) (\d+)$", done.stdout, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"unexpected wrk output:\n{done.stdout}\n{done.stderr}")
    count, micros, p50, p99, errors = map(int, found.groups())
    return Round(count, micros / 1e6, p50 / 1000, p99 / 1000, errors)


def report(prefix: str, rounds: list[Round]) -> None:
    def median(value: Callable[[Round], float]) -> float:
        return statistics.median(value(r) for r in rounds)

    print(f"{prefix}_requests: {median(lambda r: r.requests):.0f} count")
    print(f"{prefix}_rps: {median(lambda r: r.rps):.0f} req/s")
    print(f"{prefix}_p50: {median(lambda r: r.p50_ms):.1f} ms")
    print(f"{prefix}_p99: {median(lambda r: r.p99_ms):.1f} ms")
    print(f"{prefix}_errors: {sum(r.errors for r in rounds)} count")  # all rounds: a median would hide them
    print(f"{prefix}_server_cpu: {median(lambda r: r.server_cpu_ms):.2f} ms/req")


def show(name: str, number: int, result: Round) -> None:
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    print(f"{name} round {number}: {result.requests} requests in {result.seconds:.1f} s = {result.rps:.0f} req/s, "
          f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, {result.errors} errors, "
          f"server CPU {result.server_cpu_ms:.2f} ms/request "
          f"(load average {load} on {os.cpu_count()} cores)", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn processes (2 for a 2-core machine)")
    parser.add_argument("--concurrency", type=int, default=32, help="keep-alive connections")
    parser.add_argument("--requests", type=int, default=20_000, help="requests per round (at most)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per round (at most)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wrk-duration", type=float, default=20.0, help="seconds per wrk round")
    parser.add_argument("--no-wrk", action="store_true", help="skip wrk even when it is installed")
    parser.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True,
                        help="uvicorn's per-request access log (off: as behind a proxy that logs requests)")
    options = parser.parse_args()
    database = build_database(options.buyers, options.invoices)
    token = issue_token(database)
    print(f"buyers: {options.buyers} count")
    print(f"invoices: {options.invoices} count")
    print(f"concurrency: {options.concurrency} count")
    print(f"workers: {options.workers} count")
    print(f"access_log: {'on' if options.access_log else 'off'}")
    with tempfile.TemporaryDirectory(prefix="tradecredit-api-load-") as folder:
        log = Path(folder) / "server.log"
        with serving(database, options.workers, token, log, options.access_log) as (base, session):
            def httpx_round(requests: int, duration: float, seed: int) -> Round:
                return asyncio.run(load(base, token, buyers=options.buyers, concurrency=options.concurrency,
                                        requests=requests, duration=duration, seed=seed))

            httpx_round(min(2000, options.requests), 10, 0)  # warm-up, not counted
            rounds = []
            for number in range(1, options.rounds + 1):
                rounds.append(measured(session, lambda n=number: httpx_round(options.requests, options.duration, n)))
                show("httpx", number, rounds[-1])
            report("api", rounds)
            if options.no_wrk or shutil.which("wrk") is None:
                print("wrk not installed (apt-get install wrk) or --no-wrk: no wrk figures", file=sys.stderr)
                return
            script = Path(folder) / "random_buyer.lua"
            script.write_text(WRK_SCRIPT)
            rounds = []
            for number in range(1, options.rounds + 1):
                rounds.append(measured(session, lambda: wrk_round(
                    base, token, buyers=options.buyers, concurrency=options.concurrency,
                    duration=min(options.duration, options.wrk_duration), script=script)))
                show("wrk", number, rounds[-1])
            report("wrk", rounds)

if __name__ == "__main__":
    main()
