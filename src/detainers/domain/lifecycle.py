"""The detainer lifecycle as an explicit transition table.

States and actions are documented enums; `TRANSITIONS` is the whole of what
may happen. Anything not in the table raises `IllegalTransition` naming the
state and the action; terminal states allow nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from detainers.domain._enum import DocumentedEnum
from detainers.domain.errors import IllegalTransition, TerminalState


class DetainerState(DocumentedEnum):
    UNMATCHED = "unmatched", "Lodged, but not yet attached to a booking; waits for review"
    RECEIVED = "received", "Attached to a booking; waits for the facility's review"
    HONORED = "honored", "Reviewed: the facility will notify and hold as requested and allowed"
    NOTIFY_ONLY = "notify_only", "Reviewed: the facility will notify of release but not hold"
    DECLINED = "declined", "Reviewed: the facility will neither notify nor hold"
    CONFLICT = "conflict", "Reviewed: the law as encoded conflicts; a supervisor must decide"
    RELEASE_NOTIFIED = "release_notified", "The agency has been told of the coming release"
    ON_HOLD = "on_hold", "Held past the otherwise-releasable time, until a deadline"
    TRANSFERRED = "transferred", "Final: custody passed to the agency"
    RELEASED = "released", "Final: the person left custody without being handed over"
    RELEASED_AT_DEADLINE = "released_at_deadline", "Final: released when the hold's deadline came"
    CANCELLED = "cancelled", "Final: the agency withdrew the detainer"
    NOT_IN_CUSTODY = "not_in_custody", "Final: the person was not in the facility's custody"

    @property
    def is_terminal(self) -> bool:
        """True for the final states, from which nothing follows."""
        return self in TERMINAL_STATES


class LifecycleAction(DocumentedEnum):
    MATCH = "match", "Attach an unmatched detainer to a booking"
    HONOR = "honor", "Record a review choosing to notify and hold"
    NOTIFY_ONLY = "notify_only", "Record a review choosing to notify only"
    DECLINE = "decline", "Record a review choosing neither notice nor hold"
    ESCALATE = "escalate", "Record a review that refers a legal conflict to a supervisor"
    NOTIFY_RELEASE = "notify_release", "Tell the agency of the release date (or correct it)"
    START_HOLD = "start_hold", "Begin holding at the otherwise-releasable time"
    TRANSFER = "transfer", "Hand custody to the agency"
    RELEASE = "release", "Release the person without handing them over"
    RELEASE_AT_DEADLINE = "release_at_deadline", "Release a held person when the deadline comes"
    AMEND = (
        "amend",
        "The agency changes the detainer's terms; a decision made on the old terms is cleared",
    )
    CANCEL = "cancel", "The agency withdraws the detainer"
    MARK_NOT_IN_CUSTODY = "mark_not_in_custody", "Record that the person is not in custody here"


S = DetainerState
A = LifecycleAction

TERMINAL_STATES = frozenset(
    {S.TRANSFERRED, S.RELEASED, S.RELEASED_AT_DEADLINE, S.CANCELLED, S.NOT_IN_CUSTODY}
)
_REVIEWABLE = (S.RECEIVED, S.HONORED, S.NOTIFY_ONLY, S.DECLINED, S.CONFLICT)
_REVIEW_TARGETS = {
    A.HONOR: S.HONORED,
    A.NOTIFY_ONLY: S.NOTIFY_ONLY,
    A.DECLINE: S.DECLINED,
    A.ESCALATE: S.CONFLICT,
}


def _table() -> dict[tuple[DetainerState, LifecycleAction], DetainerState]:
    table: dict[tuple[DetainerState, LifecycleAction], DetainerState] = {
        (S.UNMATCHED, A.MATCH): S.RECEIVED,
        (S.UNMATCHED, A.MARK_NOT_IN_CUSTODY): S.NOT_IN_CUSTODY,
        (S.RECEIVED, A.MARK_NOT_IN_CUSTODY): S.NOT_IN_CUSTODY,
        (S.HONORED, A.NOTIFY_RELEASE): S.RELEASE_NOTIFIED,
        (S.NOTIFY_ONLY, A.NOTIFY_RELEASE): S.RELEASE_NOTIFIED,
        # A changed release date is told again: a correction.
        (S.RELEASE_NOTIFIED, A.NOTIFY_RELEASE): S.RELEASE_NOTIFIED,
        (S.HONORED, A.START_HOLD): S.ON_HOLD,
        (S.RELEASE_NOTIFIED, A.START_HOLD): S.ON_HOLD,
        (S.ON_HOLD, A.RELEASE_AT_DEADLINE): S.RELEASED_AT_DEADLINE,
    }
    for state in _REVIEWABLE:
        for action, target in _REVIEW_TARGETS.items():
            table[(state, action)] = target
    for state in (S.HONORED, S.NOTIFY_ONLY, S.RELEASE_NOTIFIED, S.ON_HOLD):
        table[(state, A.TRANSFER)] = S.TRANSFERRED
    # A person can leave custody from any matched, live state: before review,
    # after it, or from a hold ended early.
    for state in (*_REVIEWABLE, S.RELEASE_NOTIFIED, S.ON_HOLD):
        table[(state, A.RELEASE)] = S.RELEASED
    # New terms need a new review: a matched detainer goes back to `received`.
    # A hold runs on the terms it started with, so a held detainer cannot be
    # amended (the agency cancels and lodges anew).
    table[(S.UNMATCHED, A.AMEND)] = S.UNMATCHED
    for state in (*_REVIEWABLE, S.RELEASE_NOTIFIED):
        table[(state, A.AMEND)] = S.RECEIVED
    for state in DetainerState:
        if state not in TERMINAL_STATES:
            table[(state, A.CANCEL)] = S.CANCELLED
    return table


TRANSITIONS: Mapping[tuple[DetainerState, LifecycleAction], DetainerState] = MappingProxyType(
    _table()
)

REVIEW_ACTIONS: Mapping[str, LifecycleAction] = MappingProxyType(
    {"honor": A.HONOR, "notify_only": A.NOTIFY_ONLY, "decline": A.DECLINE, "escalate": A.ESCALATE}
)


def allowed_from(action: LifecycleAction) -> tuple[DetainerState, ...]:
    """The states from which `action` may be taken, in declaration order."""
    return tuple(state for state in DetainerState if (state, action) in TRANSITIONS)


def next_state(detainer_id: str, state: DetainerState, action: LifecycleAction) -> DetainerState:
    """The state `action` leads to from `state`, or an error naming both."""
    target = TRANSITIONS.get((state, action))
    if target is not None:
        return target
    allowed = ", ".join(allowed_from(action)) or "nowhere"
    error = TerminalState if state.is_terminal else IllegalTransition
    raise error(detainer_id=detainer_id, state=state, action=action, allowed=allowed)
