"""Keep history in time order and one identity per identifier.

- `detainer.last_event_at`: the time of the latest event, so no act can be
  recorded as happening before what is already recorded (backfilled from events).
- `person_identifier (kind, value)` unique: one identifier names one person.
- `booking (facility_code, person_id)` unique while open: one open booking per
  person at a facility.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("detainer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE detainer SET last_event_at = ("
        " SELECT max(e.occurred_at) FROM detainer_event e WHERE e.detainer_id = detainer.id)"
    )
    with op.batch_alter_table("person_identifier", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_person_identifier_kind_value", ["kind", "value"])
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index(
            "uq_booking_open_person",
            ["facility_code", "person_id"],
            unique=True,
            sqlite_where=sa.text("released_at IS NULL"),
            postgresql_where=sa.text("released_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_booking_open_person",
            sqlite_where=sa.text("released_at IS NULL"),
            postgresql_where=sa.text("released_at IS NULL"),
        )
    with op.batch_alter_table("person_identifier", schema=None) as batch_op:
        batch_op.drop_constraint("uq_person_identifier_kind_value", type_="unique")
    with op.batch_alter_table("detainer", schema=None) as batch_op:
        batch_op.drop_column("last_event_at")
