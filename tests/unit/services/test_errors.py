"""Service errors say what was asked for, in brackets, so a clerk knows what to do next."""

from __future__ import annotations

from detainers.domain.errors import DomainError
from detainers.services.errors import (
    AlreadyExists,
    AmbiguousIdentity,
    ConcurrencyConflict,
    NotFound,
    ServiceError,
)


def test_a_concurrency_conflict_names_the_record_and_says_to_reload_and_retry() -> None:
    error = ConcurrencyConflict("detainer", "det-7", 3)
    assert str(error) == (
        "detainer [det-7] was changed by someone else since it was read (version [3]);"
        " nothing was saved: reload it and try again"
    )
    assert (error.kind, error.key) == ("detainer", "det-7")


def test_not_found_and_already_exists_name_the_key() -> None:
    assert str(NotFound("booking", "bk-1")) == "no booking [bk-1]"
    assert str(AlreadyExists("agency", "ERO-BOS")) == "agency [ERO-BOS] already exists"


def test_every_service_error_shares_one_base_apart_from_the_domains() -> None:
    for error in (
        NotFound("a", "b"),
        AlreadyExists("a", "b"),
        ConcurrencyConflict("a", "b", 1),
        AmbiguousIdentity("x", "y"),
    ):
        assert isinstance(error, ServiceError)
        assert not isinstance(error, DomainError)
