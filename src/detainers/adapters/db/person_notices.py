"""The repository of notices to the person: each rendered notice with its PDF, and its service.

Lists and reads of a notice leave its PDF in the database; only `pdf` reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from detainers.adapters.db import tables as t
from detainers.domain.person_notice import NoticeTrigger, PersonNotice

_pn = t.person_notice
# Every column but the PDF, and whether there is one.
_RECORD = (
    *(c for c in _pn.c if c.name != "pdf"),
    _pn.c.pdf.is_not(None).label("printable"),
)


def _from(row: Any) -> PersonNotice:
    r = row._mapping
    return PersonNotice(
        id=r["id"],
        key=r["key"],
        detainer_id=r["detainer_id"],
        notice_id=r["notice_id"],
        trigger=NoticeTrigger(r["trigger"]),
        citation=r["citation"],
        summary=r["summary"],
        status=r["status"],
        created_at=r["created_at"],
        printable=bool(r["printable"]),
        served_at=r["served_at"],
        served_by=r["served_by"],
    )


class SqlPersonNotices:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, notice: PersonNotice, pdf: bytes | None) -> bool:
        if self.has_key(notice.key):
            return False
        statement = insert(_pn).values(
            id=notice.id,
            key=notice.key,
            detainer_id=notice.detainer_id,
            notice_id=notice.notice_id,
            trigger=notice.trigger.value,
            citation=notice.citation,
            summary=notice.summary,
            status=notice.status,
            created_at=notice.created_at,
            pdf=pdf,
            served_at=notice.served_at,
            served_by=notice.served_by,
        )
        try:
            # A savepoint: a racing writer's row with the same key must not end this transaction.
            with self._conn.begin_nested():
                self._conn.execute(statement)
        except IntegrityError:
            return False
        return True

    def get(self, notice_id: str) -> PersonNotice | None:
        row = self._conn.execute(select(*_RECORD).where(_pn.c.id == notice_id)).first()
        return None if row is None else _from(row)

    def pdf(self, notice_id: str) -> bytes | None:
        found = self._conn.execute(select(_pn.c.pdf).where(_pn.c.id == notice_id)).scalar()
        return None if found is None else bytes(found)

    def for_detainer(self, detainer_id: str) -> Sequence[PersonNotice]:
        rows = self._conn.execute(
            select(*_RECORD)
            .where(_pn.c.detainer_id == detainer_id)
            .order_by(_pn.c.created_at, _pn.c.notice_id, _pn.c.id)
        )
        return [_from(r) for r in rows]

    def has_key(self, key: str) -> bool:
        return self._conn.execute(select(_pn.c.id).where(_pn.c.key == key)).first() is not None

    def save(self, notice: PersonNotice) -> None:
        self._conn.execute(
            update(_pn)
            .where(_pn.c.id == notice.id)
            .values(served_at=notice.served_at, served_by=notice.served_by)
        )
