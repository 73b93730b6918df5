"""Hold routes (facility): open holds with their deadlines, and the deadline check."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from detainers.domain.commands import CheckHoldDeadlines
from detainers.entrypoints.api.deps import permission
from detainers.entrypoints.api.routes._shared import Cursor, Limit, decode_cursor, next_cursor
from detainers.entrypoints.api.schemas import HoldOut, Page
from detainers.services import detainers, queries
from detainers.services.authz import Permission
from detainers.services.context import Context
from detainers.services.ports import DetainerFilter

router = APIRouter(prefix="/api/v1/holds", tags=["holds"])


class OpenHold(BaseModel):
    detainer_id: str
    booking_id: str | None
    facility: str
    agency: str
    hold: HoldOut
    seconds_left: float
    overdue: bool


class CheckOut(BaseModel):
    checked_at: datetime
    violations_recorded: list[str]


@router.get(
    "",
    response_model=Page[OpenHold],
    operation_id="listHolds",
    summary="Holds open at the caller's facility, soonest deadline first within the page",
)
def list_(
    ctx: Annotated[Context, Depends(permission(Permission.HOLD_READ))],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[OpenHold]:
    found = queries.open_holds(DetainerFilter(limit=limit, after=decode_cursor(cursor)), ctx)
    now = ctx.clock.now()
    items = [
        OpenHold(
            detainer_id=d.id,
            booking_id=d.booking_id,
            facility=d.facility_code,
            agency=d.agency_code,
            hold=HoldOut.of(d.hold),
            seconds_left=(d.hold.deadline_at - now).total_seconds(),
            overdue=d.hold.overdue(now),
        )
        for d in found
        if d.hold is not None
    ]
    items.sort(key=lambda h: h.hold.deadline_at)
    return Page[OpenHold](items=items, next_cursor=next_cursor([d.id for d in found], limit))


@router.post(
    "/check",
    response_model=CheckOut,
    operation_id="checkHoldDeadlines",
    summary="Record a violation for every hold open past its deadline (once each)",
)
def check(ctx: Annotated[Context, Depends(permission(Permission.HOLD_CHECK))]) -> CheckOut:
    overdue = detainers.check_hold_deadlines(CheckHoldDeadlines(actor=ctx.caller.name), ctx)
    return CheckOut(checked_at=ctx.clock.now(), violations_recorded=[d.id for d in overdue])
