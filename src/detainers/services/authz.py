"""Authorization: which role may do what, and which records a caller's tenant may see.

Deny by default: a permission not granted to a role here is refused. Tenancy
is decided on the record: a facility's people see bookings and detainers at
their facility; an agency's officers see the detainers their office lodged.
A record outside the caller's tenant is reported as not found, so its
existence is not disclosed.
"""

from __future__ import annotations

from dataclasses import replace

from detainers.domain._enum import DocumentedEnum
from detainers.domain.access import AGENCY_ROLES, FACILITY_ROLES, Caller, Role
from detainers.domain.booking import Booking
from detainers.domain.detainer import Detainer
from detainers.services.errors import Forbidden, NotFound, OutsideTenant
from detainers.services.ports import DetainerFilter


class Permission(DocumentedEnum):
    REFERENCE_READ = "reference.read", "read jurisdictions, agencies and facilities"
    REFERENCE_MANAGE = "reference.manage", "register jurisdictions, agencies and facilities"
    BOOKING_READ = "booking.read", "read bookings at one's facility"
    BOOKING_WRITE = "booking.write", "record bookings, releasable times and releases"
    DETAINER_READ = "detainer.read", "read detainers of one's tenant and their decisions"
    DETAINER_LODGE = "detainer.lodge", "lodge, amend and cancel one's agency's detainers"
    DETAINER_HANDLE = (
        "detainer.handle",
        "match, serve, notify and transfer detainers at one's facility",
    )
    DETAINER_REVIEW = "detainer.review", "record the facility's decision on a detainer"
    AGENCY_ARREST = "detainer.agency_arrest", "record a later arrest by the agency"
    HOLD_READ = "hold.read", "read holds and their deadlines at one's facility"
    HOLD_CHECK = "hold.check", "run the hold-deadline check"
    POLICY_EVALUATE = "policy.evaluate", "evaluate a case against the law (stores nothing)"
    STATS_READ = "stats.read", "read public aggregate statistics"
    AUDIT_READ = "audit.read", "read and verify the audit trail"
    ACCOUNT_MANAGE = "account.manage", "create, disable and unlock accounts; create and revoke keys"
    INBOX_READ = "inbox.read", "read and acknowledge one's facility's or agency's in-app messages"
    SIGN_IN = "sign_in", "sign in with a password and a second factor"
    SESSION = "session", "see and end one's own session"


_P = Permission
_PUBLIC = frozenset({_P.POLICY_EVALUATE, _P.STATS_READ, _P.SIGN_IN})
_SIGNED_IN = _PUBLIC | {_P.REFERENCE_READ, _P.SESSION}
_FACILITY = _SIGNED_IN | {
    _P.INBOX_READ,
    _P.BOOKING_READ,
    _P.BOOKING_WRITE,
    _P.DETAINER_READ,
    _P.DETAINER_HANDLE,
    _P.DETAINER_REVIEW,
    _P.HOLD_READ,
}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ANONYMOUS: _PUBLIC,
    Role.FACILITY_STAFF: frozenset(_FACILITY),
    Role.FACILITY_SUPERVISOR: frozenset(_FACILITY | {_P.HOLD_CHECK}),
    Role.AGENCY_OFFICER: frozenset(
        _SIGNED_IN | {_P.DETAINER_READ, _P.DETAINER_LODGE, _P.AGENCY_ARREST, _P.INBOX_READ}
    ),
    Role.AUDITOR: frozenset(_SIGNED_IN | {_P.AUDIT_READ}),
    Role.ADMIN: frozenset(_SIGNED_IN | {_P.REFERENCE_MANAGE, _P.ACCOUNT_MANAGE}),
    Role.SYSTEM: frozenset(Permission),
}


def allows(caller: Caller, permission: Permission) -> bool:
    return permission in GRANTS.get(caller.role, frozenset())


def require(caller: Caller, permission: Permission) -> None:
    """Refuse with `Forbidden` unless the caller's role grants `permission`."""
    if not allows(caller, permission):
        raise Forbidden(caller.role.value, permission.value)


def acts_for_agency(caller: Caller, agency_code: str) -> None:
    """An agency's officer acts only in their own agency's name."""
    if caller.role in AGENCY_ROLES and caller.agency_code != agency_code:
        raise Forbidden(caller.role.value, f"act for agency {agency_code}")


def acts_for_facility(caller: Caller, facility_code: str) -> None:
    """A facility's staff act only at their own facility."""
    if caller.role in FACILITY_ROLES and caller.facility_code != facility_code:
        raise Forbidden(caller.role.value, f"act at facility {facility_code}")


def sees_detainer(caller: Caller, detainer: Detainer) -> bool:
    if caller.role is Role.SYSTEM:
        return True
    if caller.role in FACILITY_ROLES:
        return caller.facility_code is not None and detainer.facility_code == caller.facility_code
    if caller.role in AGENCY_ROLES:
        return caller.agency_code is not None and detainer.agency_code == caller.agency_code
    return False


def sees_booking(caller: Caller, booking: Booking) -> bool:
    if caller.role is Role.SYSTEM:
        return True
    return (
        caller.role in FACILITY_ROLES
        and caller.facility_code is not None
        and booking.facility_code == caller.facility_code
    )


def visible_detainer(caller: Caller, detainer: Detainer | None, key: str) -> Detainer:
    """`detainer` if the caller may see it; `NotFound` otherwise (existence is not disclosed).

    Another tenant's record raises `OutsideTenant`, a `NotFound` the audit trail counts as denied.
    """
    if detainer is None:
        raise NotFound("detainer", key)
    if not sees_detainer(caller, detainer):
        raise OutsideTenant("detainer", key)
    return detainer


def visible_booking(caller: Caller, booking: Booking | None, key: str) -> Booking:
    if booking is None:
        raise NotFound("booking", key)
    if not sees_booking(caller, booking):
        raise OutsideTenant("booking", key)
    return booking


def confine(caller: Caller, where: DetainerFilter) -> DetainerFilter:
    """`where`, narrowed to the caller's tenant (a facility's or an agency's detainers)."""
    if caller.role is Role.SYSTEM:
        return where
    if caller.role in FACILITY_ROLES and caller.facility_code:
        return replace(where, facility_code=caller.facility_code)
    if caller.role in AGENCY_ROLES and caller.agency_code:
        return replace(where, agency_code=caller.agency_code)
    raise Forbidden(caller.role.value, Permission.DETAINER_READ.value)
