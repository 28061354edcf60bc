"""The ``tracker`` command line: one module per subcommand group (``cli/db.py``, ``cli/demo.py``,
``cli/export.py``, ``cli/rank.py``, ``cli/status.py``, ``cli/report.py``, ``cli/user.py``,
``cli/ledger.py``), each with ``register(subparsers)``.

Every user error ends in one sentence on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from geo.errors import TrackerError

# Modules that contribute subcommands: each has ``register(subparsers)``.
COMMAND_MODULES = ("cli.db", "cli.demo", "cli.export", "cli.rank", "cli.status", "cli.report",
                   "cli.user", "cli.ledger")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tracker",
        description="舞阳县水毁修复与防返贫跟踪 — flood-recovery tracker",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except TrackerError as error:
        print(f"tracker: {error}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:  # output piped into head/less that closed early
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("tracker: interrupted; nothing further was changed.", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
