"""The in-app inbox (a facility's or agency's messages, acknowledged by a person) and what was
sent, or withheld, about one detainer with each delivery attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from detainers.domain.notification import (
    Attempt,
    Audience,
    Channel,
    Message,
    MessageStatus,
    MessageType,
)
from detainers.entrypoints.api.deps import permission
from detainers.entrypoints.api.routes._shared import (
    Cursor,
    Limit,
    ObjectId,
    decode_cursor,
    next_cursor,
)
from detainers.entrypoints.api.schemas import Page
from detainers.services import inbox
from detainers.services.authz import Permission
from detainers.services.context import Context

router = APIRouter(prefix="/api/v1/inbox", tags=["inbox"])
about_detainer_router = APIRouter(prefix="/api/v1/detainers", tags=["inbox"])

Reader = Annotated[Context, Depends(permission(Permission.INBOX_READ))]
DetainerReader = Annotated[Context, Depends(permission(Permission.DETAINER_READ))]

Data = dict[str, str | int | None]


class MessageOut(BaseModel):
    """One message in an inbox: what happened (`type`, `description`), about which detainer."""

    id: str
    type: MessageType
    description: str = Field(description="What the message type means")
    subject: str = Field(description="The id of the detainer the message is about")
    data: Data = Field(description="Opaque ids and states only: never a name or an identifier")
    created_at: datetime
    status: MessageStatus
    reason: str | None = Field(description="Why the message was withheld, if it was")
    acknowledged_at: datetime | None
    acknowledged_by: str | None

    @classmethod
    def of(cls, m: Message) -> MessageOut:
        return cls(
            id=m.id,
            type=m.type,
            description=m.type.description,
            subject=m.subject,
            data=dict(m.data),
            created_at=m.created_at,
            status=m.status,
            reason=m.reason,
            acknowledged_at=m.acknowledged_at,
            acknowledged_by=m.acknowledged_by,
        )


class AttemptOut(BaseModel):
    attempted_at: datetime
    outcome: Literal["delivered", "failed"]
    status_code: int | None = Field(description="The receiver's HTTP status, for a webhook")
    error: str | None

    @classmethod
    def of(cls, a: Attempt) -> AttemptOut:
        return cls(
            attempted_at=a.attempted_at,
            outcome="delivered" if a.succeeded else "failed",
            status_code=a.status_code,
            error=a.error,
        )


class NotificationOut(MessageOut):
    """A message about a detainer on one channel, with where it went and every try to deliver it."""

    audience: Audience
    recipient: str = Field(description="The agency's or facility's code")
    channel: Channel
    due_at: datetime = Field(description="When it is (or was) next due to be tried")
    delivered_at: datetime | None
    last_error: str | None
    attempts: list[AttemptOut]

    @classmethod
    def about(cls, m: Message, attempts: list[AttemptOut]) -> NotificationOut:
        return cls(
            **MessageOut.of(m).model_dump(),
            audience=m.audience,
            recipient=m.recipient,
            channel=m.channel,
            due_at=m.due_at,
            delivered_at=m.delivered_at,
            last_error=m.last_error,
            attempts=attempts,
        )


class NotificationsOut(BaseModel):
    detainer_id: str
    items: list[NotificationOut]


@router.get(
    "",
    response_model=Page[MessageOut],
    operation_id="listInbox",
    summary="The caller's facility's or agency's in-app messages, newest first",
)
def list_(
    ctx: Reader,
    open_only: Annotated[
        bool, Query(description="Only messages nobody has acknowledged yet")
    ] = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[MessageOut]:
    query = inbox.InboxQuery(open_only=open_only, after=decode_cursor(cursor), limit=limit)
    found = inbox.inbox(query, ctx)
    return Page[MessageOut](
        items=[MessageOut.of(m) for m in found],
        next_cursor=next_cursor([m.id for m in found], limit),
    )


@router.post(
    "/{message_id}/acknowledge",
    response_model=MessageOut,
    operation_id="acknowledgeMessage",
    summary="Acknowledge a message in the caller's inbox (once: later calls change nothing)",
)
def acknowledge(message_id: ObjectId, ctx: Reader) -> MessageOut:
    return MessageOut.of(inbox.acknowledge(message_id, ctx))


@about_detainer_router.get(
    "/{detainer_id}/notifications",
    response_model=NotificationsOut,
    operation_id="listDetainerNotifications",
    summary="What was sent, or withheld and why, about a detainer, with each delivery attempt",
    description="The caller sees their own side's messages (their facility's or agency's).",
)
def about_detainer(detainer_id: ObjectId, ctx: DetainerReader) -> NotificationsOut:
    found = inbox.about_detainer(detainer_id, ctx)
    return NotificationsOut(
        detainer_id=detainer_id,
        items=[
            NotificationOut.about(m, [AttemptOut.of(a) for a in found.attempts.get(m.id, ())])
            for m in found.messages
        ],
    )
