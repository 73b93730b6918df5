"""Idempotent creation: a retried create request with the same key makes nothing new.

The record of a carried-out create is written in the same transaction as the
thing it made (see `audit.Trail.success`), so a crash leaves either both or
neither. `carry_out` looks the key up first; a key reused for a different
request is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from detainers.domain.errors import InvalidValue
from detainers.services.context import Context
from detainers.services.errors import ConcurrencyConflict

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class Created(Generic[T]):
    value: T
    replayed: bool


def _previous(ctx: Context) -> str | None:
    key = ctx.idempotency_key
    if key is None:
        return None
    with ctx.uow() as uow:
        found = uow.idempotency.get(ctx.caller.principal_id, key)
    if found is None:
        return None
    if found.fingerprint != ctx.fingerprint:
        raise InvalidValue(
            field="Idempotency-Key",
            value=key,
            problem="was already used for a different request; use a new key",
        )
    return found.object_id


def carry_out(
    ctx: Context, create: Callable[[Context], T], fetch: Callable[[str, Context], T]
) -> Created[T]:
    """`create(ctx)`, unless this caller already carried out this key: then `fetch` what it made."""
    previous = _previous(ctx)
    # Reading back what was made is not itself a create: the key is not carried into it.
    plain = ctx.acting(ctx.caller)
    if previous is not None:
        return Created(value=fetch(previous, plain), replayed=True)
    try:
        return Created(value=create(replace(ctx, creating=True)), replayed=False)
    except ConcurrencyConflict:
        # The same key raced us to the commit: answer with what the winner made.
        previous = _previous(ctx)
        if previous is None:
            raise
        return Created(value=fetch(previous, plain), replayed=True)
