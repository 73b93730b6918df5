"""What the route modules share: id and paging parameters, cursors, created-resource responses."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated

from fastapi import Path, Query, Response

from detainers.domain.errors import InvalidValue

ObjectId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9-]+$")]
Limit = Annotated[int, Query(ge=1, le=200, description="How many items per page")]
Cursor = Annotated[
    str | None,
    Query(max_length=200, description="The `next_cursor` of the previous page; omit for the first"),
]


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The record id a cursor stands for; anything that does not decode to an id is refused.

    A decoded value goes into a query: one holding a NUL would fail in PostgreSQL.
    """
    if cursor is None:
        return None
    try:
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as e:
        raise InvalidValue(
            field="cursor", value=cursor, problem="is not a cursor this API gave"
        ) from e
    if not re.fullmatch(r"[A-Za-z0-9-]{1,36}", decoded):
        raise InvalidValue(field="cursor", value=cursor, problem="is not a cursor this API gave")
    return decoded


def next_cursor(ids: list[str], limit: int) -> str | None:
    """A cursor after the last id when the page is full (there may be more), else None."""
    return encode_cursor(ids[-1]) if len(ids) == limit and ids else None


def created(response: Response, location: str, replayed: bool) -> None:
    """Mark a create's response: 201 with `Location`, or 200 with `Idempotent-Replayed` on a replay."""
    response.headers["Location"] = location
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
