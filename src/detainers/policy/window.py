"""The latest end of a hold: hours counted from the otherwise-releasable time.

Clock-hour windows count elapsed time (a daylight-saving change is an hour
like any other). Windows that exclude weekends and holidays count wall-clock
hours on the jurisdiction's calendar, skipping Saturdays, Sundays and United
States federal holidays (as observed), per 8 CFR 287.7(d) and the laws that
copied it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from detainers.policy.model import HoldWindow


@cache
def _federal_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("US", years=year, observed=True).keys())


def _excluded(day: date, window: HoldWindow) -> bool:
    if window.exclude_weekends and day.weekday() >= 5:
        return True
    return window.exclude_holidays and day in _federal_holidays(day.year)


def hold_until(start: datetime, window: HoldWindow, zone: ZoneInfo) -> datetime:
    """When a hold that starts at `start` (aware) must end under `window`, as an aware datetime."""
    if not (window.exclude_weekends or window.exclude_holidays):
        # In UTC: Python adds to a zoned time on the wall clock, which would make a
        # hold across the autumn clock change an hour too long.
        return start.astimezone(UTC) + timedelta(hours=window.hours)
    local = start.astimezone(zone).replace(tzinfo=None)
    remaining = timedelta(hours=window.hours)
    while remaining > timedelta(0):
        next_midnight = datetime.combine(local.date() + timedelta(days=1), time())
        if _excluded(local.date(), window):
            local = next_midnight
            continue
        step = min(remaining, next_midnight - local)
        local += step
        remaining -= step
    return local.replace(tzinfo=zone)
