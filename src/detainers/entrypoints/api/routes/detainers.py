"""Detainer routes: lodge, amend, serve, match, review, notify, transfer, cancel, and read them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from starlette.concurrency import run_in_threadpool

from detainers.domain import commands as c
from detainers.domain.lifecycle import DetainerState
from detainers.entrypoints.api.deps import permission
from detainers.entrypoints.api.ratelimit import SEARCH, limited
from detainers.entrypoints.api.routes._shared import (
    Cursor,
    Limit,
    ObjectId,
    created,
    decode_cursor,
    next_cursor,
)
from detainers.entrypoints.api.schemas import (
    AmendIn,
    ArrestIn,
    AtIn,
    DetainerIn,
    DetainerOut,
    EventOut,
    MatchIn,
    NoticeIn,
    Page,
    ReasonIn,
    ReviewIn,
)
from detainers.services import detainers, idempotency, queries
from detainers.services.authz import Permission
from detainers.services.context import Context
from detainers.services.ports import DetainerFilter

router = APIRouter(prefix="/api/v1/detainers", tags=["detainers"])

Reader = Annotated[Context, Depends(permission(Permission.DETAINER_READ))]
Lodger = Annotated[Context, Depends(permission(Permission.DETAINER_LODGE))]
Handler = Annotated[Context, Depends(permission(Permission.DETAINER_HANDLE))]
Reviewer = Annotated[Context, Depends(permission(Permission.DETAINER_REVIEW))]
Arrester = Annotated[Context, Depends(permission(Permission.AGENCY_ARREST))]


class TimelineOut(DetainerOut):
    events: list[EventOut]


def _read(detainer_id: str, ctx: Context) -> DetainerOut:
    return DetainerOut.of(queries.detainer_timeline(detainer_id, ctx).detainer)


@router.post(
    "",
    status_code=201,
    response_model=DetainerOut,
    operation_id="lodgeDetainer",
    summary="Lodge a detainer with a facility",
    description="The agency's request; it is matched to the open booking its identifiers name.",
)
async def lodge(body: DetainerIn, response: Response, ctx: Lodger) -> DetainerOut:
    def create(ctx: Context) -> DetainerOut:
        command = c.LodgeDetainer(
            agency_code=body.agency,
            facility_code=body.facility,
            subject=body.subject.domain(),
            form=body.form,
            probable_cause=frozenset(body.probable_cause),
            warrant=body.warrant,
            requests=frozenset(body.requests),
            actor=ctx.caller.name,
            at=body.lodged_at,
        )
        return DetainerOut.of(detainers.lodge_detainer(command, ctx))

    done = await run_in_threadpool(idempotency.carry_out, ctx, create, _read)
    created(response, f"{router.prefix}/{done.value.id}", done.replayed)
    return done.value


@router.get(
    "",
    response_model=Page[DetainerOut],
    operation_id="listDetainers",
    summary="Detainers of the caller's facility or agency",
    dependencies=[Depends(limited("search", SEARCH))],
)
def list_(
    ctx: Reader,
    state: Annotated[DetainerState | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DetainerOut]:
    where = DetainerFilter(state=state, limit=limit, after=decode_cursor(cursor))
    found = queries.list_detainers(where, ctx)
    return Page[DetainerOut](
        items=[DetainerOut.of(d) for d in found],
        next_cursor=next_cursor([d.id for d in found], limit),
    )


@router.get(
    "/{detainer_id}",
    response_model=TimelineOut,
    operation_id="getDetainer",
    summary="One detainer, its decision (with reasons, citations and remedies) and its history",
)
def get(detainer_id: ObjectId, ctx: Reader) -> TimelineOut:
    timeline = queries.detainer_timeline(detainer_id, ctx)
    out = DetainerOut.of(timeline.detainer)
    return TimelineOut(**out.model_dump(), events=[EventOut.of(e) for e in timeline.events])


@router.post(
    "/{detainer_id}/amend",
    response_model=DetainerOut,
    operation_id="amendDetainer",
    summary="Change a detainer's terms (form, boxes, warrant, requests); a decision must be made again",
)
def amend(detainer_id: ObjectId, body: AmendIn, ctx: Lodger) -> DetainerOut:
    command = c.AmendDetainer(
        detainer_id=detainer_id,
        reason=body.reason,
        actor=ctx.caller.name,
        form=body.form,
        probable_cause=None if body.probable_cause is None else frozenset(body.probable_cause),
        warrant=body.warrant,
        requests=None if body.requests is None else frozenset(body.requests),
    )
    return DetainerOut.of(detainers.amend_detainer(command, ctx))


@router.post(
    "/{detainer_id}/cancel",
    response_model=DetainerOut,
    operation_id="cancelDetainer",
    summary="Withdraw a detainer; a hold on it ends at once",
)
def cancel(detainer_id: ObjectId, body: ReasonIn, ctx: Lodger) -> DetainerOut:
    command = c.CancelDetainer(
        detainer_id=detainer_id, reason=body.reason, actor=ctx.caller.name, at=body.at
    )
    return DetainerOut.of(detainers.cancel_detainer(command, ctx))


@router.post(
    "/{detainer_id}/match",
    response_model=DetainerOut,
    operation_id="matchDetainer",
    summary="Attach an unmatched detainer to an open booking at its facility",
)
def match(detainer_id: ObjectId, body: MatchIn, ctx: Handler) -> DetainerOut:
    command = c.MatchDetainer(
        detainer_id=detainer_id, booking_id=body.booking_id, actor=ctx.caller.name, at=body.at
    )
    return DetainerOut.of(detainers.match_detainer(command, ctx))


@router.post(
    "/{detainer_id}/serve",
    response_model=DetainerOut,
    operation_id="serveDetainer",
    summary="Record that the subject was given a copy of the detainer",
)
def serve(detainer_id: ObjectId, body: AtIn, ctx: Handler) -> DetainerOut:
    command = c.ServeDetainer(detainer_id=detainer_id, actor=ctx.caller.name, at=body.at)
    return DetainerOut.of(detainers.serve_detainer(command, ctx))


@router.post(
    "/{detainer_id}/review",
    response_model=DetainerOut,
    operation_id="reviewDetainer",
    summary="Record the facility's decision, inside the bounds the law sets on the date",
)
def review(detainer_id: ObjectId, body: ReviewIn, ctx: Reviewer) -> DetainerOut:
    command = c.RecordReview(
        detainer_id=detainer_id,
        choice=body.choice,
        actor=ctx.caller.name,
        override_reason=body.override_reason,
        at=body.at,
    )
    return DetainerOut.of(detainers.record_review(command, ctx))


@router.post(
    "/{detainer_id}/release-notice",
    response_model=DetainerOut,
    operation_id="notifyRelease",
    summary="Tell the agency the release date (only where the decision permits notice)",
)
def notify(detainer_id: ObjectId, body: NoticeIn, ctx: Handler) -> DetainerOut:
    command = c.NotifyRelease(
        detainer_id=detainer_id, release_at=body.release_at, actor=ctx.caller.name, at=body.at
    )
    return DetainerOut.of(detainers.notify_release(command, ctx))


@router.post(
    "/{detainer_id}/transfer",
    response_model=DetainerOut,
    operation_id="transferCustody",
    summary="Hand the person to the agency (only where the decision permits it)",
)
def transfer(detainer_id: ObjectId, body: AtIn, ctx: Handler) -> DetainerOut:
    command = c.TransferCustody(detainer_id=detainer_id, actor=ctx.caller.name, at=body.at)
    return DetainerOut.of(detainers.transfer_custody(command, ctx))


@router.post(
    "/{detainer_id}/release-at-deadline",
    response_model=DetainerOut,
    operation_id="releaseAtDeadline",
    summary="Release a held person whose hold deadline has come",
)
def release_at_deadline(detainer_id: ObjectId, body: AtIn, ctx: Handler) -> DetainerOut:
    command = c.ReleaseAtDeadline(detainer_id=detainer_id, actor=ctx.caller.name, at=body.at)
    return DetainerOut.of(detainers.release_at_deadline(command, ctx))


@router.post(
    "/{detainer_id}/not-in-custody",
    response_model=DetainerOut,
    operation_id="markNotInCustody",
    summary="Answer that the person is not in this facility's custody",
)
def not_in_custody(detainer_id: ObjectId, body: ReasonIn, ctx: Handler) -> DetainerOut:
    command = c.MarkNotInCustody(
        detainer_id=detainer_id, reason=body.reason, actor=ctx.caller.name, at=body.at
    )
    return DetainerOut.of(detainers.mark_not_in_custody(command, ctx))


@router.post(
    "/{detainer_id}/agency-arrest",
    response_model=DetainerOut,
    operation_id="recordAgencyArrest",
    summary="Record that the agency arrested the released person later",
)
def agency_arrest(detainer_id: ObjectId, body: ArrestIn, ctx: Arrester) -> DetainerOut:
    command = c.RecordAgencyArrest(
        detainer_id=detainer_id, arrest_date=body.arrest_date, actor=ctx.caller.name, at=body.at
    )
    return DetainerOut.of(detainers.record_agency_arrest(command, ctx))
