"""The service layer's exceptions; entrypoints map each to an HTTP status and an exit code."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error raised by a use case (domain errors pass through unchanged)."""


class NotFound(ServiceError, LookupError):
    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} [{key}]")


class OutsideTenant(NotFound):
    """The record exists but lies outside the caller's tenant.

    The caller is told exactly what a missing record would tell them (its
    existence is not disclosed); the audit trail records a denial.
    """


class AlreadyExists(ServiceError):
    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} [{key}] already exists")


class ConcurrencyConflict(ServiceError):
    """Someone else changed the record between our read and our write; reload and retry."""

    def __init__(
        self, kind: str, key: str, expected_version: int | None = None, *, detail: str | None = None
    ) -> None:
        self.kind = kind
        self.key = key
        read = "" if expected_version is None else f" (version [{expected_version}])"
        what = detail or "was changed by someone else since it was read"
        super().__init__(f"{kind} [{key}] {what}{read}; nothing was saved: reload it and try again")


class AmbiguousIdentity(ServiceError):
    """Strong identifiers on one record point at different known persons."""

    def __init__(self, identifiers: str, person_ids: str) -> None:
        super().__init__(f"identifiers [{identifiers}] belong to different persons [{person_ids}]")


class Forbidden(ServiceError, PermissionError):
    """The caller's role does not grant the permission the command needs."""

    def __init__(self, role: str, permission: str, *, detail: str | None = None) -> None:
        self.role = role
        self.permission = permission
        super().__init__(detail or f"role [{role}] does not have permission [{permission}]")


class Unauthenticated(ServiceError):
    """No valid credentials: wrong password or code, locked, disabled, expired or revoked."""

    def __init__(self, detail: str = "the credentials were not accepted") -> None:
        super().__init__(detail)
