"""Signing in and staying signed in, without Streamlit: the app's gate calls these every rerun.

A signed-in browser session holds only a :class:`SignedIn` (account name and two times). Its
account is read again from the database on every action, so a disabled account, a changed
password or a changed role takes effect on the user's next click; sessions end after
``TRACKER_SESSION_IDLE_MINUTES`` without activity and ``TRACKER_SESSION_HOURS`` after sign-in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from geo import chinatime
from geo.db.engine import Bind, connection
from geo.errors import SignInError
from geo.settings import Settings, get_settings
from layers.accounts import AccountInfo, authenticate, by_sso_identity, get_account


@dataclass(frozen=True)
class SignedIn:
    """What the browser session keeps between reruns (no password, no hash, no role)."""

    username: str
    signed_in_at: dt.datetime
    last_seen: dt.datetime


def sign_in(bind: Bind, username: str, password: str,
            now: dt.datetime | None = None) -> tuple[AccountInfo, SignedIn]:
    """Check the password (throttled, recorded); a SignInError sentence when refused.

    A refused attempt is committed before the error goes up, so the caller's rollback cannot
    erase it (else guessing would never be throttled)."""
    if not username.strip() or not password:
        raise SignInError("enter your account name and password.")
    moment = now or chinatime.now()
    try:
        account = authenticate(bind, username, password, now=moment)
    except SignInError:
        connection(bind).commit()
        raise
    return account, SignedIn(account.username, moment, moment)


def sign_in_sso(bind: Bind, identity: str,
                now: dt.datetime | None = None) -> tuple[AccountInfo, SignedIn]:
    """Single sign-on: the identity provider vouched for ``identity`` (an e-mail); the tracker
    still decides the role, from the account that names it."""
    account = by_sso_identity(bind, identity) if identity else None
    if account is None:
        raise SignInError(f"no tracker account is linked to {identity!r}; ask the county "
                          "administrator to add one ('tracker user add … --sso …').")
    if account.disabled:
        raise SignInError("this account is disabled; ask the county administrator.")
    moment = now or chinatime.now()
    return account, SignedIn(account.username, moment, moment)


def current_account(bind: Bind, session: SignedIn, now: dt.datetime | None = None,
                    settings: Settings | None = None) -> tuple[AccountInfo, SignedIn]:
    """The session's account, read fresh, and the session touched; SignInError when it ended."""
    settings = settings or get_settings()
    moment = now or chinatime.now()
    idle = dt.timedelta(minutes=settings.session_idle_minutes)
    if moment - session.last_seen > idle:
        raise SignInError(f"you were away more than {settings.session_idle_minutes} minutes, so "
                          "the session ended; sign in again.")
    if moment - session.signed_in_at > dt.timedelta(hours=settings.session_hours):
        raise SignInError(f"sessions last {settings.session_hours} hours; sign in again.")
    account = get_account(bind, session.username)
    if account is None or account.disabled:
        raise SignInError("this account was disabled or removed; ask the county administrator.")
    if account.password_changed_at > session.signed_in_at:
        raise SignInError("the password of this account was changed; sign in again.")
    return account, replace(session, last_seen=moment)
