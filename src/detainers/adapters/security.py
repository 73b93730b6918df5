"""Credential adapters: argon2id password hashes, RFC 6238 TOTP, a common-password list, tokens.

The common-password list is zxcvbn's list of the 30,000 most frequent
passwords from public breach corpora (shipped with the package, no network).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import cached_property

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

from detainers.services.ports import Credentials

TOTP_STEP_SECONDS = 30


class Argon2Hasher:
    """argon2id with the library's defaults (RFC 9106's second recommended option)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, hashed: str, password: str) -> bool:
        try:
            return self._hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False


class Totp:
    """Six-digit codes over 30-second steps; a code from the step before or after is accepted."""

    def new_secret(self) -> str:
        return pyotp.random_base32()

    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        totp = pyotp.TOTP(secret, interval=TOTP_STEP_SECONDS)
        step = int(at.timestamp()) // TOTP_STEP_SECONDS
        for candidate in (step, step - 1, step + 1):
            # As bytes: `compare_digest` raises on non-ASCII str instead of saying "no match".
            expected = totp.generate_otp(candidate).encode()
            if secrets.compare_digest(expected, code.strip().encode()):
                return candidate
        return None

    def code(self, secret: str, at: datetime) -> str:
        return pyotp.TOTP(secret, interval=TOTP_STEP_SECONDS).at(at)


class CommonPasswords:
    @cached_property
    def _words(self) -> frozenset[str]:
        return frozenset(FREQUENCY_LISTS["passwords"])

    def is_common(self, password: str) -> bool:
        return password.lower() in self._words


def token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def credentials(hasher: PasswordHasher | None = None) -> Credentials:
    return Credentials(
        hasher=Argon2Hasher(hasher),
        second_factor=Totp(),
        common_passwords=CommonPasswords(),
        token=token,
    )
