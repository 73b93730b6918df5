"""The synthetic world's exceptions: one base, each message showing the values at fault in [brackets]."""

from __future__ import annotations


class SyntheticWorldError(Exception):
    """Base of every error raised while making a synthetic world."""


class WorldNotEmpty(SyntheticWorldError, ValueError):
    """The database already holds detainers; a world is only seeded into an empty one."""

    def __init__(self, count: int) -> None:
        self.count = count
        super().__init__(
            f"the database already holds [{count}] detainers; a synthetic world is seeded"
            " only into a database without any (use a fresh database)"
        )


class InvalidWorldSize(SyntheticWorldError, ValueError):
    """A world size or batch size that cannot be made."""

    def __init__(self, *, field: str, value: int, problem: str) -> None:
        self.field = field
        self.value = value
        super().__init__(f"{field}: [{value}] {problem}")
