"""``tracker user`` — accounts: add, passwd, disable, enable, list, and bootstrap (the first
county administrator on a fresh install, which ``make run`` calls).

Passwords are never taken as arguments (they would land in the shell history): a new password is
random and printed once, or read from standard input with ``--password-stdin``.
"""

from __future__ import annotations

import argparse
import os
import sys

from geo.auth.passwords import random_password
from geo.db.engine import check_connection, get_engine
from geo.errors import ValidationError
from geo.settings import get_settings
from layers import accounts
from layers.roles import DEPARTMENT, ROLE


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cmd = sub.add_parser("user", help="manage accounts (add, passwd, disable, enable, list, bootstrap)",
                         description="Accounts of the app: roles 县级管理员 admin, 行业部门 department, "
                                     "乡镇 township, 只读 readonly.")
    users = cmd.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = users.add_parser("add", help="create an account (its password is printed once)")
    add.add_argument("name", help="account name (2–64 characters, no spaces)")
    add.add_argument("--role", required=True,
                     help="; ".join(f"{t.code} ({t.zh})" for t in ROLE))
    add.add_argument("--department", help="for --role department: " +
                     ", ".join(f"{t.code} ({t.zh})" for t in DEPARTMENT))
    add.add_argument("--township", help="for --role township (or a read-only account limited to "
                                        "one township): name or code")
    add.add_argument("--display-name", help="the person's or office's name, shown in the app")
    add.add_argument("--sso", help="the e-mail the identity provider gives (single sign-on)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(func=run_add)
    passwd = users.add_parser("passwd", help="set a new password (random, printed once, or stdin)")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(func=run_passwd)
    for action, text in (("disable", "refuse the account from its next action on"),
                         ("enable", "let a disabled account sign in again")):
        p = users.add_parser(action, help=text)
        p.add_argument("name")
        p.set_defaults(func=run_disable if action == "disable" else run_enable)
    users.add_parser("list", help="list the accounts").set_defaults(func=run_list)
    boot = users.add_parser("bootstrap", help="on a database without accounts, create the first "
                            "county administrator (TRACKER_ADMIN_USER, TRACKER_ADMIN_PASSWORD)")
    boot.set_defaults(func=run_bootstrap)


def _engine():  # type: ignore[no-untyped-def]
    engine = get_engine()
    check_connection(engine)
    return engine


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, generated?)."""
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise ValidationError("no password on standard input; pipe one line into the command.")
        return line, False
    return random_password(), True


def run_add(args: argparse.Namespace) -> int:
    password, generated = (None, False) if args.sso and not args.password_stdin else _password(args)
    with _engine().begin() as conn:
        account = accounts.add_account(
            conn, args.name, args.role, password=password, by=get_settings().user,
            department=args.department, township=args.township, display_name=args.display_name,
            sso_identity=args.sso)
    print(f"tracker: account {account.username} created ({account.scope.describe()}).")
    if generated and password:
        _print_once(account.username, password)
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    password, generated = _password(args)
    with _engine().begin() as conn:
        accounts.set_password(conn, args.name, password, by=get_settings().user)
    print(f"tracker: new password set for {args.name}; its open sessions end on their next action.")
    if generated:
        _print_once(args.name, password)
    return 0


def run_disable(args: argparse.Namespace) -> int:
    with _engine().begin() as conn:
        accounts.set_disabled(conn, args.name, True, by=get_settings().user)
    print(f"tracker: {args.name} is disabled; it loses access on its next action.")
    return 0


def run_enable(args: argparse.Namespace) -> int:
    with _engine().begin() as conn:
        accounts.set_disabled(conn, args.name, False, by=get_settings().user)
    print(f"tracker: {args.name} may sign in again.")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with _engine().connect() as conn:
        rows = accounts.list_accounts(conn)
    if not rows:
        print("tracker: no accounts yet; run 'tracker user bootstrap' to create the first administrator.")
        return 0
    print(f"{'account':20} {'role':28} {'state':9} created")
    for a in rows:
        state = "disabled" if a.disabled else "active"
        print(f"{a.username:20} {a.scope.describe():28} {state:9} {a.created_at:%Y-%m-%d}")
    return 0


def run_bootstrap(args: argparse.Namespace) -> int:
    name = os.environ.get("TRACKER_ADMIN_USER") or get_settings().user
    given = os.environ.get("TRACKER_ADMIN_PASSWORD") or None
    with _engine().begin() as conn:
        made = accounts.bootstrap_admin(conn, name, given, by=get_settings().user)
    if made is None:
        print("tracker: accounts exist already; no account was created.")
        return 0
    account, password = made
    print(f"tracker: created the first county administrator account {account.username!r}.")
    if given is None:
        _print_once(account.username, password)
    else:
        print("  its password is the one in TRACKER_ADMIN_PASSWORD.")
    return 0


def _print_once(name: str, password: str) -> None:
    print(f"  password for {name}: {password}")
    print("  it is shown only this once and stored only as a hash: write it down, or set a new one "
          f"later with 'tracker user passwd {name}'.")
