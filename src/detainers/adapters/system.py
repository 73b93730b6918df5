"""The real clock and id factory (tests inject fixed ones)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def new_id() -> str:
    """A random UUID (version 4) as text."""
    return str(uuid.uuid4())
