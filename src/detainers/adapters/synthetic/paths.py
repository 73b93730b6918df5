"""The lifecycle paths of the synthetic world, their rates, their timing, and their scripts.

Paths are dealt from a deck so the rates hold exactly over every 500
detainers (and a small world still shows every path). The last detainers,
lodged in the final days before `now`, are dealt from a second deck of live
paths: each stops, by its timing, in one live state (unmatched, received,
honoured, notify-only, declined, in conflict, release notified, on hold).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import Enum

from detainers.adapters.synthetic._draw import Deck, Weighted, skewed, span
from detainers.adapters.synthetic.story import Plan, Story
from detainers.domain.lifecycle import DetainerState
from detainers.domain.vocabulary import Action, FacilityType, ReleaseReason, ReviewChoice, Warrant

S = DetainerState
F = FacilityType
R = ReleaseReason
C = ReviewChoice


class Path(Enum):
    HOLD_TRANSFER = "honoured, held, transferred during the hold"
    NOTIFIED_TRANSFER = "honoured or notify-only, notified, transferred at release"
    HOLD_DEADLINE = "honoured, held, released at the deadline"
    HOLD_OVERRUN = "honoured, held past the deadline (a recorded violation)"
    HOLD_RELEASED_EARLY = "honoured, held, released early by court order"
    NOTIFY_RELEASED = "notify-only, notified, released"
    DECLINED_RELEASED = "declined, released"
    ESCALATED = "a legal conflict, decided by a supervisor, released"
    CANCELLED = "cancelled by the agency at some stage"
    NOT_IN_CUSTODY = "the person had already left custody"
    RELEASED_BEFORE_REVIEW = "released before the facility reviewed the detainer"
    LIVE_UNMATCHED = "live: not yet matched to a booking"
    LIVE_RECEIVED = "live: matched, awaiting review"
    LIVE_HONORED = "live: honoured, release not yet near"
    LIVE_NOTIFY_ONLY = "live: notify-only, release not yet near"
    LIVE_DECLINED = "live: declined, release not yet near"
    LIVE_CONFLICT = "live: awaiting a supervisor's decision"
    LIVE_RELEASE_NOTIFIED = "live: the agency has been told of a coming release"
    LIVE_ON_HOLD = "live: held, the deadline still ahead"


P = Path
# Per 500 detainers (the rates, scaled so they sum to the whole).
BODY_COUNTS = {
    P.HOLD_TRANSFER: 170,
    P.NOTIFIED_TRANSFER: 68,
    P.HOLD_DEADLINE: 22,
    P.HOLD_OVERRUN: 1,
    P.HOLD_RELEASED_EARLY: 6,
    P.NOTIFY_RELEASED: 68,
    P.DECLINED_RELEASED: 80,
    P.ESCALATED: 5,
    P.CANCELLED: 45,
    P.NOT_IN_CUSTODY: 23,
    P.RELEASED_BEFORE_REVIEW: 12,
}
LIVE_COUNTS = {
    P.LIVE_UNMATCHED: 1,
    P.LIVE_RECEIVED: 1,
    P.LIVE_HONORED: 2,
    P.LIVE_NOTIFY_ONLY: 1,
    P.LIVE_DECLINED: 1,
    P.LIVE_CONFLICT: 1,
    P.LIVE_RELEASE_NOTIFIED: 2,
    P.LIVE_ON_HOLD: 2,
}
LIVE_DECK_SIZE = sum(LIVE_COUNTS.values())
HOLDING = frozenset({P.HOLD_TRANSFER, P.HOLD_DEADLINE, P.HOLD_OVERRUN, P.HOLD_RELEASED_EARLY})
HOLDING_LIVE = frozenset({P.LIVE_HONORED, P.LIVE_RECEIVED, P.LIVE_ON_HOLD})
AGENCY_ARREST_RATE = 0.3

# Hours: (floor, mean of the tail, cap) of each stay, and of the time booked before the detainer.
_STAY = {
    F.POLICE_LOCKUP: (4, 30, 120),
    F.COURT_HOLDING: (3, 24, 96),
    F.CITY_JAIL: (12, 120, 2400),
    F.COUNTY_JAIL: (24, 480, 7200),
    F.STATE_PRETRIAL_JAIL: (24, 600, 7200),
    F.PRIVATE: (24, 480, 7200),
    F.FEDERAL: (48, 900, 9000),
    F.STATE_PRISON: (240, 3600, 17000),
}
_BOOKED_BEFORE = {
    F.POLICE_LOCKUP: (0.5, 4, 20),
    F.COURT_HOLDING: (0.5, 3, 12),
    F.CITY_JAIL: (1, 24, 480),
    F.COUNTY_JAIL: (2, 48, 1440),
    F.STATE_PRETRIAL_JAIL: (2, 60, 1440),
    F.PRIVATE: (2, 48, 1440),
    F.FEDERAL: (4, 240, 4000),
    F.STATE_PRISON: (240, 4000, 20000),
}
_SHORT = Weighted({R.RECOGNIZANCE: 4.0, R.BOND_POSTED: 3.0, R.COURT_APPEARANCE_ENDED: 3.0})
_JAIL = Weighted(
    {
        R.BOND_POSTED: 40.0,
        R.RECOGNIZANCE: 15.0,
        R.SENTENCE_COMPLETE: 20.0,
        R.CHARGES_DISMISSED: 12.0,
        R.COURT_ORDER: 10.0,
        R.OTHER: 3.0,
    }
)
_CANCEL_STAGE = Weighted({0: 15.0, 1: 25.0, 2: 35.0, 3: 15.0, 4: 10.0})
_CANCEL_REASONS = (
    "cancelled by the agency: removal proceedings terminated",
    "cancelled by the agency: lodged in error",
    "cancelled by the agency: subject's identity not confirmed",
    "cancelled by the agency: subject granted relief",
)


def decks() -> tuple[Deck[Path], Deck[Path]]:
    """Fresh decks of paths for one world: the body's, and the live tail's."""
    return Deck(BODY_COUNTS), Deck(LIVE_COUNTS)


def booked_before(rng: random.Random, facility_type: FacilityType) -> timedelta:
    """How long before the detainer the person was booked."""
    return skewed(rng, *_BOOKED_BEFORE[facility_type])


def release_reason(rng: random.Random, facility_type: FacilityType) -> ReleaseReason:
    """Why custody would otherwise end, as is usual for the type of facility."""
    if facility_type is F.STATE_PRISON:
        return R.SENTENCE_COMPLETE
    if facility_type in (F.POLICE_LOCKUP, F.COURT_HOLDING):
        return _SHORT.draw(rng)
    return _JAIL.draw(rng)


def draw_plan(
    rng: random.Random,
    path: Path,
    *,
    lodged_at: datetime,
    now: datetime,
    facility_type: FacilityType,
    match_kind: str | None,
) -> Plan:
    """The times of a detainer's story: drawn, then shaped to the path (live ones around `now`)."""
    match_at = lodged_at + (span(rng, 0.01, 0.5) if match_kind else span(rng, 2, 72))
    review_at = match_at + span(rng, 0.5, 48)
    second = review_at + span(rng, 4, 72)
    releasable = max(lodged_at + skewed(rng, *_STAY[facility_type]), review_at + span(rng, 6, 72))
    plan = Plan(
        match_at=match_at,
        review_at=review_at,
        second_review_at=second,
        releasable_at=releasable,
        release_reason=release_reason(rng, facility_type),
        match_kind=match_kind,
    )
    if path is P.ESCALATED:
        plan.releasable_at = max(releasable, second + span(rng, 6, 48))
    elif path is P.RELEASED_BEFORE_REVIEW:
        plan.releasable_at = match_at + span(rng, 0.5, 20)
        plan.review_at = plan.releasable_at + span(rng, 1, 24)
    elif path in LIVE_COUNTS:
        _around_now(rng, path, plan, lodged_at, now)
    return plan


def _around_now(
    rng: random.Random, path: Path, plan: Plan, lodged_at: datetime, now: datetime
) -> None:
    def part(low: float, high: float) -> datetime:
        seconds = (now - lodged_at).total_seconds() * rng.uniform(low, high)
        return max(
            lodged_at + timedelta(seconds=int(seconds)), plan.match_at + timedelta(minutes=5)
        )

    if path is P.LIVE_ON_HOLD:
        plan.review_at, plan.notice_at = part(0.1, 0.3), part(0.35, 0.5)
        plan.releasable_at = max(part(0.6, 0.9), now - span(rng, 1, 20))
        return
    if path is P.LIVE_RELEASE_NOTIFIED:
        plan.review_at, plan.notice_at = part(0.1, 0.3), part(0.35, 0.5)
        plan.releasable_at = now + span(rng, 2, 72)
        return
    # The others stop at matching or a review; their release is weeks away.
    if path is P.LIVE_UNMATCHED:
        plan.match_at = now + span(rng, 1, 72)
    elif path is P.LIVE_RECEIVED:
        plan.review_at = now + span(rng, 1, 48)
    else:
        plan.review_at = part(0.2, 0.6)
    if path is P.LIVE_CONFLICT:
        plan.second_review_at = now + span(rng, 1, 72)
    plan.second_review_at = max(plan.second_review_at, plan.review_at + span(rng, 4, 72))
    plan.releasable_at = max(now, plan.second_review_at) + span(rng, 170, 60 * 24)


# -- scripts ------------------------------------------------------------------


def _held(s: Story, end: Callable[[Story], None]) -> None:
    s.arrive()
    s.review(C.HONOR, transfer=True)
    if s.plan.notice_at is not None or s.rng.random() < 0.85:
        s.notify()
    s.releasable()
    s.hold()
    end(s)


def hold_transfer(s: Story) -> None:
    _held(s, lambda s: s.pickup_during_hold())


def hold_deadline(s: Story) -> None:
    _held(s, lambda s: s.release_at_deadline())


def hold_overrun(s: Story) -> None:
    if s.rng.random() < 0.5:
        _held(s, lambda s: s.release_at_deadline(late=True))
    else:
        _held(s, lambda s: s.pickup_during_hold(late=True))


def hold_released_early(s: Story) -> None:
    _held(s, lambda s: s.release_early_from_hold())


def notified_transfer(s: Story) -> None:
    s.arrive()
    s.review(C.HONOR if s.rng.random() < 0.5 else C.NOTIFY_ONLY, transfer=True)
    s.notify()
    s.transfer(s.plan.releasable_at)


def notify_released(s: Story) -> None:
    s.arrive()
    s.review(C.NOTIFY_ONLY, transfer=False)
    s.notify()
    s.release(s.plan.releasable_at)


def declined_released(s: Story) -> None:
    s.arrive()
    s.review(C.DECLINE, transfer=False)
    if (
        s.rng.random() < 0.15
        and s.detainer.state is S.DECLINED
        and s.detainer.warrant is not Warrant.JUDICIAL
    ):
        # Some agencies answer a decline with a judge's warrant; the facility decides again.
        s.amend_to_judicial_warrant()
        s.review(C.NOTIFY_ONLY if s.rng.random() < 0.5 else C.DECLINE, transfer=False, second=True)
    s.release(s.plan.releasable_at)


def escalated(s: Story) -> None:
    s.arrive()
    s.review(C.ESCALATE, transfer=False)
    choice = C.DECLINE if s.rng.random() < 0.6 else C.NOTIFY_ONLY
    s.review(choice, transfer=False, second=True)
    if choice is C.NOTIFY_ONLY:
        s.notify()
    s.release(s.plan.releasable_at)


def cancelled(s: Story) -> None:
    stage = _CANCEL_STAGE.draw(s.rng)
    if stage >= 1:
        s.arrive()
    if stage >= 2:
        choice = (C.HONOR, C.NOTIFY_ONLY, C.DECLINE)[0 if stage >= 4 else s.rng.randrange(3)]
        s.review(choice, transfer=False)
    if stage >= 3 and s.detainer.state in (S.HONORED, S.NOTIFY_ONLY):
        s.notify()
    if stage >= 4 and s.detainer.permits(Action.HOLD):
        s.releasable()
        s.hold()
    s.cancel_later(s.rng.choice(_CANCEL_REASONS))
    if s.detainer.state is S.CANCELLED and s.subject.booking.in_custody:
        s.leave()


def not_in_custody(s: Story) -> None:
    s.not_in_custody(s.detainer.lodged_at + span(s.rng, 1, 72))


def released_before_review(s: Story) -> None:
    s.arrive()
    s.release(s.plan.releasable_at)


SCRIPTS: dict[Path, Callable[[Story], None]] = {
    P.HOLD_TRANSFER: hold_transfer,
    P.NOTIFIED_TRANSFER: notified_transfer,
    P.HOLD_DEADLINE: hold_deadline,
    P.HOLD_OVERRUN: hold_overrun,
    P.HOLD_RELEASED_EARLY: hold_released_early,
    P.NOTIFY_RELEASED: notify_released,
    P.DECLINED_RELEASED: declined_released,
    P.ESCALATED: escalated,
    P.CANCELLED: cancelled,
    P.NOT_IN_CUSTODY: not_in_custody,
    P.RELEASED_BEFORE_REVIEW: released_before_review,
    P.LIVE_UNMATCHED: declined_released,
    P.LIVE_RECEIVED: hold_transfer,
    P.LIVE_HONORED: hold_transfer,
    P.LIVE_NOTIFY_ONLY: notify_released,
    P.LIVE_DECLINED: declined_released,
    P.LIVE_CONFLICT: escalated,
    P.LIVE_RELEASE_NOTIFIED: notified_transfer,
    P.LIVE_ON_HOLD: hold_deadline,
}
