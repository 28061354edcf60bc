"""When failed sign-ins must wait (a pure policy; no clock, no sleeping)."""

from __future__ import annotations

import datetime as dt

from geo.auth.throttle import Throttle, minutes_text

NOW = dt.datetime(2021, 9, 15, 10, 0, tzinfo=dt.UTC)


def failures(*seconds_ago: int) -> list[dt.datetime]:
    return [NOW - dt.timedelta(seconds=s) for s in seconds_ago]


def test_a_few_failures_cost_nothing() -> None:
    policy = Throttle(free_failures=5)
    assert policy.wait(failures(50, 40, 30, 20), NOW) == dt.timedelta(0)


def test_the_wait_doubles_per_failure_beyond_the_free_ones_up_to_a_cap() -> None:
    policy = Throttle(free_failures=3, base_delay=dt.timedelta(seconds=30),
                      max_delay=dt.timedelta(minutes=5))
    assert policy.wait(failures(3, 2, 1), NOW) == dt.timedelta(seconds=29)
    assert policy.wait(failures(4, 3, 2, 1), NOW) == dt.timedelta(seconds=59)
    assert policy.wait(failures(*range(1, 30)), NOW) == dt.timedelta(minutes=5, seconds=-1)


def test_old_failures_fall_out_of_the_window() -> None:
    policy = Throttle(free_failures=2, window=dt.timedelta(minutes=15))
    assert policy.wait(failures(3600, 3500, 3400), NOW) == dt.timedelta(0)
    assert policy.wait(failures(3600, 3500, 10), NOW) == dt.timedelta(0)
    assert policy.wait(failures(30, 20, 10), NOW) > dt.timedelta(0)


def test_the_wait_is_said_in_whole_minutes() -> None:
    assert minutes_text(dt.timedelta(seconds=5)) == "1 minute"
    assert minutes_text(dt.timedelta(seconds=61)) == "2 minutes"
