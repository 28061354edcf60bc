"""The ``tracker`` command line: one module per subcommand group (``cli/db.py``, ``cli/demo.py``,
``cli/export.py``, ``cli/rank.py``, ``cli/status.py``, ``cli/report.py``, ``cli/user.py``,
``cli/ledger.py``, ``cli/serve.py``), each with ``register(subparsers)``.

Every failure ends in one sentence on stderr and an exit code, never a traceback: the tracker's
own errors carry theirs, and ``geo.faults.explain`` turns everything else (full disk, permissions,
a database without the schema or whose server went away, …) into one. ``TRACKER_DEV=1`` lets an
unexpected error (a bug) show its traceback. SIGTERM ends a command like Ctrl-C, so its cleanup
(temporary export files) runs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from geo.errors import UnexpectedError
from geo.faults import explain

# Modules that contribute subcommands: each has ``register(subparsers)``.
COMMAND_MODULES = ("cli.db", "cli.demo", "cli.export", "cli.importer", "cli.ledger", "cli.rank",
                   "cli.status", "cli.report", "cli.user", "cli.serve")


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
    previous = _terminate_like_interrupt()
    try:
        result = args.func(args)
        sys.stdout.flush()  # a full disk or closed pipe shows here, not at interpreter exit
    except BrokenPipeError:  # output piped into head/less that closed early
        _drop_stdout()
        return 0
    except KeyboardInterrupt:
        print("tracker: interrupted; nothing further was changed.", file=sys.stderr)
        return 130
    except Exception as error:
        explained = explain(error)
        if isinstance(explained, UnexpectedError) and os.environ.get("TRACKER_DEV") == "1":
            raise
        if _is_stdout_error(error):
            _drop_stdout()
        print(f"tracker: {explained}", file=sys.stderr)
        return explained.exit_code
    finally:
        _restore(previous)
    return int(result or 0)


def _terminate_like_interrupt() -> object:
    """SIGTERM (kill, systemd, a closed terminal's shell) raises KeyboardInterrupt, so finally
    blocks run — e.g. an export removes its temporary files. Only possible in the main thread."""
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (tests): leave signals alone
        return None


def _restore(previous: object) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]


def _is_stdout_error(error: BaseException) -> bool:
    """An OSError naming no file, while stdout is the process's own: most likely its write."""
    return (isinstance(error, OSError) and error.filename is None
            and sys.stdout is sys.__stdout__ and sys.stdout is not None and not sys.stdout.closed)


def _drop_stdout() -> None:
    """Stdout cannot take more (closed pipe, full disk): point it at /dev/null so Python's exit
    does not try to flush the rest and print a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
