"""Rate limits on sign-in and search: a fixed window per key, kept in each server process.

With several worker processes each keeps its own counts, so the effective
limit is up to the number of workers times the figure here; the account
lockout (five failures) is in the database and holds across processes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request


@dataclass(frozen=True)
class Limit:
    requests: int
    per_seconds: float


LOGIN = Limit(requests=10, per_seconds=60)
SEARCH = Limit(requests=120, per_seconds=60)


class RateLimits:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, bucket: str, key: str, limit: Limit) -> float | None:
        """Count one request; the seconds to wait if over the limit, else None."""
        now = self._clock()
        with self._lock:
            started, count = self._windows.get((bucket, key), (now, 0))
            if now - started >= limit.per_seconds:
                started, count = now, 0
            count += 1
            self._windows[(bucket, key)] = (started, count)
            if len(self._windows) > 100_000:
                self._forget_old(now, limit.per_seconds)
        if count > limit.requests:
            return limit.per_seconds - (now - started)
        return None

    def _forget_old(self, now: float, window: float) -> None:
        for key, (started, _) in list(self._windows.items()):
            if now - started >= window:
                del self._windows[key]


def limited(bucket: str, limit: Limit) -> Callable[[Request], None]:
    """A dependency that answers 429 with `Retry-After` once a client passes `limit`."""

    def check(request: Request) -> None:
        limits: RateLimits = request.app.state.rate_limits
        client = request.client.host if request.client else "-"
        wait = limits.hit(bucket, client, limit)
        if wait is not None:
            raise HTTPException(
                status_code=429,
                detail=f"too many {bucket} requests; try again in {int(wait) + 1} s",
                headers={"Retry-After": str(int(wait) + 1)},
            )

    return check
