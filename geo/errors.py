"""The tracker's small error hierarchy.

Every error a user can cause carries one sentence that says what was wrong and what to do;
the CLI and the app print that sentence, never a traceback.
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
