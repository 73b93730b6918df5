"""Initial schema: reference data, persons, bookings, detainers, decisions, holds, events.

The detainer event log is append-only: a trigger refuses updates and deletes
on both databases.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 22:47:36.136508
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jurisdiction",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("parent_code", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["jurisdiction.code"],
            name=op.f("fk_jurisdiction_parent_code_jurisdiction"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_jurisdiction")),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "given_names",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "family_names",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "aliases",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("citizenship", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    op.create_table(
        "agency",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdiction.code"],
            name=op.f("fk_agency_jurisdiction_code_jurisdiction"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_agency")),
    )
    op.create_table(
        "conviction",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("statute", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("class", sa.String(length=40), nullable=True),
        sa.Column("class_raw_text", sa.String(length=200), nullable=False),
        sa.Column("convicted_date", sa.Date(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=40), nullable=False),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_conviction_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conviction")),
    )
    with op.batch_alter_table("conviction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conviction_person_id"), ["person_id"], unique=False)

    op.create_table(
        "facility",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=40), nullable=False),
        sa.Column("program_287g", sa.String(length=40), nullable=False),
        sa.Column("hold_limit_hours", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdiction.code"],
            name=op.f("fk_facility_jurisdiction_code_jurisdiction"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_facility")),
    )
    op.create_table(
        "person_identifier",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_identifier_person_id_person")
        ),
        sa.PrimaryKeyConstraint("kind", "value", "person_id", name=op.f("pk_person_identifier")),
    )
    with op.batch_alter_table("person_identifier", schema=None) as batch_op:
        batch_op.create_index("ix_person_identifier_person_id", ["person_id"], unique=False)

    op.create_table(
        "booking",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("facility_code", sa.String(length=40), nullable=False),
        sa.Column("booking_number", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "scheduled_release_at",
            sa.DateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("releasable_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("releasable_reason", sa.String(length=40), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.String(length=40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_code"], ["facility.code"], name=op.f("fk_booking_facility_code_facility")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_booking_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking")),
    )
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index(
            "ix_booking_facility_code_booking_number",
            ["facility_code", "booking_number"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_booking_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            "uq_booking_open_number",
            ["facility_code", "booking_number"],
            unique=True,
            sqlite_where=sa.text("released_at IS NULL"),
            postgresql_where=sa.text("released_at IS NULL"),
        )

    op.create_table(
        "charge",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("booking_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("statute", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("class", sa.String(length=40), nullable=True),
        sa.Column("class_raw_text", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("probable_cause_finding", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_charge_booking_id_booking")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charge")),
    )
    with op.batch_alter_table("charge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_charge_booking_id"), ["booking_id"], unique=False)

    op.create_table(
        "detainer",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agency_code", sa.String(length=40), nullable=False),
        sa.Column("facility_code", sa.String(length=40), nullable=False),
        sa.Column("booking_id", sa.String(length=36), nullable=True),
        sa.Column(
            "subject_given_names",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "subject_family_names",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("subject_date_of_birth", sa.Date(), nullable=True),
        sa.Column(
            "subject_identifiers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("form", sa.String(length=40), nullable=False),
        sa.Column(
            "probable_cause",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("warrant", sa.String(length=40), nullable=False),
        sa.Column(
            "requests",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("lodged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lodged_by", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agency_arrest_date", sa.Date(), nullable=True),
        sa.Column("decision_id", sa.String(length=36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["agency.code"], name=op.f("fk_detainer_agency_code_agency")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_detainer_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(
            ["facility_code"], ["facility.code"], name=op.f("fk_detainer_facility_code_facility")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detainer")),
    )
    with op.batch_alter_table("detainer", schema=None) as batch_op:
        batch_op.create_index(
            "ix_detainer_agency_code_state", ["agency_code", "state"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_detainer_booking_id"), ["booking_id"], unique=False)
        batch_op.create_index(
            "ix_detainer_facility_code_state", ["facility_code", "state"], unique=False
        )
        batch_op.create_index("ix_detainer_state", ["state"], unique=False)

    op.create_table(
        "decision",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("detainer_id", sa.String(length=36), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.String(length=40), nullable=False),
        sa.Column(
            "rulings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "laws",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "remedies",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "facts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("engine", sa.String(length=200), nullable=False),
        sa.Column("choice", sa.String(length=40), nullable=False),
        sa.Column(
            "chosen_actions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("noncompliant", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["detainer_id"], ["detainer.id"], name=op.f("fk_decision_detainer_id_detainer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision")),
    )
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_detainer_id"), ["detainer_id"], unique=False)

    op.create_table(
        "detainer_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("detainer_id", sa.String(length=36), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("from_state", sa.String(length=40), nullable=False),
        sa.Column("to_state", sa.String(length=40), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["detainer_id"], ["detainer.id"], name=op.f("fk_detainer_event_detainer_id_detainer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detainer_event")),
        sa.UniqueConstraint(
            "detainer_id", "sequence", name=op.f("uq_detainer_event_detainer_id_sequence")
        ),
    )
    with op.batch_alter_table("detainer_event", schema=None) as batch_op:
        batch_op.create_index("ix_detainer_event_occurred_at", ["occurred_at"], unique=False)

    op.create_table(
        "hold",
        sa.Column("detainer_id", sa.String(length=36), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("legal_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.Column(
            "overrun_recorded_at",
            sa.DateTime(timezone=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["detainer_id"], ["detainer.id"], name=op.f("fk_hold_detainer_id_detainer")
        ),
        sa.PrimaryKeyConstraint("detainer_id", name=op.f("pk_hold")),
    )
    with op.batch_alter_table("hold", schema=None) as batch_op:
        batch_op.create_index(
            "ix_hold_open_deadline",
            ["deadline_at"],
            unique=False,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    _append_only_events()


def downgrade() -> None:
    _drop_append_only_events()
    with op.batch_alter_table("hold", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_hold_open_deadline",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.drop_table("hold")
    with op.batch_alter_table("detainer_event", schema=None) as batch_op:
        batch_op.drop_index("ix_detainer_event_occurred_at")

    op.drop_table("detainer_event")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_detainer_id"))

    op.drop_table("decision")
    with op.batch_alter_table("detainer", schema=None) as batch_op:
        batch_op.drop_index("ix_detainer_state")
        batch_op.drop_index("ix_detainer_facility_code_state")
        batch_op.drop_index(batch_op.f("ix_detainer_booking_id"))
        batch_op.drop_index("ix_detainer_agency_code_state")

    op.drop_table("detainer")
    with op.batch_alter_table("charge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charge_booking_id"))

    op.drop_table("charge")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_booking_open_number",
            sqlite_where=sa.text("released_at IS NULL"),
            postgresql_where=sa.text("released_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_booking_person_id"))
        batch_op.drop_index("ix_booking_facility_code_booking_number")

    op.drop_table("booking")
    with op.batch_alter_table("person_identifier", schema=None) as batch_op:
        batch_op.drop_index("ix_person_identifier_person_id")

    op.drop_table("person_identifier")
    op.drop_table("facility")
    with op.batch_alter_table("conviction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conviction_person_id"))

    op.drop_table("conviction")
    op.drop_table("agency")
    op.drop_table("person")
    op.drop_table("jurisdiction")


_APPEND_ONLY = "detainer_event is append-only"


def _append_only_events() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION detainer_event_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER detainer_event_append_only BEFORE UPDATE OR DELETE ON detainer_event"
            " FOR EACH ROW EXECUTE FUNCTION detainer_event_append_only()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER detainer_event_no_{verb.lower()} BEFORE {verb} ON detainer_event"
            f" BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
        )


def _drop_append_only_events() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS detainer_event_append_only ON detainer_event")
        op.execute("DROP FUNCTION IF EXISTS detainer_event_append_only()")
        return
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS detainer_event_no_{verb}")
