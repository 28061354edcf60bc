"""When failed sign-ins must wait: a pure policy over the times of recent failures.

After ``free_failures`` failures within ``window``, each further attempt waits: the wait doubles
per extra failure from ``base_delay`` up to ``max_delay``. A success clears the record (the caller
counts failures since the last success). Pure and clock-free, so it is tested without sleeping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Throttle:
    free_failures: int = 5
    window: dt.timedelta = dt.timedelta(minutes=15)
    base_delay: dt.timedelta = dt.timedelta(seconds=30)
    max_delay: dt.timedelta = dt.timedelta(minutes=15)

    def wait(self, failures: Sequence[dt.datetime], now: dt.datetime) -> dt.timedelta:
        """How long the next attempt must still wait (zero: it may go ahead).

        ``failures``: times of failed attempts since the last success, any order.
        """
        recent = sorted(t for t in failures if now - t < self.window)
        extra = len(recent) - self.free_failures
        if extra < 0:
            return dt.timedelta(0)
        delay = min(self.base_delay * (2 ** min(extra, 20)), self.max_delay)
        remaining = recent[-1] + delay - now
        return max(remaining, dt.timedelta(0))


DEFAULT = Throttle()


def minutes_text(wait: dt.timedelta) -> str:
    """A wait in words for the one-sentence refusal (whole minutes, at least one)."""
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    return f"{minutes} minute" + ("s" if minutes != 1 else "")
