"""Password hashing (Argon2id) and the rules for a new password."""

from __future__ import annotations

import secrets

import pytest

from geo.auth import passwords
from geo.errors import ValidationError


def test_a_hash_verifies_its_password_only() -> None:
    password = secrets.token_urlsafe(12)
    stored = passwords.hash_password(password)
    assert stored.startswith("$argon2id$") and password not in stored
    assert passwords.verify(stored, password)
    assert not passwords.verify(stored, password + "x")
    assert passwords.hash_password(password) != stored  # salted: the same password, another hash
    assert not passwords.needs_rehash(stored)


def test_no_account_and_broken_hashes_never_verify() -> None:
    assert not passwords.verify(None, "anything-at-all")
    assert not passwords.verify("not a hash", "anything-at-all")
    assert not passwords.verify(passwords.hash_password("a-long-password"), "x" * 10_000)


@pytest.mark.parametrize(("password", "why"), [("short1", "too short"), ("aaaaaaaaaaaa", "repeats"),
                                               ("county-clerk", "user name")])
def test_weak_passwords_are_refused_with_a_reason(password: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        passwords.check_strength(password, "county-clerk")


def test_random_passwords_are_long_and_different() -> None:
    made = {passwords.random_password() for _ in range(20)}
    assert len(made) == 20 and all(len(p) >= 16 for p in made)
    for p in made:
        passwords.check_strength(p, "someone")
