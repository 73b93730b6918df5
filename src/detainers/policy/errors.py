"""The legal engine's exceptions; messages name the file, key or path at fault in [brackets]."""

from __future__ import annotations


class PolicyError(Exception):
    """Base of every error raised by the legal engine."""


class PackError(PolicyError):
    """A policy pack that cannot be loaded: names the file, the key and what was expected."""

    def __init__(self, *, file: str, key: str, problem: str) -> None:
        self.file = file
        self.key = key
        super().__init__(f"{file}: [{key}] {problem}")


class CaseError(PolicyError, ValueError):
    """A case that breaks the case contract: names the path, the value and what is accepted."""

    def __init__(self, *, path: str, value: object, problem: str) -> None:
        self.path = path
        self.value = value
        self.problem = problem
        super().__init__(f"{path}: [{value}] {problem}")


class UnknownJurisdiction(PolicyError, LookupError):
    def __init__(self, code: str, known: str) -> None:
        self.code = code
        super().__init__(f"jurisdiction: [{code}] has no policy pack (known: [{known}])")
