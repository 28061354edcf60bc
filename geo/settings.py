"""Typed settings, read from the environment once per call (cheap; no global state to reset in tests).

| variable                | meaning                                                          |
|-------------------------|------------------------------------------------------------------|
| TRACKER_DATABASE_URL    | PostgreSQL/PostGIS URL; unset → the private cluster              |
| TRACKER_HOME            | where the private cluster lives (outside the repo)               |
| TRACKER_PG_BINDIR       | PostgreSQL binaries (default: newest /usr/lib/postgresql/*/bin)  |
| TRACKER_PG_USER         | unprivileged user that runs the private server when run as root  |
| TRACKER_BASEMAP         | none / osm / tianditu (map background)                           |
| TRACKER_TIANDITU_KEY    | Tianditu ``tk`` key, needed for the tianditu basemap              |
| TRACKER_USER            | the account the command line acts as (default: the login name)  |
| TRACKER_DEV             | 1 → show full error details in the app (development only)        |
| TRACKER_SESSION_IDLE_MINUTES | app sessions end after this many idle minutes (default 30)  |
| TRACKER_SESSION_HOURS   | app sessions end this many hours after sign-in (default 12)      |
| TRACKER_CACHE_SECONDS   | how long the app keeps the ranked queue (default 60)             |
| TRACKER_IMPORT_MAX_MB   | largest file ``tracker import`` and the import page accept (200)  |
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

from geo.errors import ConfigError

BASEMAPS = ("none", "osm", "tianditu")
DEFAULT_IMPORT_MAX_MB = 200  # the app's upload limit (.streamlit/config.toml maxUploadSize)


def _default_home() -> Path:
    if os.geteuid() == 0:
        # /root is not traversable by the unprivileged user who must run PostgreSQL.
        return Path("/var/lib/flood-tracker")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "flood-tracker"


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    home: Path
    pg_bindir: Path | None
    pg_user: str
    basemap: str
    tianditu_key: str | None
    user: str
    dev: bool
    session_idle_minutes: int = 30
    session_hours: int = 12
    cache_seconds: float = 60.0
    import_max_mb: int = DEFAULT_IMPORT_MAX_MB

    @property
    def cluster_dir(self) -> Path:
        return self.home / "pg"


def get_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    basemap = env.get("TRACKER_BASEMAP", "none").strip().lower() or "none"
    if basemap not in BASEMAPS:
        raise ConfigError(
            f"TRACKER_BASEMAP={basemap!r} is not known; set it to one of {', '.join(BASEMAPS)}."
        )
    bindir = env.get("TRACKER_PG_BINDIR")
    return Settings(
        database_url=env.get("TRACKER_DATABASE_URL") or None,
        home=Path(env["TRACKER_HOME"]) if env.get("TRACKER_HOME") else _default_home(),
        pg_bindir=Path(bindir) if bindir else None,
        pg_user=env.get("TRACKER_PG_USER", "postgres"),
        basemap=basemap,
        tianditu_key=env.get("TRACKER_TIANDITU_KEY") or None,
        user=env.get("TRACKER_USER") or _login(),
        dev=env.get("TRACKER_DEV", "") in ("1", "true", "yes"),
        session_idle_minutes=_positive(env, "TRACKER_SESSION_IDLE_MINUTES", 30),
        session_hours=_positive(env, "TRACKER_SESSION_HOURS", 12),
        cache_seconds=_seconds(env.get("TRACKER_CACHE_SECONDS", "60")),
        import_max_mb=_positive(env, "TRACKER_IMPORT_MAX_MB", DEFAULT_IMPORT_MAX_MB),
    )


def _positive(env: dict[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"{name}={text!r} is not a positive whole number; set it to e.g. {default}.")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 1 <= value <= 86400:
        raise ConfigError(f"TRACKER_CACHE_SECONDS={text!r} is not a number of seconds from 1 to "
                          "86400; set it to e.g. 60.")
    return value


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
