"""Accounts in PostGIS: roles and scopes checked, passwords hashed, sign-ins throttled and recorded."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.auth.throttle import Throttle
from geo.errors import AccessDeniedError, SignInError, UnknownChoiceError, ValidationError
from layers import accounts
from layers.history import history
from tests.helpers.samples import TOWNSHIP, insert_samples

pytestmark = pytest.mark.postgis


def password() -> str:
    return secrets.token_urlsafe(16)


def test_an_account_keeps_its_role_and_scope_and_only_a_hash(db: Session) -> None:
    insert_samples(db, only=set())
    secret = password()
    made = accounts.add_account(db, "bwd-clerk", "乡镇", password=secret, by="admin",
                                township="北舞渡镇", display_name="北舞渡镇政府")
    assert (made.role, made.township_code, made.disabled) == ("township", TOWNSHIP, False)
    stored = db.execute(sa.select(accounts.ACCOUNTS.c.password_hash)
                        .where(accounts.ACCOUNTS.c.username == "bwd-clerk")).scalar_one()
    assert secret not in stored and stored.startswith("$argon2id$")
    assert [a.username for a in accounts.list_accounts(db)] == ["bwd-clerk"]
    assert [c.field for c in history(db, "accounts", made.id)] == ["role"]  # creation recorded


@pytest.mark.parametrize(("role", "options", "problem"), [
    ("department", {}, "needs a department"),
    ("township", {}, "needs its township"),
    ("admin", {"township": TOWNSHIP}, "only 乡镇 and 只读"),
    ("department", {"department": "mars"}, "unknown department"),
    ("boss", {}, "unknown role"),
])
def test_a_role_without_its_scope_is_refused(db: Session, role: str, options: dict[str, str],
                                             problem: str) -> None:
    insert_samples(db, only=set())
    with pytest.raises((ValidationError, UnknownChoiceError), match=problem):
        accounts.add_account(db, "someone", role, password=password(), by="admin", **options)
    assert accounts.list_accounts(db) == []


def test_names_are_unique_and_weak_passwords_refused(db: Session) -> None:
    accounts.add_account(db, "jiaotong", "readonly", password=password(), by="admin")
    with pytest.raises(ValidationError, match="exists already"):
        accounts.add_account(db, "jiaotong", "readonly", password=password(), by="admin")
    with pytest.raises(ValidationError, match="too short"):
        accounts.add_account(db, "other", "readonly", password="abc", by="admin")


def test_sign_in_checks_the_password_and_records_every_attempt(db: Session) -> None:
    secret = password()
    accounts.add_account(db, "shuili", "department", department="水利", password=secret, by="a")
    assert accounts.authenticate(db, "shuili", secret).username == "shuili"
    with pytest.raises(SignInError, match="wrong account name or password"):
        accounts.authenticate(db, "shuili", secret + "!")
    with pytest.raises(SignInError, match="wrong account name or password"):  # same words
        accounts.authenticate(db, "nobody", secret)
    attempts = db.execute(sa.select(accounts.ATTEMPTS.c.username, accounts.ATTEMPTS.c.succeeded)
                          .order_by(accounts.ATTEMPTS.c.id)).all()
    assert [tuple(a) for a in attempts] == [("shuili", True), ("shuili", False), ("nobody", False)]


def test_failed_sign_ins_are_throttled_even_with_the_right_password(db: Session) -> None:
    secret = password()
    accounts.add_account(db, "dianli", "department", department="power", password=secret, by="a")
    policy = Throttle(free_failures=3, base_delay=dt.timedelta(minutes=1))
    start = dt.datetime(2021, 9, 15, 9, 0, tzinfo=dt.UTC)
    for i in range(3):
        with pytest.raises(SignInError, match="wrong"):
            accounts.authenticate(db, "dianli", "guess-" + str(i) * 10,
                                  now=start + dt.timedelta(seconds=i), throttle=policy)
    with pytest.raises(SignInError, match="too many failed sign-ins"):
        accounts.authenticate(db, "dianli", secret, now=start + dt.timedelta(seconds=10),
                              throttle=policy)
    later = start + dt.timedelta(minutes=2)  # the wait is over: the right password works again
    assert accounts.authenticate(db, "dianli", secret, now=later, throttle=policy).username == "dianli"
    # a success clears the record: one more failure does not lock the account at once
    with pytest.raises(SignInError, match="wrong"):
        accounts.authenticate(db, "dianli", "another-guess", now=later, throttle=policy)
    assert accounts.authenticate(db, "dianli", secret, now=later, throttle=policy)


def test_a_disabled_account_cannot_sign_in_or_act(db: Session) -> None:
    secret = password()
    accounts.add_account(db, "ducha", "readonly", password=secret, by="a")
    accounts.set_disabled(db, "ducha", True, by="admin")
    with pytest.raises(SignInError, match="disabled"):
        accounts.authenticate(db, "ducha", secret)
    with pytest.raises(AccessDeniedError, match="disabled"):
        accounts.active_actor(db, "ducha")
    accounts.set_disabled(db, "ducha", False, by="admin")
    assert accounts.active_actor(db, "ducha").scope.role == "readonly"


def test_bootstrap_makes_one_administrator_with_a_random_password_once(db: Session) -> None:
    made = accounts.bootstrap_admin(db, "county-admin", None, by="make run")
    assert made is not None
    account, secret = made
    assert account.role == "admin" and len(secret) >= 16
    assert accounts.authenticate(db, "county-admin", secret).username == "county-admin"
    assert accounts.bootstrap_admin(db, "another", None, by="make run") is None  # accounts exist
    given = password()
    accounts.set_password(db, "county-admin", given, by="county-admin")
    assert accounts.authenticate(db, "county-admin", given)
