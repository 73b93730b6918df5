"""The relational schema (SQLAlchemy Core), one table per noun, named singular snake_case.

Alembic migrations in `migrations/` must produce exactly this schema (a test
compares them). `detainer_event` is append-only: triggers refuse updates and
deletes on both databases.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from detainers.adapters.db.types import JSONDocument, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

CODE = 40
ID = 36
WORD = 40

jurisdiction = Table(
    "jurisdiction",
    metadata,
    Column("code", String(CODE), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(WORD), nullable=False),
    Column("parent_code", String(CODE), ForeignKey("jurisdiction.code"), nullable=True),
)

agency = Table(
    "agency",
    metadata,
    Column("code", String(CODE), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("jurisdiction_code", String(CODE), ForeignKey("jurisdiction.code"), nullable=False),
    Column("email", String(320), nullable=True),
)

facility = Table(
    "facility",
    metadata,
    Column("code", String(CODE), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("type", String(WORD), nullable=False),
    Column("jurisdiction_code", String(CODE), ForeignKey("jurisdiction.code"), nullable=False),
    Column("program_287g", String(WORD), nullable=False),
    Column("hold_limit_hours", Integer, nullable=True),
)

person = Table(
    "person",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("given_names", JSONDocument, nullable=False),
    Column("family_names", JSONDocument, nullable=False),
    Column("aliases", JSONDocument, nullable=False),
    Column("date_of_birth", Date, nullable=True),
    Column("citizenship", String(WORD), nullable=False),
)

person_identifier = Table(
    "person_identifier",
    metadata,
    Column("kind", String(WORD), primary_key=True),
    Column("value", String(64), primary_key=True),
    Column("person_id", String(ID), ForeignKey("person.id"), primary_key=True),
    Index("ix_person_identifier_person_id", "person_id"),
    # One identifier names one person: two clerks booking the same person at once
    # cannot create two persons.
    UniqueConstraint("kind", "value", name="uq_person_identifier_kind_value"),
)

conviction = Table(
    "conviction",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", String(ID), ForeignKey("person.id"), nullable=False, index=True),
    Column("statute", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("class", String(WORD), nullable=True),
    Column("class_raw_text", String(200), nullable=False),
    Column("convicted_date", Date, nullable=False),
    Column("jurisdiction_code", String(CODE), nullable=False),
    Column("tags", JSONDocument, nullable=False),
)

booking = Table(
    "booking",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("facility_code", String(CODE), ForeignKey("facility.code"), nullable=False),
    Column("booking_number", String(64), nullable=False),
    Column("person_id", String(ID), ForeignKey("person.id"), nullable=False, index=True),
    Column("booked_at", UTCDateTime, nullable=False),
    Column("scheduled_release_at", UTCDateTime, nullable=True),
    Column("releasable_at", UTCDateTime, nullable=True),
    Column("releasable_reason", String(WORD), nullable=True),
    Column("released_at", UTCDateTime, nullable=True),
    Column("release_reason", String(WORD), nullable=True),
    Column("version", Integer, nullable=False),
    Index("ix_booking_facility_code_booking_number", "facility_code", "booking_number"),
    # One open booking per number at a facility; closed ones may repeat it.
    # One open booking per person at a facility.
    Index(
        "uq_booking_open_person",
        "facility_code",
        "person_id",
        unique=True,
        sqlite_where=text("released_at IS NULL"),
        postgresql_where=text("released_at IS NULL"),
    ),
    Index(
        "uq_booking_open_number",
        "facility_code",
        "booking_number",
        unique=True,
        sqlite_where=text("released_at IS NULL"),
        postgresql_where=text("released_at IS NULL"),
    ),
)

charge = Table(
    "charge",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("booking_id", String(ID), ForeignKey("booking.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("statute", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("class", String(WORD), nullable=True),
    Column("class_raw_text", String(200), nullable=False),
    Column("status", String(WORD), nullable=False),
    Column("tags", JSONDocument, nullable=False),
    Column("probable_cause_finding", Boolean, nullable=True),
)

detainer = Table(
    "detainer",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("agency_code", String(CODE), ForeignKey("agency.code"), nullable=False),
    Column("facility_code", String(CODE), ForeignKey("facility.code"), nullable=False),
    Column("booking_id", String(ID), ForeignKey("booking.id"), nullable=True, index=True),
    Column("subject_given_names", JSONDocument, nullable=False),
    Column("subject_family_names", JSONDocument, nullable=False),
    Column("subject_date_of_birth", Date, nullable=True),
    Column("subject_identifiers", JSONDocument, nullable=False),
    Column("form", String(WORD), nullable=False),
    Column("probable_cause", JSONDocument, nullable=False),
    Column("warrant", String(WORD), nullable=False),
    Column("requests", JSONDocument, nullable=False),
    Column("lodged_at", UTCDateTime, nullable=False),
    Column("lodged_by", String(200), nullable=False),
    Column("state", String(WORD), nullable=False),
    Column("served_at", UTCDateTime, nullable=True),
    Column("cancelled_at", UTCDateTime, nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("agency_arrest_date", Date, nullable=True),
    # The current decision. Not a foreign key: decision rows point here, and a
    # cycle of keys would need deferred constraints SQLite lacks; the
    # repository writes both in one transaction.
    Column("decision_id", String(ID), nullable=True),
    Column("version", Integer, nullable=False),
    Column("last_sequence", Integer, nullable=False),
    Column("last_event_at", UTCDateTime, nullable=True),
    Index("ix_detainer_facility_code_state", "facility_code", "state"),
    Index("ix_detainer_agency_code_state", "agency_code", "state"),
    Index("ix_detainer_state", "state"),
)

decision = Table(
    "decision",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("detainer_id", String(ID), ForeignKey("detainer.id"), nullable=False, index=True),
    Column("jurisdiction_code", String(CODE), nullable=False),
    Column("as_of", String(40), nullable=False),
    Column("rulings", JSONDocument, nullable=False),
    Column("laws", JSONDocument, nullable=False),
    Column("remedies", JSONDocument, nullable=False),
    Column("facts", JSONDocument, nullable=False),
    Column("engine", String(200), nullable=False),
    Column("choice", String(WORD), nullable=False),
    Column("chosen_actions", JSONDocument, nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("override_reason", Text, nullable=True),
    Column("noncompliant", Boolean, nullable=False),
)

hold = Table(
    "hold",
    metadata,
    Column("detainer_id", String(ID), ForeignKey("detainer.id"), primary_key=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("deadline_at", UTCDateTime, nullable=False),
    Column("legal_until", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("end_reason", String(WORD), nullable=True),
    Column("overrun_recorded_at", UTCDateTime, nullable=True),
    Index(
        "ix_hold_open_deadline",
        "deadline_at",
        sqlite_where=text("ended_at IS NULL"),
        postgresql_where=text("ended_at IS NULL"),
    ),
)

detainer_event = Table(
    "detainer_event",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("detainer_id", String(ID), ForeignKey("detainer.id"), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("type", String(60), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("from_state", String(WORD), nullable=False),
    Column("to_state", String(WORD), nullable=False),
    Column("payload", JSONDocument, nullable=False),
    UniqueConstraint("detainer_id", "sequence"),
    Index("ix_detainer_event_occurred_at", "occurred_at"),
)
