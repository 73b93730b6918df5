"""Benchmark of webhook delivery: deliveries per second by 1 and 2 workers, and event-to-receipt latency.

Usage (from the repository root, in the project's virtualenv):

    python bench/notify_bench.py                       # 20,000 messages per throughput run
    python bench/notify_bench.py --messages 5000 --latency-seconds 10
    python bench/notify_bench.py --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Everything runs on this machine. A loopback receiver (uvicorn with a minimal
ASGI app, in its own process) answers 204 to every POST and records, per
`webhook-id`, when it arrived; it verifies no signature. On the PostgreSQL
server a scratch database `notify_bench_<random>` is created, migrated and
dropped at the end.

- baseline: the `WebhookSender` alone (no database) posting `--messages`
  messages to the receiver in batches of `--batch`; the ceiling of sender and
  receiver together, measured in the same run.
- throughput: `--messages` pending webhook messages are written to the outbox
  (`SqlMessages.add`), then 1 (and, on a fresh batch, 2) `detainers worker`
  processes deliver them; deliveries/s is counted at the receiver, from the
  first receipt to the last. Target: >= 1,000 deliveries/s with two workers.
- latency: with 2 workers running, one message is written (and committed) every
  1/`--rate` s for `--latency-seconds`, its enqueue time stamped in its data;
  event-to-receipt latency is the receipt time minus that stamp. Target: p99 < 1 s.

Workers run with DETAINERS_WORKER_BATCH=`--batch` and
DETAINERS_WORKER_POLL_SECONDS=`--poll` (0.05 s here; the default idle poll is 1 s,
which alone puts up to a second on the latency of a quiet queue).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from detainers.adapters.db import migrate
from detainers.adapters.db import tables as t
from detainers.adapters.db.engine import make_engine
from detainers.adapters.db.outbox import SqlEndpoints, SqlMessages
from detainers.adapters.notifications.senders import WebhookSender
from detainers.domain.notification import (
    Audience,
    Channel,
    Endpoint,
    Message,
    MessageStatus,
    MessageType,
)
from detainers.services.delivery import Outgoing

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RECIPIENTS = [f"BENCH{i:02d}" for i in range(10)]
WORKER = Path(sys.executable).with_name("detainers")


# --- the receiver (runs in its own process: `notify_bench.py --receiver PORT`) ---------------


def _receiver_app() -> Any:
    received: dict[str, float] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            event = await receive()
            more = event.get("more_body", False)
        stamp = time.time()
        if scope["method"] == "POST" and scope["path"] == "/hook":
            for name, value in scope["headers"]:
                if name == b"webhook-id":
                    received[value.decode()] = stamp
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        if scope["path"] == "/reset":
            received.clear()
        body = json.dumps(received if scope["path"] == "/receipts" else len(received)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


def serve_receiver(port: int) -> None:
    import uvicorn

    uvicorn.run(
        _receiver_app(),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        backlog=4096,
    )


class Receiver:
    """The receiver's process, and its control endpoints."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.hook = f"{self.url}/hook"
        self._process = subprocess.Popen(
            [sys.executable, __file__, "--receiver", str(self.port)],
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.count()
                return
            except OSError:
                time.sleep(0.1)
        self.close()
        raise RuntimeError(f"the receiver did not start on port [{self.port}]")

    def _get(self, path: str) -> Any:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=30) as response:
            return json.load(response)

    def count(self) -> int:
        return int(self._get("/count"))

    def reset(self) -> None:
        self._get("/reset")

    def receipts(self) -> dict[str, float]:
        return dict(self._get("/receipts"))

    def close(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)


# --- the database --------------------------------------------------------------------------


@contextmanager
def scratch_database(server: str) -> Iterator[str]:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"notify_bench_{secrets.token_hex(5)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def message(recipient: str, data: dict[str, str | int | None]) -> Message:
    now = datetime.now(UTC)
    key = f"bench/{uuid.uuid4()}"
    return Message(
        id=str(uuid.uuid4()),
        key=key,
        type=MessageType.DETAINER_LODGED,
        audience=Audience.AGENCY,
        recipient=recipient,
        channel=Channel.WEBHOOK,
        subject=str(uuid.uuid4()),
        data=data,
        created_at=now,
        due_at=now,
    )


def set_endpoints(engine: Engine, hook: str) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        endpoints = SqlEndpoints(conn)
        for code in RECIPIENTS:
            endpoints.put(
                Endpoint(
                    id=str(uuid.uuid4()),
                    audience=Audience.AGENCY,
                    owner_code=code,
                    channel=Channel.WEBHOOK,
                    target=hook,
                    secret="whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),
                    updated_at=now,
                )
            )


def enqueue(engine: Engine, n: int, *, per_transaction: int = 1000) -> float:
    """Write `n` pending webhook messages; seconds taken."""
    started = time.perf_counter()
    for first in range(0, n, per_transaction):
        with engine.begin() as conn:
            messages = SqlMessages(conn)
            for i in range(first, min(first + per_transaction, n)):
                messages.add(message(RECIPIENTS[i % len(RECIPIENTS)], {"n": i}))
    return time.perf_counter() - started


def pending(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(t.message)
                .where(t.message.c.status == MessageStatus.PENDING.value)
            ).scalar_one()
        )


# --- workers -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class WorkerSettings:
    url: str
    batch: int
    poll: float


@contextmanager
def workers(count: int, settings: WorkerSettings, log: Path) -> Iterator[None]:
    env = {
        **os.environ,
        "DETAINERS_DATABASE_URL": settings.url,
        "DETAINERS_WORKER_BATCH": str(settings.batch),
        "DETAINERS_WORKER_POLL_SECONDS": str(settings.poll),
    }
    with log.open("ab") as out:
        processes = [
            subprocess.Popen([str(WORKER), "worker"], env=env, stdout=out, stderr=out)
            for _ in range(count)
        ]
    try:
        yield
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            p.wait(timeout=30)


def wait_drained(engine: Engine, receiver: Receiver, expected: int, log: Path) -> None:
    deadline = time.monotonic() + max(120.0, expected / 50)
    while time.monotonic() < deadline:
        if receiver.count() >= expected and pending(engine) == 0:
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(
        f"not drained: [{receiver.count()}] of [{expected}] received, "
        f"[{pending(engine)}] pending; worker log:\n{tail}"
    )


def rate_at_receiver(receipts: dict[str, float]) -> float:
    times = sorted(receipts.values())
    return (len(times) - 1) / (times[-1] - times[0])


# --- the measurements ----------------------------------------------------------------------


def _pipeline(port: int, first: int, count: int, depth: int = 50) -> None:
    """POST `count` requests over one keep-alive connection, `depth` in flight."""
    with socket.create_connection(("127.0.0.1", port)) as conn:
        sent = answered = 0
        pending_bytes = b""
        while answered < count:
            while sent < count and sent - answered < depth:
                conn.sendall(
                    f"POST /hook HTTP/1.1\r\nhost: bench\r\nwebhook-id: raw/{first + sent}"
                    "\r\ncontent-length: 2\r\n\r\n{}".encode()
                )
                sent += 1
            pending_bytes += conn.recv(65536)
            answered += pending_bytes.count(b"HTTP/1.1 204")
            pending_bytes = pending_bytes[pending_bytes.rfind(b"HTTP/1.1 204") + 1 :]


def receiver_ceiling(receiver: Receiver, n: int, clients: int = 2) -> float:
    """Requests/s the receiver absorbs from pipelining clients (its own ceiling)."""
    receiver.reset()
    share = n // clients
    started = time.perf_counter()
    with ProcessPoolExecutor(clients) as pool:
        list(pool.map(_pipeline, [receiver.port] * clients, range(0, n, share), [share] * clients))
    seconds = time.perf_counter() - started
    if receiver.count() != share * clients:
        raise RuntimeError(f"the receiver counted [{receiver.count()}], not [{share * clients}]")
    return share * clients / seconds


def sender_alone(receiver: Receiver, n: int, batch: int) -> float:
    """Deliveries/s of the WebhookSender with no database (the baseline)."""
    sender = WebhookSender()
    hook_secret = ("whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),)
    outgoing = [
        Outgoing(
            message=message(RECIPIENTS[i % len(RECIPIENTS)], {"n": i}),
            target=receiver.hook,
            secrets=hook_secret,
        )
        for i in range(n)
    ]
    receiver.reset()
    started = time.perf_counter()
    try:
        for first in range(0, n, batch):
            results = sender.send(outgoing[first : first + batch], datetime.now(UTC))
            if not all(r.ok for r in results):
                raise RuntimeError(f"the receiver refused: [{results[0]}]")
    finally:
        sender.close()
    seconds = time.perf_counter() - started
    if receiver.count() != n:
        raise RuntimeError(f"the receiver counted [{receiver.count()}], not [{n}]")
    return n / seconds


def throughput(
    engine: Engine, receiver: Receiver, n: int, count: int, settings: WorkerSettings, log: Path
) -> tuple[float, float]:
    """(seconds to enqueue, deliveries/s at the receiver) for `count` workers."""
    receiver.reset()
    enqueue_seconds = enqueue(engine, n)
    with workers(count, settings, log):
        wait_drained(engine, receiver, n, log)
    receipts = receiver.receipts()
    if len(receipts) != n:
        raise RuntimeError(f"[{len(receipts)}] distinct ids received, not [{n}]")
    return enqueue_seconds, rate_at_receiver(receipts)


def latency(
    engine: Engine,
    receiver: Receiver,
    rate: float,
    seconds: float,
    settings: WorkerSettings,
    log: Path,
) -> tuple[list[float], float]:
    """(sorted latencies in seconds, achieved enqueue rate) with 2 workers at `rate` events/s."""
    receiver.reset()
    n = int(rate * seconds)
    stamps: dict[str, float] = {}
    with workers(2, settings, log):
        # Both workers up and idle (a warm-up round delivered) before the clock starts.
        enqueue(engine, 20)
        wait_drained(engine, receiver, 20, log)
        receiver.reset()
        started = time.monotonic()
        sent = 0
        with engine.connect() as conn:
            while sent < n:
                due = min(n, int((time.monotonic() - started) * rate) + 1)
                if due <= sent:
                    time.sleep(0.002)
                    continue
                # Whatever fell due since the last tick goes in one transaction.
                with conn.begin():
                    messages = SqlMessages(conn)
                    for i in range(sent, due):
                        stamp = time.time_ns()
                        m = message(RECIPIENTS[i % len(RECIPIENTS)], {"enqueued_at_ns": stamp})
                        messages.add(m)
                        stamps[m.key] = stamp / 1e9
                sent = due
        achieved = n / (time.monotonic() - started)
        wait_drained(engine, receiver, n, log)
    receipts = receiver.receipts()
    return sorted(receipts[key] - stamp for key, stamp in stamps.items()), achieved


def percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000, help="per throughput run (20000)")
    parser.add_argument("--batch", type=int, default=200, help="DETAINERS_WORKER_BATCH (200)")
    parser.add_argument(
        "--poll", type=float, default=0.05, help="DETAINERS_WORKER_POLL_SECONDS (0.05)"
    )
    parser.add_argument("--rate", type=float, default=200.0, help="latency run, events/s (200)")
    parser.add_argument("--latency-seconds", type=float, default=20.0, help="latency run (20)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="a server to use")
    parser.add_argument("--receiver", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        serve_receiver(args.receiver)
        return

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{args.messages:,} messages per run, worker batch {args.batch}, idle poll {args.poll} s")
    receiver = Receiver()
    try:
        with (
            scratch_database(args.postgres_url) as url,
            tempfile.TemporaryDirectory(prefix="notify_bench_") as folder,
        ):
            log = Path(folder) / "workers.log"
            engine = make_engine(url)
            try:
                migrate.upgrade(engine)
                set_endpoints(engine, receiver.hook)
                settings = WorkerSettings(url=url, batch=args.batch, poll=args.poll)

                ceiling = receiver_ceiling(receiver, args.messages)
                print(f"{'receiver ceiling':<26} {ceiling:>8,.0f} requests/s (pipelined raw HTTP)")
                baseline = sender_alone(receiver, args.messages, args.batch)
                print(f"{'baseline (sender alone)':<26} {baseline:>8,.0f} deliveries/s")
                rates: dict[int, float] = {}
                for count in (1, 2):
                    enqueue_s, rates[count] = throughput(
                        engine, receiver, args.messages, count, settings, log
                    )
                    print(
                        f"{f'{count} worker' + ('s' if count > 1 else ''):<26}"
                        f" {rates[count]:>8,.0f} deliveries/s"
                        f"  /baseline {rates[count] / baseline:5.2f}"
                        f"  (enqueue {args.messages / enqueue_s:,.0f} messages/s)"
                    )
                print(f"{'ratio 2 workers / 1':<26} {rates[2] / rates[1]:>8.2f}")
                print(
                    f"target >= 1,000 deliveries/s with 2 workers: {'met' if rates[2] >= 1000 else 'MISSED'}"
                )

                lat, achieved = latency(
                    engine, receiver, args.rate, args.latency_seconds, settings, log
                )
                p50, p99 = percentile(lat, 50), percentile(lat, 99)
                print(
                    f"latency at {achieved:,.0f} events/s, 2 workers, {len(lat):,} events:"
                    f" p50 {p50 * 1000:,.0f} ms  p99 {p99 * 1000:,.0f} ms"
                    f"  max {lat[-1] * 1000:,.0f} ms  mean {statistics.fmean(lat) * 1000:,.0f} ms"
                )
                print(f"target p99 < 1 s: {'met' if p99 < 1 else 'MISSED'}")
            finally:
                engine.dispose()
    finally:
        receiver.close()
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
