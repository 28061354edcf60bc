"""Accounts in the database: who may sign in, with which role and scope, and the sign-in record
that throttles guessing. Passwords are stored only as Argon2id hashes (``geo.auth.passwords``).

No account, role or password is built in: the first county administrator is created on a fresh
install by ``tracker user bootstrap`` (``make run`` calls it) with a random password printed once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Index, Integer, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from geo.auth import passwords
from geo.auth.throttle import DEFAULT as DEFAULT_THROTTLE
from geo.auth.throttle import Throttle, minutes_text
from geo.db.engine import Bind, connection
from geo.errors import AccessDeniedError, NotFoundError, SignInError, ValidationError
from layers.base import Base, vocab_check
from layers.history import record_change
from layers.roles import DEPARTMENT, ROLE, Actor, Scope


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        vocab_check("role", ROLE),
        vocab_check("department", DEPARTMENT),
        CheckConstraint("(role = 'department') = (department IS NOT NULL)", name="department_role"),
        CheckConstraint("role <> 'township' OR township_code IS NOT NULL", name="township_role"),
        CheckConstraint("role NOT IN ('admin', 'department') OR township_code IS NULL",
                        name="township_scope"),
        CheckConstraint("char_length(username) BETWEEN 2 AND 64 AND username !~ '\\s'",
                        name="username"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    display_name: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    department: Mapped[str | None] = mapped_column(Text)
    # no foreign key on purpose: `tracker demo --replace` truncates townships with CASCADE
    township_code: Mapped[str | None] = mapped_column(Text)
    password_hash: Mapped[str | None] = mapped_column(Text)  # None: single sign-on only
    sso_identity: Mapped[str | None] = mapped_column(Text, unique=True)  # e-mail from the IdP
    disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    password_changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    created_by: Mapped[str | None] = mapped_column(Text)


class SignInAttempt(Base):
    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index("ix_sign_in_attempts_user_time", "username", "attempted_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(Text, nullable=False)
    attempted_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    succeeded: Mapped[bool] = mapped_column(Boolean, nullable=False)


ACCOUNTS: sa.Table = Account.__table__  # type: ignore[assignment]
ATTEMPTS: sa.Table = SignInAttempt.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class AccountInfo:
    """An account as listed and checked (never its hash)."""

    id: int
    username: str
    display_name: str | None
    role: str
    department: str | None
    township_code: str | None
    disabled: bool
    sso_identity: str | None
    password_changed_at: dt.datetime
    created_at: dt.datetime

    @property
    def scope(self) -> Scope:
        return Scope(self.role, self.department, self.township_code)

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.scope)


_INFO_COLUMNS = [ACCOUNTS.c[name] for name in AccountInfo.__dataclass_fields__]


def get_account(bind: Bind, username: str) -> AccountInfo | None:
    row = connection(bind).execute(
        sa.select(*_INFO_COLUMNS).where(ACCOUNTS.c.username == username)).mappings().first()
    return AccountInfo(**dict(row)) if row is not None else None


def by_sso_identity(bind: Bind, identity: str) -> AccountInfo | None:
    row = connection(bind).execute(
        sa.select(*_INFO_COLUMNS).where(sa.func.lower(ACCOUNTS.c.sso_identity) == identity.lower())
    ).mappings().first()
    return AccountInfo(**dict(row)) if row is not None else None


def list_accounts(bind: Bind) -> list[AccountInfo]:
    rows = connection(bind).execute(
        sa.select(*_INFO_COLUMNS).order_by(ACCOUNTS.c.username)).mappings().all()
    return [AccountInfo(**dict(r)) for r in rows]


def has_accounts(bind: Bind) -> bool:
    return connection(bind).execute(sa.select(sa.func.count()).select_from(ACCOUNTS)).scalar_one() > 0


def active_actor(bind: Bind, username: str) -> Actor:
    """The enabled account ``username`` as an actor (read fresh: a disabled one is refused)."""
    account = get_account(bind, username)
    if account is None:
        raise AccessDeniedError(
            f"there is no account {username!r}; ask the county administrator to create it "
            "('tracker user add') or set TRACKER_USER to your account name."
        )
    if account.disabled:
        raise AccessDeniedError(f"the account {username!r} is disabled; ask the county administrator.")
    return account.actor


def add_account(bind: Bind, username: str, role: str, *, password: str | None, by: str,
                department: str | None = None, township: str | None = None,
                display_name: str | None = None, sso_identity: str | None = None) -> AccountInfo:
    """Create an account; its role and scope are checked, its password hashed."""
    conn = connection(bind)
    name = username.strip()
    role_code = ROLE.code(role)
    dept = DEPARTMENT.code(department) if department else None
    town = _township_code(conn, township) if township else None
    Scope(role_code, dept, town)  # the role's rules, as one sentence
    if get_account(conn, name) is not None:
        raise ValidationError(f"the account {name!r} exists already; choose another name.")
    if password is None and not sso_identity:
        raise ValidationError("give the account a password or a single sign-on identity.")
    if password is not None:
        passwords.check_strength(password, name)
    conn.execute(sa.insert(ACCOUNTS).values(
        username=name, role=role_code, department=dept, township_code=town,
        display_name=display_name, sso_identity=sso_identity, created_by=by,
        password_hash=passwords.hash_password(password) if password is not None else None))
    account = get_account(conn, name)
    assert account is not None
    record_change(conn, "accounts", account.id, "role", None, account.scope.describe(), by,
                  note="创建账号 account created")
    return account


def set_password(bind: Bind, username: str, password: str, by: str) -> None:
    """A new password; sessions signed in before it end on their next action."""
    conn = connection(bind)
    account = _existing(conn, username)
    passwords.check_strength(password, account.username)
    conn.execute(sa.update(ACCOUNTS).where(ACCOUNTS.c.id == account.id).values(
        password_hash=passwords.hash_password(password), password_changed_at=sa.func.now()))
    record_change(conn, "accounts", account.id, "password", None, None, by,
                  note="修改密码 password changed")


def set_disabled(bind: Bind, username: str, disabled: bool, by: str) -> None:
    """Disable (or re-enable) an account: it loses access on its next action."""
    conn = connection(bind)
    account = _existing(conn, username)
    if account.disabled == disabled:
        return
    conn.execute(sa.update(ACCOUNTS).where(ACCOUNTS.c.id == account.id).values(disabled=disabled))
    record_change(conn, "accounts", account.id, "disabled", account.disabled, disabled, by)


def _existing(conn: sa.Connection, username: str) -> AccountInfo:
    account = get_account(conn, username)
    if account is None:
        raise NotFoundError(f"there is no account {username!r}; see 'tracker user list'.")
    return account


def _township_code(conn: sa.Connection, township: str) -> str:
    from layers.places import township_codes

    return township_codes(conn, [township])[0]


# --- signing in -----------------------------------------------------------------------------
WRONG = "wrong account name or password; try again."
KEEP_ATTEMPTS = dt.timedelta(days=90)


def authenticate(bind: Bind, username: str, password: str, *, now: dt.datetime | None = None,
                 throttle: Throttle = DEFAULT_THROTTLE) -> AccountInfo:
    """The account if ``password`` is right and it may sign in now; else one SignInError sentence.

    Every attempt is recorded; after repeated failures for a name further attempts must wait
    (refused without checking the password, so guessing gains nothing by hammering).
    """
    conn = connection(bind)
    name = username.strip()
    moment = now or conn.execute(sa.select(sa.func.now())).scalar_one()
    wait = throttle.wait(_failures_since_success(conn, name, moment - throttle.window), moment)
    if wait > dt.timedelta(0):
        raise SignInError(f"too many failed sign-ins for this account; wait {minutes_text(wait)} "
                          "and try again, or ask the county administrator.")
    row = conn.execute(sa.select(ACCOUNTS.c.password_hash, ACCOUNTS.c.disabled)
                       .where(ACCOUNTS.c.username == name)).first()
    ok = passwords.verify(row.password_hash if row else None, password)
    conn.execute(sa.insert(ATTEMPTS).values(username=name, attempted_at=moment, succeeded=ok))
    if not ok or row is None:
        raise SignInError(WRONG)
    if row.disabled:
        raise SignInError("this account is disabled; ask the county administrator.")
    # the record of attempts is kept for KEEP_ATTEMPTS (for audits), not for ever
    conn.execute(sa.delete(ATTEMPTS).where(ATTEMPTS.c.username == name,
                                           ATTEMPTS.c.attempted_at < moment - KEEP_ATTEMPTS))
    if passwords.needs_rehash(row.password_hash):
        conn.execute(sa.update(ACCOUNTS).where(ACCOUNTS.c.username == name)
                     .values(password_hash=passwords.hash_password(password)))
    account = get_account(conn, name)
    assert account is not None
    return account


def _failures_since_success(conn: sa.Connection, name: str, since: dt.datetime) -> list[dt.datetime]:
    last_ok = (sa.select(sa.func.max(ATTEMPTS.c.attempted_at))
               .where(ATTEMPTS.c.username == name, ATTEMPTS.c.succeeded).scalar_subquery())
    rows = conn.execute(
        sa.select(ATTEMPTS.c.attempted_at).where(
            ATTEMPTS.c.username == name, ~ATTEMPTS.c.succeeded, ATTEMPTS.c.attempted_at >= since,
            sa.or_(last_ok.is_(None), ATTEMPTS.c.attempted_at > last_ok))
    ).scalars().all()
    return list(rows)


def bootstrap_admin(bind: Bind, username: str, password: str | None,
                    by: str) -> tuple[AccountInfo, str] | None:
    """On a database without accounts, the first county administrator and its password
    (``password`` if given, else a random one to print once); None when accounts exist."""
    conn = connection(bind)
    if has_accounts(conn):
        return None
    chosen = password or passwords.random_password()
    account = add_account(conn, username, "admin", password=chosen, by=by,
                          display_name="县级管理员")
    return account, chosen
