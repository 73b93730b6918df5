"""The one place where exceptions become exit codes and one-line messages.

User mistakes (a bad value, an unknown id, a refused act) print one line on
stderr naming the value and exit non-zero; no traceback. Anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from sqlalchemy.exc import OperationalError, ProgrammingError

from detainers.adapters.synthetic import InvalidWorldSize, WorldNotEmpty
from detainers.config import ConfigError
from detainers.domain.errors import DomainError, InvalidValue, VocabularyError
from detainers.entrypoints.cli.audit import AuditChainBroken
from detainers.policy.errors import CaseError, PackError, PolicyError, UnknownJurisdiction
from detainers.services.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    Forbidden,
    NotFound,
    ServiceError,
    Unauthenticated,
)

# Most specific first: the first class an error is an instance of decides.
EXIT_CODES: Mapping[type[Exception], int] = MappingProxyType(
    {
        VocabularyError: 2,
        ConfigError: 2,
        CaseError: 2,
        UnknownJurisdiction: 2,
        InvalidValue: 2,
        InvalidWorldSize: 2,
        NotFound: 3,
        AlreadyExists: 4,
        WorldNotEmpty: 4,
        ConcurrencyConflict: 5,
        Forbidden: 6,
        Unauthenticated: 6,
        DomainError: 6,
        ServiceError: 1,
        PackError: 8,
        PolicyError: 1,
        OperationalError: 7,
        ProgrammingError: 7,
        AuditChainBroken: 9,
    }
)


def exit_code_for(error: Exception) -> int | None:
    """The exit code for a user-facing error, or `None` for a bug."""
    for kind, code in EXIT_CODES.items():
        if isinstance(error, kind):
            return code
    return None


def message_for(error: Exception) -> str:
    if isinstance(error, OperationalError | ProgrammingError):
        first = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        if "no such table" in first or ("relation" in first and "does not exist" in first):
            return "the database has no schema yet: run `detainers db upgrade`"
        return f"cannot use the database: {first}"
    return str(error)
