"""The relational schema (SQLAlchemy Core), one table per noun, named singular snake_case.

Alembic migrations in `migrations/` must produce exactly this schema (a test
compares them). `detainer_event` is append-only: triggers refuse updates and
deletes on both databases.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
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

# -- accounts, keys, sessions, audit, idempotency ---------------------------------------

app_user = Table(
    "app_user",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("role", String(WORD), nullable=False),
    Column("facility_code", String(CODE), ForeignKey("facility.code"), nullable=True),
    Column("agency_code", String(CODE), ForeignKey("agency.code"), nullable=True),
    Column("password_hash", String(200), nullable=False),
    Column("totp_secret", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime, nullable=True),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("last_totp_step", BigInteger, nullable=True),
    Column("version", Integer, nullable=False),
)

user_session = Table(
    "user_session",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("user_id", String(ID), ForeignKey("app_user.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
)

api_key = Table(
    "api_key",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("role", String(WORD), nullable=False),
    Column("facility_code", String(CODE), ForeignKey("facility.code"), nullable=True),
    Column("agency_code", String(CODE), ForeignKey("agency.code"), nullable=True),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
)

audit_record = Table(
    "audit_record",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("actor", String(200), nullable=False),
    Column("actor_kind", String(WORD), nullable=False),
    Column("role", String(WORD), nullable=False),
    Column("organization", String(CODE), nullable=False),
    Column("action", String(80), nullable=False),
    Column("object_type", String(WORD), nullable=False),
    Column("object_id", String(200), nullable=False),
    Column("outcome", String(WORD), nullable=False),
    Column("client", String(100), nullable=False),
    Column("request_id", String(100), nullable=False),
    Column("detail", Text, nullable=False),
    Column("previous_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# The chain's head: one row, locked by each writer, so records are sealed one after another.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

idempotency_record = Table(
    "idempotency_record",
    metadata,
    Column("principal_id", String(ID), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("action", String(80), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("object_id", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# -- notifications: endpoints, the outbox (and in-app inbox), attempts, timers -----------

endpoint = Table(
    "endpoint",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("audience", String(WORD), nullable=False),
    Column("owner_code", String(CODE), nullable=False),
    Column("channel", String(WORD), nullable=False),
    Column("target", String(2000), nullable=False),
    Column("secret", String(200), nullable=True),
    Column("previous_secret", String(200), nullable=True),
    Column("previous_until", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("audience", "owner_code", "channel"),
)

message = Table(
    "message",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("type", String(80), nullable=False),
    Column("audience", String(WORD), nullable=False),
    Column("recipient", String(CODE), nullable=False),
    Column("channel", String(WORD), nullable=False),
    Column("subject", String(ID), nullable=False),
    Column("data", JSONDocument, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("status", String(WORD), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("delivered_at", UTCDateTime, nullable=True),
    Column("reason", Text, nullable=True),
    Column("acknowledged_at", UTCDateTime, nullable=True),
    Column("acknowledged_by", String(200), nullable=True),
    Index("ix_message_status_due_at", "status", "due_at"),
    Index("ix_message_recipient", "audience", "recipient", "channel", "created_at"),
    Index("ix_message_subject", "subject"),
)

delivery_attempt = Table(
    "delivery_attempt",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(ID), ForeignKey("message.id"), nullable=False, index=True),
    Column("attempted_at", UTCDateTime, nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
)

timer = Table(
    "timer",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("kind", String(WORD), nullable=False),
    Column("detainer_id", String(ID), ForeignKey("detainer.id"), nullable=False, index=True),
    Column("due_at", UTCDateTime, nullable=False),
    Column("data", JSONDocument, nullable=False),
    Column("fired_at", UTCDateTime, nullable=True),
    Index("ix_timer_fired_at_due_at", "fired_at", "due_at"),
)

# -- notices to the person: printable, stored with the detainer, served by staff ----------

person_notice = Table(
    "person_notice",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("detainer_id", String(ID), ForeignKey("detainer.id"), nullable=False, index=True),
    Column("notice_id", String(120), nullable=False),
    Column("trigger", String(WORD), nullable=False),
    Column("citation", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("status", String(WORD), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("pdf", LargeBinary, nullable=True),
    Column("served_at", UTCDateTime, nullable=True),
    Column("served_by", String(200), nullable=True),
)
