"""Password hashing with Argon2id (argon2-cffi), and the rules a new password must meet.

Hashes carry their own parameters and salt, so a later change of parameters still verifies old
hashes (``needs_rehash`` tells when to store a fresh one).
"""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geo.errors import ValidationError

MIN_LENGTH = 10
MAX_LENGTH = 256  # a huge input is refused before hashing costs anything


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2-cffi's defaults: Argon2id, RFC 9106 low-memory profile


def check_strength(password: str, username: str = "") -> None:
    """Refuse a password that is too short, too long, or the user name itself."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"the password is too short; use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"the password is too long; use at most {MAX_LENGTH} characters.")
    if username and password.strip().lower() == username.strip().lower():
        raise ValidationError("the password must not be the user name; choose another one.")
    if len(set(password)) < 4:
        raise ValidationError("the password repeats too few characters; choose a less guessable one.")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches. With no stored hash, still spend the time of one check
    (so a missing account cannot be told from a wrong password by timing)."""
    if len(password) > MAX_LENGTH:
        return False
    target = stored_hash or _dummy_hash()
    try:
        ok = _hasher().verify(target, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return bool(ok and stored_hash)


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


def random_password(nbytes: int = 12) -> str:
    """A fresh random password (URL-safe text, 16 characters for 12 bytes)."""
    return secrets.token_urlsafe(nbytes)


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))  # random: it matches no one's password
