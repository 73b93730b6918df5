"""Guards for the model's time convention: `_at` is an aware UTC datetime, `_date` a date."""

from __future__ import annotations

from datetime import UTC, datetime

from detainers.domain.errors import InvalidValue


def utc(value: datetime, *, field: str) -> datetime:
    """`value` converted to UTC; a naive datetime is refused, since its zone is unknown."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(field=field, value=value.isoformat(), problem="has no time zone")
    return value.astimezone(UTC)


def utc_or_none(value: datetime | None, *, field: str) -> datetime | None:
    """Like `utc`, passing `None` through."""
    return None if value is None else utc(value, field=field)
