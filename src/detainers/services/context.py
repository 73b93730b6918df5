"""What every use case is given: storage, the clock, ids, the law, and who is asking.

`caller` is the principal behind the command (the system itself for the
command line); `idempotency_key` and `fingerprint` come with a create request
that may be retried. `credentials` is what account and key use cases need
(`recent_keys` spares a key's every request a read of the key);
`notice_renderer` prints the notices the law requires giving the person.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from detainers.domain._time import utc
from detainers.domain.access import SYSTEM, Caller
from detainers.domain.errors import InvalidValue
from detainers.services.ports import (
    Clock,
    Credentials,
    IdFactory,
    LegalEngine,
    NoticeRenderer,
    UnitOfWorkFactory,
)
from detainers.services.recent_keys import RecentKeys


@dataclass(frozen=True, kw_only=True)
class Context:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdFactory
    engine: LegalEngine
    caller: Caller = SYSTEM
    credentials: Credentials | None = None
    notice_renderer: NoticeRenderer | None = None
    idempotency_key: str | None = None
    fingerprint: str = ""
    # True only inside `idempotency.carry_out`: the one use case whose success the key records.
    creating: bool = False
    # API keys verified lately by this process (None: read the key on every request).
    recent_keys: RecentKeys | None = None

    def acting(
        self, caller: Caller, *, idempotency_key: str | None = None, fingerprint: str = ""
    ) -> Context:
        """This context, for a request by `caller` (optionally carrying an idempotency key)."""
        return replace(
            self, caller=caller, idempotency_key=idempotency_key, fingerprint=fingerprint
        )

    def when(self, at: datetime | None, *, field: str = "at") -> datetime:
        """`at` in UTC, or now when not given; an act cannot be dated in the future."""
        now = self.clock.now()
        if at is None:
            return now
        at = utc(at, field=field)
        if at > now + CLOCK_SKEW:
            raise InvalidValue(
                field=field,
                value=at.isoformat(),
                problem=f"is in the future (now is [{now.isoformat()}])",
            )
        return at


# Clients' clocks drift a little; an act a few minutes "ahead" is not a future act.
CLOCK_SKEW = timedelta(minutes=5)
