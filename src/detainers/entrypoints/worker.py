"""The outbox worker: fire due timers, deliver due messages, sleep when there is nothing to do.

Run by `detainers worker` (one process per core on PostgreSQL; several
share the queue without sending twice) or, for the embedded default, in a
thread inside `detainers serve`. Every round is its own transaction: a
worker killed at any moment loses nothing; what it had claimed is claimed
again by the next one.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError

from detainers.bootstrap import Application
from detainers.services import delivery, notices
from detainers.services.delivery import Sender
from detainers.services.errors import ConcurrencyConflict

log = logging.getLogger("detainers.worker")


@dataclass(frozen=True, kw_only=True)
class Round:
    timers: int
    claimed: int
    delivered: int
    failed: int
    dead: int

    @property
    def busy(self) -> bool:
        return self.timers > 0 or self.claimed > 0


class Worker:
    def __init__(self, app: Application, sender: Sender, *, seed: int | None = None) -> None:
        self._app = app
        self._sender = sender
        self._rng = random.Random(seed)
        self.stop = threading.Event()

    def run_once(self) -> Round:
        """One round: fire due timers (in order), then deliver one batch of due messages."""
        ctx = self._app.context
        settings = self._app.settings
        now = ctx.clock.now()
        try:
            fired = notices.fire_due_timers(ctx, now)
            report = delivery.deliver_due(
                ctx, self._sender, ctx.clock.now(), limit=settings.worker_batch, rng=self._rng
            )
        except (ConcurrencyConflict, OperationalError) as e:
            # Another writer got in the way: nothing was saved; the next round tries again.
            log.warning("round rolled back: %s", type(e).__name__)
            return Round(timers=0, claimed=0, delivered=0, failed=0, dead=0)
        return Round(
            timers=fired,
            claimed=report.claimed,
            delivered=report.delivered,
            failed=report.failed,
            dead=report.dead,
        )

    def run(self) -> None:
        """Rounds until `stop` is set; waits `worker_poll_seconds` after an idle round."""
        poll = self._app.settings.worker_poll_seconds
        while not self.stop.is_set():
            done = self.run_once()
            if not done.busy:
                self.stop.wait(poll)

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="outbox-worker", daemon=True)
        thread.start()
        return thread
