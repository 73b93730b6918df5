"""The audit trail as the use cases write it: one record per command or read, success or failure.

A use case decorated with `audited(action, object_type, key)` receives a
`Trail`; it calls `trail.success(uow, object_id)` inside its transaction, so
the record commits with the change or not at all (if the record cannot be
written, the change does not happen). When the use case fails, the decorator
writes one failure record in a transaction of its own and re-raises. A
create request that carries an idempotency key is remembered in the same
transaction as the record.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from detainers.domain.access import Role
from detainers.domain.audit import (
    GENESIS,
    AuditEntry,
    AuditRecord,
    ChainBreak,
    Outcome,
    first_break,
)
from detainers.domain.errors import DomainError, InvalidValue
from detainers.services import authz, notices
from detainers.services.authz import Permission
from detainers.services.context import Context
from detainers.services.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    Forbidden,
    NotFound,
    OutsideTenant,
    ServiceError,
    Unauthenticated,
)
from detainers.services.ports import IdempotencyRecord, UnitOfWork

# Actor and object id can be typed by anyone (a login name, a key's prefix); the store holds
# this many characters of each.
NAME_LIMIT = 200

C = TypeVar("C")
R = TypeVar("R")


def entry(
    ctx: Context,
    action: str,
    object_type: str,
    object_id: str,
    outcome: Outcome,
    *,
    at: datetime | None = None,
    detail: str = "",
    actor: str | None = None,
) -> AuditEntry:
    """An audit entry for `ctx`'s caller."""
    caller = ctx.caller
    return AuditEntry(
        at=at or ctx.clock.now(),
        actor=_clean(actor or caller.name)[:NAME_LIMIT],
        actor_kind=caller.kind.value,
        role=caller.role.value,
        organization=caller.organization,
        action=action,
        object_type=object_type,
        object_id=_clean(object_id)[:NAME_LIMIT],
        outcome=outcome,
        client=caller.client,
        request_id=caller.request_id,
        detail=_clean(detail),
    )


def record_alone(ctx: Context, audit_entry: AuditEntry) -> None:
    """Write one record in a transaction of its own (for failures, whose work was rolled back)."""
    with ctx.uow() as uow:
        uow.audit.append(audit_entry)
        uow.commit()


@dataclass(kw_only=True)
class Trail:
    """The audit record a use case owes: its action, object type, and whether it was written."""

    ctx: Context
    action: str
    object_type: str
    written: bool = False

    def success(self, uow: UnitOfWork, object_id: str, *, detail: str = "") -> None:
        """Record success inside the use case's transaction (call just before commit).

        The messages and timers the use case's changes call for are written here
        too, in the same transaction (the transactional outbox).
        """
        ctx = self.ctx
        notices.plan(uow, ctx)
        uow.audit.append(
            entry(ctx, self.action, self.object_type, object_id, Outcome.SUCCESS, detail=detail)
        )
        if ctx.creating and ctx.idempotency_key is not None:
            uow.idempotency.add(
                IdempotencyRecord(
                    principal_id=ctx.caller.principal_id,
                    key=ctx.idempotency_key,
                    action=self.action,
                    fingerprint=ctx.fingerprint,
                    object_id=object_id,
                    created_at=ctx.clock.now(),
                )
            )
        self.written = True


def outcome_of(error: BaseException) -> Outcome:
    match error:
        case Forbidden() | OutsideTenant():
            # A record of another tenant is answered as not found but is a denied access.
            return Outcome.DENIED
        case NotFound():
            return Outcome.NOT_FOUND
        case Unauthenticated():
            return Outcome.FAILED
        case DomainError() | AlreadyExists() | ConcurrencyConflict():
            return Outcome.REFUSED
        case _:
            return Outcome.FAILED


def audited(
    action: str, object_type: str, key: str | None = None
) -> Callable[[Callable[[C, Context, Trail], R]], Callable[[C, Context], R]]:
    """Make a use case `(command, ctx, trail)` into `(command, ctx)` that always leaves one record.

    The command's attribute `key` (or the command itself, when `key` is None)
    names the object in a failure record; a success names its own object.
    """

    def decorate(work: Callable[[C, Context, Trail], R]) -> Callable[[C, Context], R]:
        @functools.wraps(work)
        def run(command: C, ctx: Context) -> R:
            trail = Trail(ctx=ctx, action=action, object_type=object_type)
            try:
                result = work(command, ctx, trail)
            except (ServiceError, DomainError) as e:
                record_alone(
                    ctx,
                    entry(
                        ctx,
                        action,
                        object_type,
                        _object(command, key),
                        outcome_of(e),
                        detail=type(e).__name__,
                    ),
                )
                raise
            if not trail.written:
                raise RuntimeError(f"use case [{action}] committed without its audit record")
            return result

        return run

    return decorate


def _object(command: object, key: str | None) -> str:
    value = command if key is None else getattr(command, key, None)
    return "-" if value is None else str(value)


def denied(ctx: Context, action: str, object_type: str, object_id: str, error: Exception) -> None:
    """Record a refusal that happened before any use case ran (e.g. a route's permission check)."""
    record_alone(
        ctx,
        entry(ctx, action, object_type, object_id, outcome_of(error), detail=type(error).__name__),
    )


def _clean(text: str) -> str:
    """Control characters (CR, LF and the rest) escaped, so a value cannot forge a line."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)[:500]


# -- verifying and reviewing ---------------------------------------------------------


def walk(ctx: Context, batch: int = 1000) -> Iterator[AuditRecord]:
    """Every record in chain order, read in batches."""
    after = 0
    while True:
        with ctx.uow() as uow:
            page = uow.audit.records(after_seq=after, limit=batch)
        if not page:
            return
        yield from page
        after = page[-1].seq


@dataclass(frozen=True, kw_only=True)
class Verification:
    records: int
    broken: ChainBreak | None


def verify(ctx: Context) -> Verification:
    """Walk the whole chain: the first broken record, if any, and how many records were read.

    The chain's recorded head (last seq and hash) is checked too, so removing
    the newest records, or adding one outside the application, is caught as
    well. The head is read before and after the walk: records other writers
    append meanwhile are not mistaken for a break. The verification is itself
    audited.
    """
    _require_auditor(ctx)
    with ctx.uow() as uow:
        head_seq, head_hash = uow.audit.head()
        start_seq, anchor = _anchor(uow)
    count, last, at_head = 0, anchor, GENESIS

    def counted() -> Iterator[AuditRecord]:
        nonlocal count, last, at_head
        for record in walk(ctx):
            count += 1
            last = record.hash
            if record.seq == head_seq:
                at_head = record.hash
            yield record

    broken = first_break(counted(), expected_seq=start_seq, previous=anchor)
    if broken is None:
        with ctx.uow() as uow:
            now_seq, now_hash = uow.audit.head()
        reached = start_seq - 1 + count
        broken = _against_head(reached, last, (head_seq, head_hash), at_head, (now_seq, now_hash))
    outcome = Outcome.SUCCESS if broken is None else Outcome.FAILED
    detail = f"records={count}" + ("" if broken is None else f" broken_at={broken.seq}")
    try:
        record_alone(ctx, entry(ctx, "audit.verify", "audit", "chain", outcome, detail=detail))
    except ServiceError:
        # A record forged beyond the head takes the next record's place, so nothing
        # can be appended; the break found is then the news, not this record.
        if broken is None:
            raise
    return Verification(records=count, broken=broken)


def _against_head(
    count: int,  # the last seq the walk reached
    last: str,
    before: tuple[int, str],
    at_head: str,
    after: tuple[int, str],
) -> ChainBreak | None:
    """Compare an unbroken walk of `count` records with the head read `before` and `after` it.

    Everything up to the head read before the walk was committed before it, so
    the walk must reach that head with that hash; nothing may lie beyond the
    head read after it.
    """
    if count < before[0]:
        return ChainBreak(
            seq=count + 1,
            problem=f"is missing: the chain ends at record [{count}] but its head is record [{before[0]}]",
        )
    if at_head != before[1]:
        return ChainBreak(
            seq=before[0], problem="differs from the recorded head (the chain was rewritten)"
        )
    if count > after[0]:
        return ChainBreak(
            seq=after[0] + 1,
            problem=f"lies beyond the recorded head [{after[0]}] (written outside the application)",
        )
    if count == after[0] and last != after[1]:
        return ChainBreak(
            seq=count, problem="differs from the recorded head (the chain was rewritten)"
        )
    return None


PURGE = "audit.purge"
HOLD, HOLD_RELEASE = "audit.legal_hold", "audit.legal_hold_release"
RETENTION = timedelta(days=365)


def _anchor(uow: UnitOfWork) -> tuple[int, str]:
    """Where the chain starts: record 1 after the genesis hash, or after the last purge's anchor."""
    purges = uow.audit.find(PURGE)
    if not purges:
        return 1, GENESIS
    fields = dict(part.split("=", 1) for part in purges[-1].entry.detail.split() if "=" in part)
    return int(fields["through"]) + 1, fields["anchor"]


@dataclass(frozen=True, kw_only=True)
class Purged:
    through_seq: int
    removed: int
    kept_for_hold: int


def held_objects(uow: UnitOfWork) -> set[tuple[str, str]]:
    """Objects under a legal hold now (placed and not released), from the trail itself."""
    held: set[tuple[str, str]] = set()
    for record in [*uow.audit.find(HOLD), *uow.audit.find(HOLD_RELEASE)]:
        key = (record.entry.object_type, record.entry.object_id)
        (held.add if record.entry.action == HOLD else held.discard)(key)
    return held


def place_legal_hold(object_type: str, object_id: str, reason: str, ctx: Context) -> None:
    """Keep every record about an object past retention until the hold is released."""
    _require_system(ctx)
    _legal_hold(HOLD, object_type, object_id, reason, ctx)


def release_legal_hold(object_type: str, object_id: str, reason: str, ctx: Context) -> None:
    _require_system(ctx)
    _legal_hold(HOLD_RELEASE, object_type, object_id, reason, ctx)


def _legal_hold(action: str, object_type: str, object_id: str, reason: str, ctx: Context) -> None:
    if not reason.strip():
        raise InvalidValue(field="reason", value=reason, problem="is empty: say why")
    record_alone(ctx, entry(ctx, action, object_type, object_id, Outcome.SUCCESS, detail=reason))


def purge(before: datetime, ctx: Context) -> Purged:
    """Remove the oldest records, all older than `before`, keeping a year and anything on hold.

    Records go from the start of the chain only, up to the first one that is
    too young or about an object under legal hold; the purge leaves its own
    record naming the last removed seq and its hash, from which `verify` walks
    on. Refused outright for a cut-off less than 365 days ago (CJIS 5.4.7).
    """
    _require_system(ctx)
    now = ctx.clock.now()
    if before > now - RETENTION:
        raise InvalidValue(
            field="before",
            value=before.isoformat(),
            problem=f"is within the 365 days audit records must be kept (latest allowed [{(now - RETENTION).date()}])",
        )
    with ctx.uow() as uow:
        start, _ = _anchor(uow)
        held = held_objects(uow)
        through, last_hash, kept = start - 1, "", 0
        for record in uow.audit.records(after_seq=start - 1, limit=1_000_000, end=before):
            if record.seq != through + 1:
                break
            if (record.entry.object_type, record.entry.object_id) in held:
                kept += 1
                break
            through, last_hash = record.seq, record.hash
        removed = uow.audit.purge_through(through) if through >= start else 0
        if removed:
            uow.audit.append(
                entry(
                    ctx,
                    PURGE,
                    "audit",
                    "chain",
                    Outcome.SUCCESS,
                    detail=f"through={through} anchor={last_hash} removed={removed} before={before.isoformat()}",
                )
            )
        uow.commit()
    return Purged(through_seq=through, removed=removed, kept_for_hold=kept)


def _require_system(ctx: Context) -> None:
    if ctx.caller.role is not Role.SYSTEM:
        raise Forbidden(ctx.caller.role.value, "audit retention (command line only)")


# Business hours for the weekly review's "after hours" list: Monday to Friday, 07:00 to 19:00.
OPENS, CLOSES = time(7), time(19)
PRIVILEGED_PREFIXES = ("account.", "key.", "reference.", "audit.")
EXPORT_ACTIONS = ("detainer.list", "booking.list", "audit.list", "audit.export", "stats.export")


@dataclass(frozen=True, kw_only=True)
class Review:
    """The weekly review (CJIS AU-6): what an auditor must look at for one window."""

    start: datetime
    end: datetime
    records: int
    failed_logins: list[AuditRecord]
    denials: list[AuditRecord]
    exports: list[AuditRecord]
    after_hours: list[AuditRecord]
    privileged: list[AuditRecord]


def review(ctx: Context, start: datetime, end: datetime, zone: ZoneInfo) -> Review:
    """The review report for `[start, end)`; after-hours is judged in `zone`. Itself audited."""
    _require_auditor(ctx)
    with ctx.uow() as uow:
        found = list(uow.audit.between(start, end))
        uow.audit.append(
            entry(
                ctx,
                "audit.review",
                "audit",
                "review",
                Outcome.SUCCESS,
                detail=f"from={start.isoformat()} to={end.isoformat()}",
            )
        )
        uow.commit()
    people = [r for r in found if r.entry.actor_kind in ("user", "key")]
    return Review(
        start=start,
        end=end,
        records=len(found),
        failed_logins=[
            r
            for r in found
            if r.entry.action == "session.login" and r.entry.outcome is Outcome.FAILED
        ],
        denials=[r for r in found if r.entry.outcome is Outcome.DENIED],
        exports=[r for r in people if r.entry.action in EXPORT_ACTIONS],
        after_hours=[r for r in people if _after_hours(r.entry.at, zone)],
        privileged=[
            r
            for r in people
            if r.entry.role == "admin" or r.entry.action.startswith(PRIVILEGED_PREFIXES)
        ],
    )


def _after_hours(at: datetime, zone: ZoneInfo) -> bool:
    local = at.astimezone(zone)
    return local.weekday() >= 5 or not OPENS <= local.time() < CLOSES


WEEK = timedelta(days=7)


def _require_auditor(ctx: Context) -> None:
    try:
        authz.require(ctx.caller, Permission.AUDIT_READ)
    except Forbidden as e:
        denied(ctx, Permission.AUDIT_READ.value, "audit", "chain", e)
        raise


@dataclass(frozen=True, kw_only=True)
class AuditQuery:
    """A page of the trail in chain order, optionally within `[start, end)`."""

    start: datetime | None = None
    end: datetime | None = None
    after_seq: int = 0
    limit: int = 100


@audited("audit.list", "audit", None)
def trail(query: AuditQuery, ctx: Context, trail: Trail) -> Sequence[AuditRecord]:
    """Records of the audit trail, for auditors (the only place person-level actions are listed)."""
    authz.require(ctx.caller, Permission.AUDIT_READ)
    with ctx.uow() as uow:
        found = uow.audit.records(
            after_seq=query.after_seq, limit=query.limit, start=query.start, end=query.end
        )
        trail.success(uow, "trail", detail=f"after={query.after_seq} rows={len(found)}")
        uow.commit()
    return found
