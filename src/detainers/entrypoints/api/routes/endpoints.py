"""Where an agency's or facility's messages go (administrators): a webhook URL with its signing
secret, or an e-mail address. A secret is written, never read back: answers say only whether
one is set and until when the one it replaced still signs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from detainers.domain.errors import InvalidValue
from detainers.domain.notification import Audience, Channel, Endpoint
from detainers.entrypoints.api.deps import permission
from detainers.entrypoints.api.schemas import Strict
from detainers.services import inbox
from detainers.services.authz import Permission
from detainers.services.context import Context

router = APIRouter(prefix="/api/v1/endpoints", tags=["endpoints"])

Admin = Annotated[Context, Depends(permission(Permission.ACCOUNT_MANAGE))]
OwnerCode = Annotated[
    str,
    Path(
        min_length=1,
        max_length=36,
        pattern=r"^[A-Za-z0-9-]+$",
        description="The agency's or facility's code",
        examples=["ERO-BOS"],
    ),
]
EndpointChannel = Annotated[
    Literal["webhook", "email"], Path(description="`webhook` (a signed HTTPS POST) or `email`")
]


class EndpointIn(Strict):
    """A webhook's `url` and `secret` (16 characters or more, `whsec_<base64>` accepted), or an
    e-mail `email` address. A new secret does not cut off the old one at once: both sign for a day."""

    url: str | None = Field(
        default=None, max_length=2000, examples=["https://hooks.example.org/detainers"]
    )
    secret: str | None = Field(
        default=None, max_length=200, examples=["whsec_c2VjcmV0LXNlY3JldC0x"]
    )
    email: str | None = Field(default=None, max_length=320, examples=["intake@example.org"])


class EndpointOut(BaseModel):
    audience: Audience
    owner_code: str
    channel: Channel
    target: str = Field(description="The webhook's URL or the e-mail address")
    secret_set: bool = Field(description="Whether a signing secret is set (it is never shown)")
    previous_secret_until: datetime | None = Field(
        description="Until when the replaced secret still signs, after a change of secret"
    )
    updated_at: datetime

    @classmethod
    def of(cls, e: Endpoint) -> EndpointOut:
        return cls(
            audience=e.audience,
            owner_code=e.owner_code,
            channel=e.channel,
            target=e.target,
            secret_set=bool(e.secret),
            previous_secret_until=e.previous_until if e.previous_secret else None,
            updated_at=e.updated_at,
        )


def _target(channel: Channel, body: EndpointIn) -> str:
    """The one target the channel takes, refusing the fields it does not take (by name)."""
    wanted, other = ("url", "email") if channel is Channel.WEBHOOK else ("email", "url")
    unwanted = [other] + (["secret"] if channel is Channel.EMAIL else [])
    for field in unwanted:
        if getattr(body, field) is not None:
            raise InvalidValue(
                field=field, value="(given)", problem=f"is not taken by a [{channel}] endpoint"
            )
    target: str | None = getattr(body, wanted)
    if not target:
        raise InvalidValue(field=wanted, value="", problem=f"is needed for a [{channel}] endpoint")
    return target


@router.put(
    "/{audience}/{owner_code}/{channel}",
    response_model=EndpointOut,
    operation_id="setEndpoint",
    summary="Set where an agency's or facility's messages go on one channel",
    description="The secret is never answered back; `previous_secret_until` says until when "
    "the secret it replaced still signs.",
)
def put(
    audience: Audience,
    owner_code: OwnerCode,
    channel: EndpointChannel,
    body: EndpointIn,
    ctx: Admin,
) -> EndpointOut:
    on = Channel(channel)
    command = inbox.SetEndpoint(
        audience=audience,
        owner_code=owner_code,
        channel=on,
        target=_target(on, body),
        secret=body.secret,
    )
    return EndpointOut.of(inbox.set_endpoint(command, ctx))


@router.get(
    "/{audience}/{owner_code}",
    response_model=list[EndpointOut],
    operation_id="listEndpoints",
    summary="An agency's or facility's endpoints (never their secrets)",
)
def list_(audience: Audience, owner_code: OwnerCode, ctx: Admin) -> list[EndpointOut]:
    return [EndpointOut.of(e) for e in inbox.endpoints_of(audience, owner_code, ctx)]
