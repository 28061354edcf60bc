"""China Standard Time (UTC+8, no daylight saving): the time of every date users see.

The database stores ``timestamptz`` (UTC); the UI, exports, history and reports show Beijing time,
and "today" means today in China — not the server's zone, which may be UTC.
"""

from __future__ import annotations

import datetime as dt

CST = dt.timezone(dt.timedelta(hours=8), "CST")


def now() -> dt.datetime:
    """The current time in China Standard Time (aware)."""
    return dt.datetime.now(CST)


def today() -> dt.date:
    """Today's date in China (a server in UTC would be a day behind until 08:00)."""
    return now().date()


def in_cst(value: dt.datetime) -> dt.datetime:
    """An aware time shown in CST; a naive one is taken as UTC (as the database returns it)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(CST)


def text(value: dt.datetime | None) -> str:
    """``2021-09-15 14:03`` in CST, or an empty string."""
    return "" if value is None else in_cst(value).strftime("%Y-%m-%d %H:%M")
