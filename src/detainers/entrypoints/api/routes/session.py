"""Signing in and out: a password and a TOTP code give a session token (and a `__Host-` cookie)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from detainers.entrypoints.api.deps import SESSION_COOKIE, credential, permission
from detainers.entrypoints.api.ratelimit import LOGIN, limited
from detainers.entrypoints.api.schemas import Strict
from detainers.services import accounts
from detainers.services.authz import Permission
from detainers.services.context import Context
from detainers.services.errors import Unauthenticated

router = APIRouter(prefix="/api/v1/session", tags=["session"])


class LoginIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)
    code: str = Field(min_length=6, max_length=8, pattern=r"^\d+$")


class SessionOut(BaseModel):
    """Who the session belongs to; `token` only in the answer to a sign-in."""

    token: str | None = None
    username: str
    role: str
    facility: str | None
    agency: str | None
    idle_timeout_seconds: int = int(accounts.IDLE_TIMEOUT.total_seconds())


@router.post(
    "",
    status_code=201,
    response_model=SessionOut,
    operation_id="signIn",
    summary="Sign in with a password and a TOTP code",
    description="Five failures in a row lock the account for ten minutes. A presented old session ends.",
    dependencies=[Depends(limited("login", LOGIN))],
)
def sign_in(
    body: LoginIn,
    request: Request,
    response: Response,
    ctx: Annotated[Context, Depends(permission(Permission.SIGN_IN))],
) -> SessionOut:
    previous = request.cookies.get(SESSION_COOKIE)
    signed = accounts.login(
        accounts.Login(
            username=body.username, password=body.password, code=body.code, previous_token=previous
        ),
        ctx,
    )
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )
    who = signed.caller
    return SessionOut(
        token=signed.token,
        username=who.name,
        role=who.role.value,
        facility=who.facility_code,
        agency=who.agency_code,
    )


@router.get(
    "",
    response_model=SessionOut,
    operation_id="getSession",
    summary="Who is signed in",
)
def current(ctx: Annotated[Context, Depends(permission(Permission.SESSION))]) -> SessionOut:
    who = ctx.caller
    return SessionOut(
        username=who.name, role=who.role.value, facility=who.facility_code, agency=who.agency_code
    )


@router.delete(
    "",
    status_code=204,
    operation_id="signOut",
    summary="Sign out: the session ends at once",
)
def sign_out(
    request: Request,
    response: Response,
    ctx: Annotated[Context, Depends(permission(Permission.SESSION))],
) -> None:
    token = credential(request)
    if token is None or token.startswith(f"{accounts.KEY_PREFIX}_"):
        raise Unauthenticated(
            "only a session can sign out; API keys are revoked by an administrator"
        )
    accounts.logout(token, ctx)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
