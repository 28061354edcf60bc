"""Failures from below the tracker — the operating system, the database, Alembic — as one sentence.

The tracker's own checks raise ``geo.errors.TrackerError`` with a sentence. Everything else a
command can meet (a full disk, a folder it may not write, a name too long, a database without
the schema or whose server went away, an unknown migration revision) is turned into one here, by
:func:`explain`, which ``cli.main`` calls for every command. Code that knows more about the
situation (which file, what was being done) calls :func:`os_error` itself with that context.
"""

from __future__ import annotations

import errno
import os

from alembic.util.exc import CommandError
from sqlalchemy import exc as sa_exc

from geo.errors import DatabaseError, StorageError, TrackerError, UnexpectedError, ValidationError

# errno → (what happened, what to do)
_OS_REASONS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("no space is left on the device", "free some space or choose another folder"),
    errno.EDQUOT: ("the disk quota is used up", "free some space or choose another folder"),
    errno.EFBIG: ("the file is too large for this file system", "choose another folder"),
    errno.EACCES: ("permission denied", "choose a folder you may write to"),
    errno.EPERM: ("the operation is not permitted", "choose a folder you may write to"),
    errno.EROFS: ("the file system is read-only", "choose a folder you may write to"),
    errno.ENAMETOOLONG: ("the name is too long for the file system", "choose a shorter name"),
    errno.ENOENT: ("it does not exist or cannot hold files", "check the path"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "check the path"),
    errno.EISDIR: ("it is a folder", "give a file name"),
    errno.EEXIST: ("it exists already", "remove it or choose another name"),
    errno.ELOOP: ("the path has too many symbolic links", "check the path"),
    errno.EIO: ("the device reported an input/output error", "check the disk and try again"),
    errno.EMFILE: ("too many files are open", "close other programs and try again"),
    errno.ENFILE: ("too many files are open", "close other programs and try again"),
    errno.EXDEV: ("it is on another file system", "choose a folder on the same disk"),
}
MAX_SHOWN_PATH = 90


def shown_path(path: object) -> str:
    """A path for a sentence: quoted, and shortened in the middle when very long."""
    text = os.fsdecode(path) if isinstance(path, bytes | os.PathLike) else str(path)
    if len(text) > MAX_SHOWN_PATH:
        text = f"{text[:50]}…{text[-30:]} ({len(text)} characters)"
    return repr(text)


def os_error(error: OSError, path: object = None, action: str = "use",
             note: str = "") -> StorageError:
    """One sentence for an operating-system error: what failed, why, and what to do."""
    reason, advice = _OS_REASONS.get(error.errno or 0, (
        (error.strerror or type(error).__name__).lower(), "check the path and try again"))
    where = path if path is not None else error.filename
    target = shown_path(where) if where is not None else "the output"
    tail = f" ({note})" if note else ""
    return StorageError(f"cannot {action} {target}: {reason}; {advice}{tail}.")


def _reason(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0].rstrip(".") if lines else type(error).__name__


SCHEMA_STATES = {"42P01", "42703", "42883", "3F000"}  # undefined table/column/function/schema
LOST_STATES = {"57P01", "57P02", "57P03", "08000", "08003", "08006"}  # shut down, link broken
# what libpq and psycopg say when a connection that was working goes away (no SQLSTATE then)
LOST_WORDS = ("closed the connection", "terminating connection", "connection is lost",
              "connection was lost", "connection already closed", "consuming input failed")


def database_error(error: sa_exc.SQLAlchemyError) -> TrackerError:
    """One sentence for a database failure the command did not expect."""
    from geo.db.engine import constraint_error  # the engine module knows constraint names

    state = str(getattr(getattr(error, "orig", None), "sqlstate", "") or "")
    reason = _reason(error)
    if state in SCHEMA_STATES:
        return DatabaseError(f"the database does not have the tracker's tables or is at an older "
                             f"schema ({reason}); run 'tracker db migrate' and try again.")
    if isinstance(error, sa_exc.IntegrityError):
        return constraint_error(error) or ValidationError(
            f"the database refused the data ({reason}); correct it and try again.")
    if state == "53100":
        return DatabaseError(f"the database server's disk is full ({reason}); free space on "
                             "the server and try again; the unfinished change was rolled back.")
    if state == "42501":
        return DatabaseError(f"the database user may not do this ({reason}); ask the database "
                             "administrator for the right or use another TRACKER_DATABASE_URL.")
    if state in LOST_STATES or any(words in reason for words in LOST_WORDS):
        return DatabaseError(f"the connection to the database was lost ({reason}); the "
                             "unfinished change was rolled back; check the server with "
                             "'tracker db status' and run the command again.")
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return DatabaseError(f"cannot reach the database ({reason}); start the private server "
                             "with 'tracker db up' or check TRACKER_DATABASE_URL.")
    return DatabaseError(f"the database refused the operation ({reason}); nothing was changed.")


def explain(error: BaseException) -> TrackerError:
    """``error`` as a TrackerError: its own sentence, a mapped one, or "unexpected" (a bug)."""
    if isinstance(error, TrackerError):
        return error
    if isinstance(error, OSError):
        return os_error(error)
    if isinstance(error, sa_exc.SQLAlchemyError):
        return database_error(error)
    if isinstance(error, CommandError):
        return ValidationError(f"the migration tool refused: {_reason(error)}; see "
                               "'tracker db status' for the current schema.")
    if isinstance(error, MemoryError):
        return StorageError("not enough memory for this command; close other programs or "
                            "narrow it with filters (--layer, --township), then try again.")
    return UnexpectedError(f"unexpected error ({type(error).__name__}: {_reason(error)}); this "
                           "is a bug — run it again with TRACKER_DEV=1 to see the details and "
                           "report them.")
