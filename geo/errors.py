"""The tracker's small error hierarchy.

Every error a user can cause carries one sentence that says what was wrong and what to do;
the CLI and the app print that sentence, never a traceback. Failures from below the tracker (the
operating system, the database, Alembic) are turned into these by ``geo.faults.explain``.
Exit codes: 2 for what the user can correct, 74 for files and folders, 70 for a bug.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base class: ``str(error)`` is the one sentence shown to the user."""

    exit_code = 2


class ConfigError(TrackerError):
    """Bad configuration (environment variable, rules file, settings)."""


class DatabaseError(TrackerError):
    """The database cannot be reached or is not fit for the tracker."""


class ClusterError(DatabaseError):
    """The private PostGIS cluster cannot be created, started or stopped."""


class ValidationError(TrackerError):
    """Data that breaks a rule of its layer (vocabulary, geometry, range)."""


class UnknownChoiceError(ValidationError):
    """A value outside a fixed list of choices; the message lists the valid ones."""

    def __init__(self, what: str, value: object, choices: list[str]) -> None:
        self.what, self.value, self.choices = what, value, choices
        super().__init__(f"unknown {what} {value!r}; valid choices: {', '.join(choices)}")


class StaleEditError(TrackerError):
    """Optimistic locking: someone else changed the record since it was read."""


class NotFoundError(TrackerError):
    """A record, layer or file that does not exist."""


class DataExistsError(TrackerError):
    """Refused to load data over existing data."""


class AccessDeniedError(TrackerError):
    """The signed-in account's role or scope does not allow this; nothing was changed or shown."""

    exit_code = 3


class SignInError(TrackerError):
    """A sign-in that failed: wrong name or password, a disabled account, or too many attempts."""

    exit_code = 3


class WorkflowError(ValidationError):
    """A status change the workflow does not allow (see data/status_workflow.toml)."""
class StorageError(TrackerError):
    """A file or folder cannot be read or written: full disk, no permission, a bad path."""

    exit_code = 74  # EX_IOERR (sysexits.h)


class ConfirmationError(TrackerError):
    """A destructive action was not confirmed (no --yes, and no terminal to ask on)."""


class UnexpectedError(TrackerError):
    """A failure nothing anticipated — a bug; the sentence says how to see the details."""

    exit_code = 70  # EX_SOFTWARE (sysexits.h)
