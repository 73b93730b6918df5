"""Notices to the person: each rendered notice (its PDF) stored with its detainer, and its service.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "person_notice",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("detainer_id", sa.String(36), nullable=False),
        sa.Column("notice_id", sa.String(120), nullable=False),
        sa.Column("trigger", sa.String(40), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        _at("created_at", False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        _at("served_at", True),
        sa.Column("served_by", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["detainer_id"], ["detainer.id"], name=op.f("fk_person_notice_detainer_id_detainer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_notice")),
        sa.UniqueConstraint("key", name=op.f("uq_person_notice_key")),
    )
    op.create_index(op.f("ix_person_notice_detainer_id"), "person_notice", ["detainer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_person_notice_detainer_id"), table_name="person_notice")
    op.drop_table("person_notice")
