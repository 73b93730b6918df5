"""Notifications: endpoints, the message outbox (also the in-app inbox), delivery attempts, timers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _at(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "endpoint",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("audience", sa.String(40), nullable=False),
        sa.Column("owner_code", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("target", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(200), nullable=True),
        sa.Column("previous_secret", sa.String(200), nullable=True),
        _at("previous_until", True),
        _at("updated_at", False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_endpoint")),
        sa.UniqueConstraint(
            "audience",
            "owner_code",
            "channel",
            name=op.f("uq_endpoint_audience_owner_code_channel"),
        ),
    )
    op.create_table(
        "message",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("audience", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(36), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        _at("created_at", False),
        _at("due_at", False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _at("delivered_at", True),
        sa.Column("reason", sa.Text(), nullable=True),
        _at("acknowledged_at", True),
        sa.Column("acknowledged_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
        sa.UniqueConstraint("key", name=op.f("uq_message_key")),
    )
    op.create_index("ix_message_status_due_at", "message", ["status", "due_at"])
    op.create_index(
        "ix_message_recipient", "message", ["audience", "recipient", "channel", "created_at"]
    )
    op.create_index("ix_message_subject", "message", ["subject"])
    op.create_table(
        "delivery_attempt",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        _at("attempted_at", False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"], ["message.id"], name=op.f("fk_delivery_attempt_message_id_message")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempt")),
    )
    op.create_index(op.f("ix_delivery_attempt_message_id"), "delivery_attempt", ["message_id"])
    op.create_table(
        "timer",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("detainer_id", sa.String(36), nullable=False),
        _at("due_at", False),
        sa.Column("data", _JSON, nullable=False),
        _at("fired_at", True),
        sa.ForeignKeyConstraint(
            ["detainer_id"], ["detainer.id"], name=op.f("fk_timer_detainer_id_detainer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timer")),
        sa.UniqueConstraint("key", name=op.f("uq_timer_key")),
    )
    op.create_index(op.f("ix_timer_detainer_id"), "timer", ["detainer_id"])
    op.create_index("ix_timer_fired_at_due_at", "timer", ["fired_at", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_timer_fired_at_due_at", table_name="timer")
    op.drop_index(op.f("ix_timer_detainer_id"), table_name="timer")
    op.drop_table("timer")
    op.drop_index(op.f("ix_delivery_attempt_message_id"), table_name="delivery_attempt")
    op.drop_table("delivery_attempt")
    op.drop_index("ix_message_subject", table_name="message")
    op.drop_index("ix_message_recipient", table_name="message")
    op.drop_index("ix_message_status_due_at", table_name="message")
    op.drop_table("message")
    op.drop_table("endpoint")
