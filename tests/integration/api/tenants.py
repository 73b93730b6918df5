"""Tenant A's records and the people of every role, for the API's authorization and hardening tests.

`World.build` books a person into facility A (CT-DOC-HCC) and has agency A
(ERO-BOS) lodge a detainer there that names them, so the detainer is matched
and waits for review; every value that identifies the person is kept, so a
test can look for it where it must not appear. `Who` is a caller of a role in
tenant A, in the other tenant, or (for roles without a tenant) in neither.
`sign_in` makes a real account and session for a role.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from detainers.domain.access import Role
from detainers.services import accounts
from tests.integration.api.conftest import AGENCY, FACILITY, OTHER_AGENCY, OTHER_FACILITY, Api

PASSWORD = "correct horse battery staple 42"
_serial = itertools.count(1)


def serial() -> int:
    """A number no other call in this process returns (for unique codes, numbers and names)."""
    return next(_serial)


def booking_body(n: int, *, facility: str = FACILITY, family: str = "Okafor") -> dict[str, Any]:
    return {
        "facility": facility,
        "booking_number": f"BK-{n:06d}",
        "person": {
            "name": {"given": ["Adaeze"], "family": [family]},
            "date_of_birth": "1987-03-14",
            "identifiers": {"state_id": f"CT-SID-{n:06d}", "a_number": f"A{200000000 + n}"},
            "citizenship": "noncitizen",
        },
        "booked_at": (datetime.now(UTC) - timedelta(days=2)).isoformat(),
    }


def lodge_body(n: int, *, agency: str = AGENCY, facility: str = FACILITY) -> dict[str, Any]:
    return {
        "agency": agency,
        "facility": facility,
        "subject": {
            "name": {"given": ["Adaeze"], "family": ["Okafor"]},
            "date_of_birth": "1987-03-14",
            "identifiers": {"state_id": f"CT-SID-{n:06d}"},
        },
        "form": "I-247A",
        "probable_cause": ["pending_proceedings"],
        "warrant": "I-200",
        "requests": ["notify", "hold"],
    }


@dataclass(frozen=True)
class World:
    """A booking at facility A and a detainer from agency A matched to it (state `received`),
    with the notice to the person Connecticut law then requires (`notice_id`)."""

    booking_id: str
    detainer_id: str
    person_id: str
    booking_number: str
    person_values: tuple[str, ...]
    notice_id: str = "00000000-0000-4000-8000-00000000000f"

    @classmethod
    def build(cls, api: Api) -> World:
        n = serial()
        booking = api.client.post(
            "/api/v1/bookings", json=booking_body(n), headers=api.keys.facility_staff()
        )
        assert booking.status_code == 201, booking.text
        detainer = api.client.post(
            "/api/v1/detainers", json=lodge_body(n), headers=api.keys.officer()
        )
        assert detainer.status_code == 201, detainer.text
        assert detainer.json()["state"] == "received", detainer.text
        person = booking_body(n)["person"]
        with api.application.context.uow() as uow:
            notices = uow.person_notices.for_detainer(detainer.json()["id"])
        assert len(notices) == 1, notices
        return cls(
            notice_id=notices[0].id,
            booking_id=booking.json()["id"],
            detainer_id=detainer.json()["id"],
            person_id=booking.json()["person_id"],
            booking_number=booking.json()["booking_number"],
            person_values=(
                person["name"]["family"][0],
                person["date_of_birth"],
                *person["identifiers"].values(),
            ),
        )

    @property
    def ids(self) -> dict[str, str]:
        """Values for the path parameters of the API's routes."""
        return {
            "booking_id": self.booking_id,
            "detainer_id": self.detainer_id,
            "notice_id": self.notice_id,
        }


@dataclass(frozen=True)
class Who:
    """A caller: a role, its tenant, and whether that tenant owns the world's records."""

    role: Role
    facility: str | None = None
    agency: str | None = None

    @property
    def label(self) -> str:
        return f"{self.role}@{self.facility or self.agency}" if self.tenant else str(self.role)

    @property
    def tenant(self) -> str | None:
        return self.facility or self.agency

    @property
    def other_tenant(self) -> bool:
        """True for a facility or agency that is not the one owning the world's records."""
        return self.tenant in (OTHER_FACILITY, OTHER_AGENCY)

    def headers(self, api: Api) -> dict[str, str]:
        """An API key's `Authorization` header (none for anonymous)."""
        if self.role is Role.ANONYMOUS:
            return {}
        return api.keys.headers(self.role, facility=self.facility, agency=self.agency)


ANONYMOUS = Who(Role.ANONYMOUS)
STAFF = Who(Role.FACILITY_STAFF, facility=FACILITY)
OTHER_STAFF = Who(Role.FACILITY_STAFF, facility=OTHER_FACILITY)
SUPERVISOR = Who(Role.FACILITY_SUPERVISOR, facility=FACILITY)
OTHER_SUPERVISOR = Who(Role.FACILITY_SUPERVISOR, facility=OTHER_FACILITY)
OFFICER = Who(Role.AGENCY_OFFICER, agency=AGENCY)
OTHER_OFFICER = Who(Role.AGENCY_OFFICER, agency=OTHER_AGENCY)
AUDITOR = Who(Role.AUDITOR)
ADMIN = Who(Role.ADMIN)

# Every role, in tenant A and in the other tenant where the role has one.
EVERYONE = (
    ANONYMOUS,
    STAFF,
    OTHER_STAFF,
    SUPERVISOR,
    OTHER_SUPERVISOR,
    OFFICER,
    OTHER_OFFICER,
    AUDITOR,
    ADMIN,
)


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    totp_secret: str

    def login_body(self, api: Api) -> dict[str, str]:
        """A sign-in body with the second factor's current code."""
        code = second_factor_code(api, self.totp_secret)
        return {"username": self.username, "password": self.password, "code": code}


def make_account(api: Api, who: Who) -> Account:
    """A new account for `who`'s role and tenant (made by the system, as an administrator would)."""
    username = f"{who.role.value.replace('_', '.')}.{serial()}"
    made = accounts.create_user(
        accounts.CreateUser(
            username=username,
            role=who.role,
            password=PASSWORD,
            facility_code=who.facility,
            agency_code=who.agency,
        ),
        api.keys.ctx,
    )
    return Account(username=username, password=PASSWORD, totp_secret=made.totp_secret)


def session_token(api: Api, who: Who) -> str:
    """A live session token of a new account for `who` (signed in through the use case)."""
    account = make_account(api, who)
    signed = accounts.login(accounts.Login(**account.login_body(api)), api.keys.ctx)
    return signed.token


def second_factor_code(api: Api, secret: str) -> str:
    """The TOTP code an authenticator app would show now."""
    credentials = api.keys.ctx.credentials
    assert credentials is not None
    return credentials.second_factor.code(secret, datetime.now(UTC))
