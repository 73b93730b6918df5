"""The HTTP API in process (FastAPI's test client over httpx) on SQLite and PostgreSQL.

`api` is a fresh application on a migrated database with reference data: the
federal level and Connecticut, two agencies and two facilities, so every test
can ask "what does the other tenant see?". `keys.make(role, ...)` mints a real
API key through the account use cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from detainers.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from detainers.adapters.notices.pdf import pdf_renderer
from detainers.adapters.security import credentials
from detainers.adapters.system import SystemClock, new_id
from detainers.bootstrap import Application, legal_engine
from detainers.config import Settings
from detainers.domain import commands as c
from detainers.domain.access import Role
from detainers.domain.vocabulary import FacilityType, JurisdictionKind
from detainers.entrypoints.api.app import create_app
from detainers.services import accounts, registry
from detainers.services.context import Context

AGENCY, OTHER_AGENCY = "ERO-BOS", "ERO-NYC"
FACILITY, OTHER_FACILITY = "CT-DOC-HCC", "CT-DOC-BCC"


def cheap_credentials() -> object:
    """Real argon2id, with test-sized costs (the production defaults take ~50 ms a hash)."""
    return credentials(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@dataclass
class Keys:
    ctx: Context
    made: dict[tuple[Role, str | None, str | None], str] = field(default_factory=dict)

    def make(self, role: Role, *, facility: str | None = None, agency: str | None = None) -> str:
        """An API key's secret for `role` at `facility` or `agency` (one per combination)."""
        combo = (role, facility, agency)
        if combo not in self.made:
            made = accounts.create_key(
                accounts.CreateKey(
                    name=f"test {role} {facility or agency or ''}".strip(),
                    role=role,
                    facility_code=facility,
                    agency_code=agency,
                ),
                self.ctx,
            )
            self.made[combo] = made.secret
        return self.made[combo]

    def headers(
        self, role: Role, *, facility: str | None = None, agency: str | None = None
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.make(role, facility=facility, agency=agency)}"}

    def facility_staff(self, facility: str = FACILITY) -> dict[str, str]:
        return self.headers(Role.FACILITY_STAFF, facility=facility)

    def officer(self, agency: str = AGENCY) -> dict[str, str]:
        return self.headers(Role.AGENCY_OFFICER, agency=agency)

    def admin(self) -> dict[str, str]:
        return self.headers(Role.ADMIN)

    def auditor(self) -> dict[str, str]:
        return self.headers(Role.AUDITOR)


@dataclass
class Api:
    client: TestClient
    keys: Keys
    application: Application


def reference_world(ctx: Context) -> None:
    registry.register_jurisdiction(
        c.RegisterJurisdiction(code="US", name="United States", kind=JurisdictionKind.FEDERAL), ctx
    )
    registry.register_jurisdiction(
        c.RegisterJurisdiction(code="US-CT", name="Connecticut", kind=JurisdictionKind.STATE), ctx
    )
    for code, name in ((AGENCY, "Boston Field Office"), (OTHER_AGENCY, "New York Field Office")):
        registry.register_agency(c.RegisterAgency(code=code, name=name, jurisdiction="US"), ctx)
    for code in (FACILITY, OTHER_FACILITY):
        registry.register_facility(
            c.RegisterFacility(
                code=code,
                name=f"Facility {code}",
                type=FacilityType.STATE_PRETRIAL_JAIL,
                jurisdiction="US-CT",
            ),
            ctx,
        )


@pytest.fixture
def api(engine: Engine) -> Iterator[Api]:
    rules = legal_engine()
    ctx = Context(
        uow=SqlUnitOfWorkFactory(engine),
        clock=SystemClock(),
        ids=new_id,
        engine=rules,
        credentials=cheap_credentials(),  # type: ignore[arg-type]
        notice_renderer=pdf_renderer(),
    )
    application = Application(
        settings=Settings(database_url=str(engine.url.render_as_string(hide_password=False))),
        engine=engine,
        context=ctx,
        rules=rules,
    )
    reference_world(ctx)
    app = create_app(application)
    with TestClient(app, base_url="https://testserver") as client:
        yield Api(client=client, keys=Keys(ctx), application=application)
