"""The outbox repository on a real database: a worker's batch written in one statement each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from detainers.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from detainers.domain.notification import (
    Attempt,
    Audience,
    Channel,
    Message,
    MessageStatus,
    MessageType,
)

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _message(n: int) -> Message:
    return Message(
        id=f"msg-{n}",
        key=f"det-{n}/1/webhook",
        type=MessageType.DETAINER_LODGED,
        audience=Audience.AGENCY,
        recipient="ERO-BOS",
        channel=Channel.WEBHOOK,
        subject=f"det-{n}",
        data={"detainer_id": f"det-{n}"},
        created_at=T0,
        due_at=T0,
    )


def test_a_batch_of_outcomes_is_saved_message_by_message(engine: Engine) -> None:
    uow_factory = SqlUnitOfWorkFactory(engine)
    with uow_factory() as uow:
        for n in range(3):
            assert uow.messages.add(_message(n))
        uow.commit()
    later = T0 + timedelta(minutes=1)

    with uow_factory() as uow:
        delivered, retried, dead = uow.messages.claim_due(later, 10)
        delivered.status, delivered.delivered_at, delivered.attempts = (
            MessageStatus.DELIVERED,
            later,
            1,
        )
        retried.due_at, retried.last_error, retried.attempts = (
            later + timedelta(seconds=30),
            "the receiver answered 500",
            1,
        )
        dead.status, dead.last_error, dead.attempts = MessageStatus.DEAD, "ReadTimeout", 10
        uow.messages.record_attempts(
            [
                Attempt(
                    message_id=delivered.id, attempted_at=later, succeeded=True, status_code=204
                ),
                Attempt(
                    message_id=retried.id,
                    attempted_at=later,
                    succeeded=False,
                    status_code=500,
                    error="the receiver answered 500",
                ),
            ]
        )
        uow.messages.record_attempts([])
        uow.messages.save_all([delivered, retried, dead])
        uow.messages.save_all([])
        uow.commit()

    with uow_factory() as uow:
        assert uow.messages.get(delivered.id) == delivered
        assert uow.messages.get(retried.id) == retried
        assert uow.messages.get(dead.id) == dead
        assert [a.status_code for a in uow.messages.attempts(delivered.id)] == [204]
        [attempt] = uow.messages.attempts(retried.id)
        assert (attempt.succeeded, attempt.error) == (False, "the receiver answered 500")
        assert uow.messages.attempts(dead.id) == []
        assert uow.messages.claim_due(later, 10) == []
        assert uow.messages.claim_due(later + timedelta(seconds=30), 10) == [retried]
