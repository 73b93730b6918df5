"""The audit trail over HTTP (auditors): pages of records, the chain's verification, the weekly review."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from detainers.domain.audit import AuditRecord
from detainers.domain.errors import InvalidValue
from detainers.entrypoints.api.deps import permission
from detainers.entrypoints.api.routes._shared import Limit
from detainers.services import audit
from detainers.services.authz import Permission
from detainers.services.context import Context

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

Auditor = Annotated[Context, Depends(permission(Permission.AUDIT_READ))]


class AuditRecordOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    actor_kind: str
    role: str
    organization: str
    action: str
    object_type: str
    object_id: str
    outcome: str
    client: str
    request_id: str
    detail: str
    previous_hash: str
    hash: str

    @classmethod
    def of(cls, record: AuditRecord) -> AuditRecordOut:
        e = record.entry
        return cls(
            seq=record.seq,
            at=e.at,
            actor=e.actor,
            actor_kind=e.actor_kind,
            role=e.role,
            organization=e.organization,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            outcome=e.outcome.value,
            client=e.client,
            request_id=e.request_id,
            detail=e.detail,
            previous_hash=record.previous_hash,
            hash=record.hash,
        )


class AuditPage(BaseModel):
    items: list[AuditRecordOut]
    next_after_seq: int | None


class VerificationOut(BaseModel):
    intact: bool
    records: int
    broken_seq: int | None
    problem: str | None


class ReviewOut(BaseModel):
    start_at: datetime
    end_at_exclusive: datetime
    records: int
    failed_logins: list[AuditRecordOut]
    denials: list[AuditRecordOut]
    exports: list[AuditRecordOut]
    after_hours: list[AuditRecordOut]
    privileged: list[AuditRecordOut]


def _day(value: date | None, field: str, zone: ZoneInfo, *, end: bool = False) -> datetime | None:
    if value is None:
        return None
    if value.year < 1970 or value.year > 9998:
        raise InvalidValue(field=field, value=value.isoformat(), problem="is out of range")
    start = datetime.combine(value + timedelta(days=1 if end else 0), time(0), zone)
    return start.astimezone(UTC)


@router.get(
    "/records",
    response_model=AuditPage,
    operation_id="listAuditRecords",
    summary="Audit records in chain order (pass `next_after_seq` as `after_seq` for the next page)",
)
def records(
    ctx: Auditor,
    from_: Annotated[
        date | None, Query(alias="from", description="First UTC day, inclusive")
    ] = None,
    to: Annotated[date | None, Query(description="Last UTC day, inclusive")] = None,
    after_seq: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Limit = 100,
) -> AuditPage:
    query = audit.AuditQuery(
        start=_day(from_, "from", ZoneInfo("UTC")),
        end=_day(to, "to", ZoneInfo("UTC"), end=True),
        after_seq=after_seq,
        limit=limit,
    )
    found = audit.trail(query, ctx)
    return AuditPage(
        items=[AuditRecordOut.of(r) for r in found],
        next_after_seq=found[-1].seq if len(found) == limit else None,
    )


@router.post(
    "/verify",
    response_model=VerificationOut,
    operation_id="verifyAuditChain",
    summary="Walk the hash chain; the first broken record, if any",
)
def verify(ctx: Auditor) -> VerificationOut:
    result = audit.verify(ctx)
    broken = result.broken
    return VerificationOut(
        intact=broken is None,
        records=result.records,
        broken_seq=None if broken is None else broken.seq,
        problem=None if broken is None else broken.problem,
    )


@router.get(
    "/review",
    response_model=ReviewOut,
    operation_id="getAuditReview",
    summary="The weekly review: failed logins, denials, exports, after-hours access, privileged actions",
)
def review(
    ctx: Auditor,
    from_: Annotated[date, Query(alias="from", description="First day, inclusive")],
    to: Annotated[date, Query(description="Last day, inclusive")],
    zone: Annotated[
        str, Query(max_length=60, description="IANA time zone for days and hours")
    ] = "UTC",
) -> ReviewOut:
    try:
        where = ZoneInfo(zone)
    except (KeyError, ValueError) as e:
        raise InvalidValue(field="zone", value=zone, problem="is not an IANA time zone") from e
    if to < from_:
        raise InvalidValue(field="to", value=to.isoformat(), problem="is before [from]")
    start = _day(from_, "from", where)
    end = _day(to, "to", where, end=True)
    if start is None or end is None:
        raise InvalidValue(field="from", value="", problem="is required")
    found = audit.review(ctx, start, end, where)
    return ReviewOut(
        start_at=found.start,
        end_at_exclusive=found.end,
        records=found.records,
        failed_logins=[AuditRecordOut.of(r) for r in found.failed_logins],
        denials=[AuditRecordOut.of(r) for r in found.denials],
        exports=[AuditRecordOut.of(r) for r in found.exports],
        after_hours=[AuditRecordOut.of(r) for r in found.after_hours],
        privileged=[AuditRecordOut.of(r) for r in found.privileged],
    )
