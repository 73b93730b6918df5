"""Notices to the person where the law requires them: a detainer's list, each printable PDF, and
the record that staff served it. For the facility holding the person only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from detainers.domain.person_notice import NoticeTrigger, PersonNotice
from detainers.entrypoints.api.deps import permission
from detainers.entrypoints.api.routes._shared import ObjectId
from detainers.entrypoints.api.schemas import AtIn
from detainers.services import person_notices
from detainers.services.authz import Permission
from detainers.services.context import Context

router = APIRouter(prefix="/api/v1/person-notices", tags=["person notices"])
about_detainer_router = APIRouter(prefix="/api/v1/detainers", tags=["person notices"])

Handler = Annotated[Context, Depends(permission(Permission.DETAINER_HANDLE))]

PDF = "application/pdf"
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The notice as a printable PDF (for the person; it never leaves by webhook or e-mail)",
        "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
    }
}


class PersonNoticeOut(BaseModel):
    """A notice the law requires giving the person, and whether staff have served it."""

    id: str
    detainer_id: str
    notice: str = Field(description="The policy pack's stable id of the notice")
    trigger: NoticeTrigger
    citation: str
    summary: str = Field(description="What the law requires, in plain words")
    status: str = Field(
        description="The legal research's marking: CONFIRMED, PARTIAL or UNCONFIRMED"
    )
    created_at: datetime
    pdf: str | None = Field(description="Where to read the printable copy (none: not rendered)")
    served_at: datetime | None
    served_by: str | None

    @classmethod
    def of(cls, n: PersonNotice) -> PersonNoticeOut:
        return cls(
            id=n.id,
            detainer_id=n.detainer_id,
            notice=n.notice_id,
            trigger=n.trigger,
            citation=n.citation,
            summary=n.summary,
            status=n.status,
            created_at=n.created_at,
            pdf=f"{router.prefix}/{n.id}/pdf" if n.printable else None,
            served_at=n.served_at,
            served_by=n.served_by,
        )


class PersonNoticesOut(BaseModel):
    detainer_id: str
    items: list[PersonNoticeOut]


@about_detainer_router.get(
    "/{detainer_id}/person-notices",
    response_model=PersonNoticesOut,
    operation_id="listPersonNotices",
    summary="The notices the law requires giving the person a detainer names, oldest first",
    description="For staff of the facility holding the person.",
)
def list_(detainer_id: ObjectId, ctx: Handler) -> PersonNoticesOut:
    found = person_notices.for_detainer(detainer_id, ctx)
    return PersonNoticesOut(detainer_id=detainer_id, items=[PersonNoticeOut.of(n) for n in found])


@router.get(
    "/{notice_id}/pdf",
    response_class=Response,
    responses=PDF_RESPONSE,
    operation_id="getPersonNoticePdf",
    summary="A notice to the person as a printable PDF (an audited read)",
)
def pdf(notice_id: ObjectId, ctx: Handler) -> Response:
    found = person_notices.printable(notice_id, ctx)
    return Response(
        content=found.pdf,
        media_type=PDF,
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )


@router.post(
    "/{notice_id}/served",
    response_model=PersonNoticeOut,
    operation_id="recordPersonNoticeServed",
    summary="Record that staff gave the person the notice (once: later calls change nothing)",
)
def served(notice_id: ObjectId, body: AtIn, ctx: Handler) -> PersonNoticeOut:
    command = person_notices.ServeNotice(notice_id=notice_id, actor=ctx.caller.name, at=body.at)
    return PersonNoticeOut.of(person_notices.mark_served(command, ctx))
