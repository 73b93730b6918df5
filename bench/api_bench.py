"""Benchmark of the HTTP API: lodging detainers per second and latency, against PostgreSQL's ceiling.

Usage (from the repository root, in the project's virtualenv, with `pgbench` on the PATH
or under /usr/lib/postgresql/*/bin):

    python bench/api_bench.py                         # 2 workers, 16 connections, 20 s a phase
    python bench/api_bench.py --duration 30 --warmup 5
    python bench/api_bench.py --client-processes 2    # the connections split over two clients
    python bench/api_bench.py --client httpx          # httpx.AsyncClient as the client
    python bench/api_bench.py --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Set-up: a scratch database `api_bench_<random>` on the server (dropped at the end),
migrated with `detainers db upgrade`; an admin key (`detainers keys create`) registers
the reference data over the API (two jurisdictions, an agency, a facility), then an
agency officer's key is minted; `detainers serve --workers N` runs on a free port
until /readyz answers.

1. API, closed loop: `--connections` keep-alive connections (asyncio; by default a
   minimal HTTP/1.1 client over asyncio streams, or with `--client httpx` each an
   `httpx.AsyncClient` with a pool of one), opened one after another during the
   warm-up and used in turn, each lodge a detainer (`POST /api/v1/detainers`, a new subject every time) as soon as the
   previous answer came, for `--duration` s after `--warmup` s. Requests/s, p50/p99
   latency, errors (anything but 201).
2. Baseline, the ceiling: `pgbench` (prepared statements, like psycopg after its
   fifth execution) with the same number of connections and duration, running in one
   transaction exactly the rows a lodge writes: INSERT detainer, INSERT
   detainer_event, SELECT audit_head FOR UPDATE, INSERT audit_record (hash chained),
   UPDATE audit_head. The API also authenticates the key and reads the agency, the
   facility and the subject's identifiers; those reads are not in the ceiling.
3. API, open loop: arrivals on a fixed schedule at half the API's measured peak, for
   the same duration; latency is measured from each request's scheduled time, so a
   stall counts for every request that should have been sent during it. Then the same
   writes through pgbench at the same rate (`--rate`), for the database's own tail at
   that load.

The client is the load generator, not the system measured: on this 2-core machine it
shares the cores with the server and the database, so the default is the minimal client
(about 0.1 ms of CPU a request, as little as `wrk` or `pgbench`); httpx costs about
1.1 ms a request, taken from the server. Both are reported in BENCHMARKS.md.
After the closed loop `detainers audit verify` walks the whole chain the API wrote
(pgbench's records, written next, are chained but not sealed in the canonical form).

CPU over each measured window is reported per party (client, server workers,
PostgreSQL, anything else, the whole machine), read from /proc: on a small machine the
client and the database take CPU from the server, and the split says what bounds the
figure. So do the connections each worker holds and what the database connections were
doing on average (sampled from pg_stat_activity): idle, inside a transaction waiting
for the client, waiting for a lock (the audit chain's head), flushing WAL.
Targets (issue "HTTP API"): the API at least 30% of the ceiling; p99 under 50 ms at
half the peak rate; no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import json
import math
import multiprocessing as mp
import os
import re
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
AGENCY, FACILITY = "ERO-BOS", "CT-DOC-HCC"
OFFICER = "bench officer"
LODGE_PATH = "/api/v1/detainers"
TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1

# The request body, a new subject each time (the `{n}` is a unique identifier).
BODY = (
    '{"agency":"' + AGENCY + '","facility":"' + FACILITY + '",'
    '"subject":{"name":{"given":["Bench"],"family":["Person"]},'
    '"identifiers":{"state_id":"CT-BENCH-{n}"}},'
    '"form":"I-247A","probable_cause":["pending_proceedings"],"warrant":"I-200",'
    '"requests":["notify","hold"]}'
)

# What one lodge writes, for pgbench; the values are those the API writes (an unmatched
# detainer, its DetainerLodged event, the audit record). `:i` counts per client, so
# `:k` is unique; `:run` keeps ids apart between runs; `:actor` holds a colon, which
# pgbench would take for a variable inside a literal.
PGBENCH_SCRIPT = """\
\\set i :i + 1
\\set k :client_id * 1000000000 + :i
BEGIN;
INSERT INTO detainer (id, agency_code, facility_code, booking_id, subject_given_names,
  subject_family_names, subject_date_of_birth, subject_identifiers, form, probable_cause,
  warrant, requests, lodged_at, lodged_by, state, served_at, cancelled_at, closed_at,
  agency_arrest_date, decision_id, version, last_sequence, last_event_at)
  VALUES (md5(:run || '-' || :k)::uuid::text, 'AGENCY', 'FACILITY', NULL, '["Bench"]',
  '["Person"]', NULL, jsonb_build_object('state_id', 'CT-BENCH-' || :k), 'I-247A',
  '["pending_proceedings"]', 'I-200', '["hold", "notify"]', now(), :actor, 'unmatched',
  NULL, NULL, NULL, NULL, NULL, 0, 1, now());
INSERT INTO detainer_event (detainer_id, sequence, type, occurred_at, actor, reason,
  from_state, to_state, payload)
  VALUES (md5(:run || '-' || :k)::uuid::text, 1, 'DetainerLodged', now(), :actor, 'lodged',
  '', 'unmatched', '{"form": "I-247A", "warrant": "I-200", "requests": "hold,notify", "agency_code": "AGENCY", "facility_code": "FACILITY"}');
SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE \\gset
INSERT INTO audit_record (seq, at, actor, actor_kind, role, organization, action,
  object_type, object_id, outcome, client, request_id, detail, previous_hash, hash)
  VALUES (:seq::bigint + 1, now(), :actor, 'key', 'agency_officer', 'AGENCY',
  'detainer.lodge', 'detainer', md5(:run || '-' || :k)::uuid::text, 'success', '127.0.0.1',
  md5(:k::text), '', :hash,
  encode(sha256(convert_to(:hash || md5(:run || '-' || :k), 'UTF8')), 'hex'));
UPDATE audit_head SET seq = :seq::bigint + 1,
  hash = encode(sha256(convert_to(:hash || md5(:run || '-' || :k), 'UTF8')), 'hex')
  WHERE id = 1;
END;
""".replace("AGENCY", AGENCY).replace("FACILITY", FACILITY)


# -- figures ---------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """The `p`-th percentile (nearest rank) of already sorted values; NaN if there are none."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class Figures:
    label: str
    seconds: float
    latencies: list[float]  # seconds, sorted
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # share of one core, by party
    spread: list[int] = field(default_factory=list)  # client connections by server worker
    backends: str = ""  # what the database connections were doing

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def ms(self, p: float) -> float:
        return percentile(self.latencies, p) * 1000

    def line(self, baseline: float | None = None) -> str:
        ratio = f"   /ceiling {self.rate / baseline:5.2f}" if baseline else ""
        return (
            f"{self.label:<30} {self.rate:8,.0f} lodges/s   p50 {self.ms(50):6.1f} ms"
            f"   p99 {self.ms(99):6.1f} ms   errors {self.errors}{ratio}"
        )

    def cpu_line(self) -> str:
        parts = "  ".join(f"{name} {share * 100:4.0f}%" for name, share in self.cpu.items())
        spread = (
            f";  connections by worker {'/'.join(map(str, self.spread))}" if self.spread else ""
        )
        line = f"{'':<30} CPU (100% = one core of {CORES}): {parts}{spread}"
        ours = [name for name in ("client", "server", "postgres") if name in self.cpu]
        each = ", ".join(f"{name} {self.cpu[name] / self.rate * 1000:.2f}" for name in ours)
        line += f"\n{'':<30} CPU ms per lodge: {each}"
        return f"{line}\n{self.backends}" if self.backends else line


# -- CPU accounting from /proc -----------------------------------------------------------


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command, parent pid, CPU seconds) of a process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    command = raw[raw.index("(") + 1 : raw.rindex(")")]
    rest = raw[raw.rindex(")") + 2 :].split()
    return command, int(rest[1]), (int(rest[11]) + int(rest[12])) / TICKS


def _processes() -> dict[int, tuple[str, int, float]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := _stat(int(entry))) is not None:
            found[int(entry)] = info
    return found


def _machine_busy() -> float:
    """CPU seconds the whole machine spent busy (not idle, not waiting for I/O)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / TICKS


def _tcp() -> list[tuple[int, int, str]]:
    """(local port, remote port, socket inode) of every established TCP connection."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                cols = row.split()
                if cols[3] == "01":
                    local, remote = (int(c.rsplit(":", 1)[1], 16) for c in cols[1:3])
                    found.append((local, remote, cols[9]))
    return found


def _sockets(pid: int | str) -> set[str]:
    """Inodes of the sockets process `pid` holds open."""
    found = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                found.add(target[8:-1])
    return found


def server_workers(server_pid: int) -> list[int]:
    """The worker processes of `detainers serve` (itself, when it runs one worker)."""
    workers = []
    for pid, (_, ppid, _) in _processes().items():
        if ppid == server_pid:
            with contextlib.suppress(OSError):
                # Not multiprocessing's resource tracker, only workers.
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    workers.append(pid)
    return workers or [server_pid]


def connections_by_worker(server_pid: int, port: int) -> list[int]:
    """Established client connections each server worker holds (on `port`), busiest first."""
    inodes = {inode for local, _, inode in _tcp() if local == port}
    return sorted((len(_sockets(w) & inodes) for w in server_workers(server_pid)), reverse=True)


def own_ports(server_port: int) -> set[int]:
    """This process's local ports of its connections to `server_port`."""
    mine = _sockets("self")
    return {local for local, remote, inode in _tcp() if remote == server_port and inode in mine}


def worker_of(client_port: int, server_port: int, workers: list[int]) -> int | None:
    """The worker that accepted the connection from `client_port`, if found."""
    inodes = {i for local, remote, i in _tcp() if local == server_port and remote == client_port}
    return next((w for w in workers if _sockets(w) & inodes), None)


# PostgreSQL's own processes that work for every database (the WAL and buffer writers).
POSTGRES_SHARED = ("walwriter", "checkpointer", "background writer")


class CpuWatch:
    """CPU used over a window by the server's process tree, PostgreSQL and the whole machine.

    A thread samples /proc every `every` seconds, so processes that end inside the
    window (pgbench's backends) still count, up to their last sample. PostgreSQL is
    the backends of `database` (their process title names it) and the shared writers;
    other databases' backends (other work on the same server) count as "others".
    """

    def __init__(self, server_pid: int | None, database: str, every: float = 0.5) -> None:
        self.server_pid = server_pid
        self.database = database
        self.every = every
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.server_tree: set[int] = set()
        self.postgres: set[int] = set()
        self._looked_at: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        procs = _processes()
        if self.server_pid is not None:
            tree = {self.server_pid}
            grew = True
            while grew:
                more = {pid for pid, (_, ppid, _) in procs.items() if ppid in tree} - tree
                tree |= more
                grew = bool(more)
            self.server_tree |= tree
        for pid, (command, _, cpu) in procs.items():
            if command == "postgres" and pid not in self._looked_at:
                self._looked_at.add(pid)
                try:
                    title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
                except OSError:
                    title = ""
                if f" {self.database} " in title or title.rstrip("\0").endswith(POSTGRES_SHARED):
                    self.postgres.add(pid)
            # A process first seen after the start counts from zero.
            self.first.setdefault(pid, cpu if self._started is None else 0.0)
            self.last[pid] = (command, cpu)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._sample()

    def __enter__(self) -> CpuWatch:
        self._started: float | None = None
        self._sample()
        self._machine = _machine_busy()
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.wall = time.monotonic() - (self._started or 0.0)
        self.machine = (_machine_busy() - self._machine) / self.wall

    def used(self, pids: set[int]) -> float:
        """Share of one core used by `pids`."""
        total = sum(
            cpu - self.first.get(pid, 0.0) for pid, (_, cpu) in self.last.items() if pid in pids
        )
        return total / self.wall

    def shares(self, client: float) -> dict[str, float]:
        server = self.used(self.server_tree) if self.server_pid is not None else 0.0
        postgres = self.used(self.postgres)
        found = {"client": client}
        if self.server_pid is not None:
            found["server"] = server
        found["postgres"] = postgres
        found["others"] = max(0.0, self.machine - client - server - postgres)
        found["machine"] = self.machine
        return found


class BackendWatch:
    """What the database's connections are doing, sampled from pg_stat_activity every `every` s.

    The averages say where a transaction's time goes: waiting for the client inside a
    transaction (the client between two statements), waiting for a lock (the audit
    chain's head), flushing WAL at commit, or running.
    """

    STATES = """
        SELECT CASE
            WHEN state = 'idle' THEN 'idle'
            WHEN state LIKE 'idle in transaction%%' THEN 'in transaction, client busy'
            WHEN wait_event_type = 'Lock' THEN 'waiting for a lock'
            WHEN wait_event_type = 'IO' OR wait_event LIKE 'WAL%%' THEN 'WAL write/flush'
            WHEN wait_event_type IS NULL THEN 'running'
            ELSE wait_event_type || ' ' || wait_event END AS doing, count(*)
        FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND backend_type = 'client backend' AND (application_name = 'pgbench') = %s
        GROUP BY 1
    """

    def __init__(self, url: str, *, pgbench: bool, every: float = 0.1) -> None:
        self.pgbench = pgbench
        self.conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
        self.every = every
        self.totals: dict[str, int] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            while not self._stop.wait(self.every):
                for doing, count in conn.execute(self.STATES, (self.pgbench,)).fetchall():
                    self.totals[doing] = self.totals.get(doing, 0) + count
                self.samples += 1

    def __enter__(self) -> BackendWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def line(self) -> str:
        if not self.samples:
            return ""
        average = sorted(
            ((count / self.samples, doing) for doing, count in self.totals.items()), reverse=True
        )
        parts = ", ".join(f"{doing} {n:.1f}" for n, doing in average if n >= 0.05)
        return f"{'':<30} database connections, on average: {parts}"


# -- the API client (one or more processes) -------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What one client process does: closed loop (`rate` None) or open loop at `rate`/s."""

    base: str
    key: str
    connections: int
    start: float  # time.monotonic() (system-wide on Linux) when the warm-up begins
    warmup: float
    duration: float
    rate: float | None
    process: int
    offset: float = 0.0  # this process's phase within one gap (between arrivals or opens)
    stagger: float = 0.0  # seconds between this process's connection opens
    client: str = "raw"  # RawConnection, or "httpx"
    server_pid: int = 0  # to find the worker that accepted each connection


def client_process(plan: Plan, results: Any) -> None:
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        results.put(runner.run(_client(plan)))


class RawConnection:
    """One keep-alive HTTP/1.1 connection for POSTs, at a fraction of httpx's CPU.

    Enough for this server's answers (a status line, headers with Content-Length, a
    body); the default client, so the load generator takes little of the cores the
    server shares (`--client httpx` shows how much httpx itself takes).
    """

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.host, port = base.removeprefix("http://").rsplit(":", 1)
        self.port = int(port)
        fixed = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.head = f"HTTP/1.1\r\nHost: {self.host}:{port}\r\n{fixed}"
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def open(self) -> None:
        self.streams = await asyncio.open_connection(self.host, self.port)

    async def post(self, path: str, body: bytes) -> tuple[int, str]:
        if self.streams is None:
            await self.open()
        assert self.streams is not None
        reader, writer = self.streams
        try:
            head = f"POST {path} {self.head}Content-Length: {len(body)}\r\n\r\n"
            writer.write(head.encode() + body)
            answer = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in answer.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            content = await reader.readexactly(length)
        except BaseException:
            self.streams = None
            writer.close()
            raise
        return int(answer[9:12]), content.decode(errors="replace")

    async def aclose(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


class HttpxConnection:
    """One connection's worth of `httpx.AsyncClient` (a pool of one)."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.base, self.headers = base, headers
        self.http = self._new()

    def _new(self) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        return httpx.AsyncClient(
            base_url=self.base, headers=self.headers, limits=limits, timeout=30
        )

    async def open(self) -> None:
        if self.http.is_closed:
            self.http = self._new()
        await self.http.get("/healthz")

    async def post(self, path: str, body: bytes) -> tuple[int, str]:
        answer = await self.http.post(path, content=body)
        return answer.status_code, answer.text

    async def aclose(self) -> None:
        await self.http.aclose()


async def _client(plan: Plan) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {plan.key}", "Content-Type": "application/json"}
    t0 = plan.start + plan.warmup
    t1 = t0 + plan.duration
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(10**12))
    kind = RawConnection if plan.client == "raw" else HttpxConnection
    connections = [kind(plan.base, headers) for _ in range(plan.connections)]
    # Free connections, in turn: every connection (so every worker it reached) gets used,
    # also in the open loop, where a pool would keep reusing the first few.
    free: asyncio.Queue[RawConnection | HttpxConnection] = asyncio.Queue()

    async def open_all() -> None:
        # The workers share one listening socket, and one accept wake-up can take every
        # pending connection: connections open one after another during the warm-up, and
        # one that lands on a worker already holding its share is opened again.
        server_port = int(plan.base.rsplit(":", 1)[1])
        workers = server_workers(plan.server_pid)
        share = math.ceil(len(connections) / len(workers))
        held: dict[int | None, int] = {}
        for j, connection in enumerate(connections):
            opens = plan.start + (j + plan.offset) * plan.stagger
            await asyncio.sleep(max(0.0, opens - time.monotonic()))
            for attempt in range(20):
                before = own_ports(server_port)
                with contextlib.suppress(httpx.HTTPError, OSError):
                    await connection.open()
                new = own_ports(server_port) - before
                owner = worker_of(new.pop(), server_port, workers) if len(new) == 1 else None
                if owner is None or held.get(owner, 0) < share or attempt == 19:
                    held[owner] = held.get(owner, 0) + 1
                    break
                await connection.aclose()
                await asyncio.sleep(0.005)
            free.put_nowait(connection)

    async def lodge(scheduled: float | None) -> None:
        body = BODY.replace("{n}", f"{plan.process}-{next(counter)}").encode()
        sent = time.monotonic()
        connection = await free.get()
        try:
            status, text = await connection.post(LODGE_PATH, body)
            problem = None if status == 201 else f"{status} {text[:200]}"
        except (httpx.HTTPError, OSError, asyncio.IncompleteReadError, ValueError) as e:
            problem = f"{type(e).__name__}: {e}"
        finally:
            free.put_nowait(connection)
        done = time.monotonic()
        began = sent if scheduled is None else scheduled
        # Closed loop: what finished inside the window. Open loop: what was due inside it.
        counted = t0 <= (done if scheduled is None else scheduled) < t1
        if counted:
            if problem is None:
                latencies.append(done - began)
            else:
                errors.append(problem)

    async with contextlib.AsyncExitStack() as stack:
        for connection in connections:
            stack.push_async_callback(connection.aclose)
        await asyncio.sleep(max(0.0, plan.start - time.monotonic()))
        opening = asyncio.create_task(open_all())
        cpu_started = cpu_ended = time.process_time()
        if plan.rate is None:

            async def loop() -> None:
                while time.monotonic() < t1:
                    await lodge(None)

            async def mark() -> None:
                nonlocal cpu_started, cpu_ended
                await asyncio.sleep(max(0.0, t0 - time.monotonic()))
                cpu_started = time.process_time()
                await asyncio.sleep(max(0.0, t1 - time.monotonic()))
                cpu_ended = time.process_time()

            await asyncio.gather(mark(), *(loop() for _ in connections))
        else:
            in_flight: set[asyncio.Task[None]] = set()
            gap = 1.0 / plan.rate
            n = 0
            marked = False
            while True:
                due = plan.start + (n + plan.offset) * gap
                if due >= t1:
                    break
                if not marked and due >= t0:
                    cpu_started, marked = time.process_time(), True
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                task = asyncio.create_task(lodge(due))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                n += 1
            cpu_ended = time.process_time()
            if in_flight:
                await asyncio.wait(in_flight, timeout=60)
        await opening
    return {
        "latencies": latencies,
        "errors": errors,
        "cpu": (cpu_ended - cpu_started) / plan.duration,
    }


def run_clients(
    args: argparse.Namespace,
    base: str,
    key: str,
    label: str,
    server_pid: int,
    url: str,
    rate: float | None = None,
) -> Figures:
    """Run `args.client_processes` client processes over `args.connections` connections."""
    context = mp.get_context("spawn")
    results = context.Queue()
    k = args.client_processes
    start = time.monotonic() + 2.0  # time for the processes to start and import httpx
    plans = [
        Plan(
            base=base,
            key=key,
            connections=args.connections // k + (1 if i < args.connections % k else 0),
            start=start,
            warmup=args.warmup,
            duration=args.duration,
            rate=None if rate is None else rate / k,
            process=i,
            offset=i / k,
            stagger=k * min(0.05, args.warmup / 2 / args.connections),
            client=args.client,
            server_pid=server_pid,
        )
        for i in range(k)
    ]
    processes = [context.Process(target=client_process, args=(plan, results)) for plan in plans]
    for p in processes:
        p.start()
    time.sleep(max(0.0, start + args.warmup - time.monotonic()))
    with (
        CpuWatch(server_pid, make_url(url).database or "") as watch,
        BackendWatch(url, pgbench=False) as states,
    ):
        time.sleep(max(0.0, start + args.warmup + args.duration / 2 - time.monotonic()))
        spread = connections_by_worker(server_pid, int(base.rsplit(":", 1)[1]))
        time.sleep(max(0.0, start + args.warmup + args.duration - time.monotonic()))
    answers = [results.get(timeout=120) for _ in processes]
    for p in processes:
        p.join(timeout=30)
    latencies = sorted(x for a in answers for x in a["latencies"])
    errors = [e for a in answers for e in a["errors"]]
    cpu = watch.shares(client=sum(a["cpu"] for a in answers))
    if max(a["cpu"] for a in answers) > 0.9:
        print(
            f"note: a client process used {max(a['cpu'] for a in answers) * 100:.0f}% of a core:"
            " it may be the bottleneck; try --client-processes 2"
        )
    return Figures(
        label, args.duration, latencies, len(errors), errors[:3], cpu, spread, states.line()
    )


# -- the ceiling: pgbench ----------------------------------------------------------------


def find_pgbench() -> str:
    found = shutil.which("pgbench") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"), reverse=True)), None
    )
    if found is None:
        raise SystemExit("pgbench is not on the PATH nor under /usr/lib/postgresql/*/bin")
    return found


def run_pgbench(
    args: argparse.Namespace,
    url: str,
    folder: Path,
    seconds: float,
    label: str,
    rate: float | None = None,
) -> Figures:
    """pgbench over the lodge's writes for `seconds`, with per-transaction latencies logged.

    At a `rate` (`--rate`, a schedule like the API's open loop) each latency counts from
    the transaction's scheduled start.
    """
    parsed = make_url(url)
    script = folder / "lodge.sql"
    script.write_text(PGBENCH_SCRIPT)
    logs = folder / f"pgbench_{label.split()[0]}"
    for old in glob.glob(f"{logs}*"):
        os.remove(old)
    command = [
        find_pgbench(),
        "--no-vacuum",
        "--protocol=prepared",
        f"--client={args.connections}",
        f"--jobs={min(CORES, args.connections)}",
        f"--time={max(1, round(seconds))}",
        f"--file={script}",
        "--define=i=0",
        f"--define=run={secrets.token_hex(6)}",
        f"--define=actor=key:{OFFICER}",
        *([f"--rate={rate:.1f}"] if rate else []),
        "--log",
        f"--log-prefix={logs}",
        f"--host={parsed.host or '127.0.0.1'}",
        f"--port={parsed.port or 5432}",
        f"--username={parsed.username or 'postgres'}",
        str(parsed.database),
    ]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with CpuWatch(None, str(parsed.database)) as watch, BackendWatch(url, pgbench=True) as states:
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or "aborted" in done.stdout + done.stderr:
        raise SystemExit(f"pgbench failed:\n{done.stdout}\n{done.stderr}")
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    latencies = []
    for log in glob.glob(f"{logs}.*"):
        for row in Path(log).read_text().splitlines():
            latencies.append(int(row.split()[2]) / 1e6)
    latencies.sort()
    client = (
        children_after.ru_utime
        + children_after.ru_stime
        - children_before.ru_utime
        - children_before.ru_stime
    ) / watch.wall
    cpu = watch.shares(client=client)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    figures = Figures(
        label, seconds, latencies, int(failed.group(1)) if failed else 0, [], cpu, [], states.line()
    )
    if tps is not None:
        # pgbench's own rate: the transactions over the run, less the time spent connecting.
        figures.seconds = len(latencies) / float(tps.group(1))
    return figures


# -- the server and its database -------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def detainers_cli(url: str, *argv: str) -> str:
    env = {**os.environ, "DETAINERS_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "detainers", *argv],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"detainers {' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def new_key(url: str, name: str, role: str, *tenant: str) -> str:
    made = detainers_cli(url, "keys", "create", "--name", name, "--role", role, *tenant, "--json")
    return str(json.loads(made)["key"])


@contextmanager
def scratch_database(server: str) -> Iterator[str]:
    """A fresh database on `server`, dropped afterwards; yields its URL."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"api_bench_{secrets.token_hex(5)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def served(url: str, workers: int, folder: Path) -> Iterator[tuple[str, int]]:
    """`detainers serve` on a free port until /readyz answers; yields (base URL, its pid)."""
    port = _free_port()
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "detainers",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env={**os.environ, "DETAINERS_DATABASE_URL": url},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not become ready:\n" + log_path.read_text())
                time.sleep(0.1)
            yield base, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def register_reference_data(base: str, admin_key: str) -> None:
    headers = {"Authorization": f"Bearer {admin_key}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        for path, body in (
            ("/api/v1/jurisdictions", {"code": "US", "name": "United States", "kind": "federal"}),
            ("/api/v1/jurisdictions", {"code": "US-CT", "name": "Connecticut", "kind": "state"}),
            (
                "/api/v1/agencies",
                {"code": AGENCY, "name": "Boston Field Office", "jurisdiction": "US"},
            ),
            (
                "/api/v1/facilities",
                {
                    "code": FACILITY,
                    "name": "Hartford Correctional Center",
                    "type": "state_pretrial_jail",
                    "jurisdiction": "US-CT",
                },
            ),
        ):
            answer = http.post(path, json=body)
            if answer.status_code != 201:
                raise SystemExit(f"POST {path}: {answer.status_code} {answer.text}")


def chain_holds(url: str) -> tuple[int, int, bool]:
    """(detainers, audit records, whether seq runs 1..n without a gap) after the run."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            detainers = conn.execute(text("SELECT count(*) FROM detainer")).scalar_one()
            records, top = conn.execute(
                text("SELECT count(*), coalesce(max(seq), 0) FROM audit_record")
            ).one()
            head = conn.execute(text("SELECT seq FROM audit_head WHERE id = 1")).scalar_one()
    finally:
        engine.dispose()
    return int(detainers), int(records), records == top == head


# -- the run -----------------------------------------------------------------------------


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (2)")
    parser.add_argument("--connections", type=int, default=16, help="client connections (16)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured (20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring (3)")
    parser.add_argument("--client-processes", type=int, default=1, help="API client processes (1)")
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="a minimal keep-alive HTTP/1.1 client (default) or httpx.AsyncClient (more CPU)",
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="a server to use")
    args = parser.parse_args()
    args.client_processes = max(1, min(args.client_processes, args.connections))

    print(
        f"HTTP API: lodging, {args.workers} server workers, {args.connections} connections"
        f" ({args.client_processes} {args.client} client"
        f" process{'es' if args.client_processes > 1 else ''}),"
        f" {args.duration:g} s measured after {args.warmup:g} s warm-up, {CORES} cores"
    )
    before = _machine_busy()
    time.sleep(1.0)
    busy = _machine_busy() - before
    if busy > 0.25:
        print(
            f"warning: other processes kept {busy * 100:.0f}% of a core busy before the run;"
            " the figures will be lower than on a quiet machine"
        )
    with (
        tempfile.TemporaryDirectory(prefix="api_bench_") as tmp,
        scratch_database(args.postgres_url) as url,
    ):
        folder = Path(tmp)
        detainers_cli(url, "db", "upgrade")
        admin_key = new_key(url, "bench admin", "admin")
        with served(url, args.workers, folder) as (base, server_pid):
            register_reference_data(base, admin_key)
            officer_key = new_key(url, OFFICER, "agency_officer", "--agency", AGENCY)

            peak = run_clients(args, base, officer_key, "API, closed loop", server_pid, url)
            # Before pgbench writes its own records (their hashes are not the canonical seal).
            verified = detainers_cli(url, "audit", "verify").strip().splitlines()[-1]
            run_pgbench(args, url, folder, args.warmup, "warm-up")
            ceiling = run_pgbench(args, url, folder, args.duration, "ceiling (pgbench)")
            half = run_clients(
                args,
                base,
                officer_key,
                "API, open loop at half",
                server_pid,
                url,
                peak.rate / 2,
            )
            floor = run_pgbench(
                args, url, folder, args.duration, "pgbench at the same rate", half.rate
            )
        detainers, records, chained = chain_holds(url)

    print(ceiling.line())
    print(ceiling.cpu_line())
    print(peak.line(ceiling.rate))
    print(peak.cpu_line())
    print(f"{half.line()}   (asked {peak.rate / 2:,.0f}/s)")
    print(half.cpu_line())
    print(floor.line())
    print(floor.cpu_line())
    for figures in (peak, half):
        for sample in figures.error_samples:
            print(f"error ({figures.label}): {sample}")
    print(
        f"afterwards: {detainers:,} detainers, {records:,} audit records,"
        f" chain sequence without gaps: {chained}"
    )
    print(f"audit verify after the closed loop: {verified}")
    share = peak.rate / ceiling.rate
    errors = peak.errors + half.errors + ceiling.errors + floor.errors
    print("targets:")
    print(f"  API >= 30% of the ceiling          {share * 100:5.1f}%    {verdict(share >= 0.30)}")
    print(
        f"  p99 < 50 ms at half the peak rate  {half.ms(99):5.1f} ms  {verdict(half.ms(99) < 50)}"
        f"   (pgbench at that rate: p99 {floor.ms(99):.1f} ms)"
    )
    print(f"  no errors                          {errors:5d}       {verdict(errors == 0)}")


if __name__ == "__main__":
    main()
