"""The in-app inbox (each facility's and agency's messages, acknowledged by a person) and endpoints.

Staff see their facility's inbox; officers their agency's. A message about
a detainer is readable by whoever may see that detainer. Endpoints (where
webhooks and e-mail go) are set by an administrator, or by the system.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from detainers.domain.access import AGENCY_ROLES, FACILITY_ROLES, Caller, Role
from detainers.domain.errors import InvalidValue
from detainers.domain.notification import (
    SECRET_OVERLAP,
    Attempt,
    Audience,
    Channel,
    Endpoint,
    Message,
)
from detainers.services import authz
from detainers.services.audit import Trail, audited
from detainers.services.authz import Permission
from detainers.services.context import Context
from detainers.services.errors import Forbidden, NotFound, OutsideTenant
from detainers.services.ports import UnitOfWork


def _mailbox(caller: Caller) -> tuple[Audience, str]:
    if caller.role in FACILITY_ROLES and caller.facility_code:
        return Audience.FACILITY, caller.facility_code
    if caller.role in AGENCY_ROLES and caller.agency_code:
        return Audience.AGENCY, caller.agency_code
    raise Forbidden(caller.role.value, Permission.INBOX_READ.value)


@dataclass(frozen=True, kw_only=True)
class InboxQuery:
    """`mailbox` names whose inbox the system (an operator at the command line) reads;
    everyone else reads their own."""

    open_only: bool = False
    after: str | None = None
    limit: int = 50
    mailbox: tuple[Audience, str] | None = None


@audited("inbox.list", "inbox", None)
def inbox(query: InboxQuery, ctx: Context, trail: Trail) -> Sequence[Message]:
    """The caller's facility's or agency's in-app messages, newest first."""
    authz.require(ctx.caller, Permission.INBOX_READ)
    with ctx.uow() as uow:
        if ctx.caller.role is Role.SYSTEM and query.mailbox is not None:
            audience, code = query.mailbox
            _owner_exists(uow, audience, code)
        else:
            audience, code = _mailbox(ctx.caller)
            if query.mailbox not in (None, (audience, code)):
                raise Forbidden(ctx.caller.role.value, Permission.INBOX_READ.value)
        found = uow.messages.inbox(
            audience, code, open_only=query.open_only, after=query.after, limit=query.limit
        )
        trail.success(uow, f"{audience}:{code}", detail=f"rows={len(found)}")
        uow.commit()
    return found


@audited("inbox.acknowledge", "message", None)
def acknowledge(message_id: str, ctx: Context, trail: Trail) -> Message:
    """A person acknowledges a message in their inbox (once; later calls change nothing)."""
    authz.require(ctx.caller, Permission.INBOX_READ)
    audience, code = _mailbox(ctx.caller)
    with ctx.uow() as uow:
        message = uow.messages.get(message_id)
        if message is None or message.channel is not Channel.INBOX:
            raise NotFound("message", message_id)
        if (message.audience, message.recipient) != (audience, code):
            # Answered like a missing message; audited as the denial it is.
            raise OutsideTenant("message", message_id)
        if message.acknowledged_at is None:
            message.acknowledged_at, message.acknowledged_by = ctx.clock.now(), ctx.caller.name
            uow.messages.save(message)
        trail.success(uow, message.id)
        uow.commit()
    return message


@dataclass(frozen=True, kw_only=True)
class Notifications:
    """Everything sent (or withheld) about one detainer, with each delivery attempt."""

    messages: Sequence[Message]
    attempts: dict[str, Sequence[Attempt]]


@audited("notification.list", "detainer", None)
def about_detainer(detainer_id: str, ctx: Context, trail: Trail) -> Notifications:
    """The messages about a detainer the caller may see (their side's, and why any was withheld)."""
    authz.require(ctx.caller, Permission.DETAINER_READ)
    with ctx.uow() as uow:
        detainer = authz.visible_detainer(ctx.caller, uow.detainers.get(detainer_id), detainer_id)
        found = list(uow.messages.for_subject(detainer.id))
        if ctx.caller.role is not Role.SYSTEM:
            audience, code = _mailbox(ctx.caller)
            found = [m for m in found if (m.audience, m.recipient) == (audience, code)]
        attempts = {m.id: uow.messages.attempts(m.id) for m in found}
        trail.success(uow, detainer.id, detail=f"rows={len(found)}")
        uow.commit()
    return Notifications(messages=found, attempts=attempts)


# -- endpoints -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SetEndpoint:
    audience: Audience
    owner_code: str
    channel: Channel
    target: str
    secret: str | None = None


def _check_target(cmd: SetEndpoint) -> None:
    if cmd.channel is Channel.WEBHOOK:
        try:
            parts = urlsplit(cmd.target)
            _ = parts.port  # read now: a port that is not a number in range raises
        except ValueError as e:
            raise InvalidValue(field="url", value=cmd.target, problem=f"is not a URL: {e}") from e
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise InvalidValue(field="url", value=cmd.target, problem="is not an http(s) URL")
        if not cmd.secret or len(cmd.secret) < 16:
            raise InvalidValue(
                field="secret", value="(hidden)", problem="must be at least 16 characters"
            )
    elif cmd.channel is Channel.EMAIL:
        local, at, domain = cmd.target.partition("@")
        if not local or not at or "." not in domain or any(c.isspace() for c in cmd.target):
            raise InvalidValue(field="email", value=cmd.target, problem="is not an e-mail address")
    else:
        raise InvalidValue(
            field="channel", value=cmd.channel.value, problem="has no endpoint (webhook | email)"
        )


def _owner_exists(uow: UnitOfWork, audience: Audience, code: str) -> None:
    found = uow.agencies.get(code) if audience is Audience.AGENCY else uow.facilities.get(code)
    if found is None:
        raise NotFound(audience.value, code)


@audited("endpoint.set", "endpoint", "owner_code")
def set_endpoint(cmd: SetEndpoint, ctx: Context, trail: Trail) -> Endpoint:
    """Set where an agency's or facility's messages go. A new webhook secret does not cut off
    the old one at once: both sign for a day, so the receiver can switch without losing any."""
    authz.require(ctx.caller, Permission.ACCOUNT_MANAGE)
    _check_target(cmd)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        _owner_exists(uow, cmd.audience, cmd.owner_code)
        current = uow.endpoints.get(cmd.audience, cmd.owner_code, cmd.channel)
        endpoint = Endpoint(
            id=current.id if current else ctx.ids(),
            audience=cmd.audience,
            owner_code=cmd.owner_code,
            channel=cmd.channel,
            target=cmd.target,
            secret=cmd.secret,
            updated_at=now,
        )
        if current is not None and current.secret and current.secret != cmd.secret:
            endpoint.previous_secret, endpoint.previous_until = current.secret, now + SECRET_OVERLAP
        elif current is not None:
            endpoint.previous_secret, endpoint.previous_until = (
                current.previous_secret,
                current.previous_until,
            )
        uow.endpoints.put(endpoint)
        trail.success(uow, endpoint.id, detail=f"{cmd.audience}:{cmd.owner_code} {cmd.channel}")
        uow.commit()
    return endpoint


def endpoints_of(audience: Audience, code: str, ctx: Context) -> Sequence[Endpoint]:
    """An agency's or facility's endpoints (an unknown code is not found, not an empty list)."""
    authz.require(ctx.caller, Permission.ACCOUNT_MANAGE)
    with ctx.uow() as uow:
        _owner_exists(uow, audience, code)
        return uow.endpoints.for_owner(audience, code)
