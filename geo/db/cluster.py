"""The tracker's private PostGIS cluster: zero configuration, Unix socket only, outside the repo.

PostgreSQL refuses to run as root, so as root the server runs as an unprivileged user
(TRACKER_PG_USER, default ``postgres``); as a normal user it runs as that user. The server
listens on no TCP port (``listen_addresses=''``) but on a socket in its own directory, so it
never conflicts with another PostgreSQL on the machine.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from geo.errors import ClusterError
from geo.settings import Settings, get_settings

DB_NAME = "tracker"
DB_USER = "tracker"
PG_ROOT = Path("/usr/lib/postgresql")


def find_bindir(explicit: Path | None = None) -> Path:
    """The PostgreSQL server binaries: TRACKER_PG_BINDIR, else the newest Debian install."""
    candidates = [explicit] if explicit else _debian_bindirs()
    for bindir in candidates:
        if bindir and (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    on_path = shutil.which("pg_ctl")
    if not explicit and on_path and shutil.which("initdb"):
        return Path(on_path).parent
    raise ClusterError(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found; install them with "
        "'sudo apt-get install -y postgresql postgis' (or run 'make install'), "
        "or set TRACKER_PG_BINDIR to their folder."
    )


def _debian_bindirs() -> list[Path]:
    if not PG_ROOT.is_dir():
        return []
    versions = sorted(
        (p for p in PG_ROOT.iterdir() if re.fullmatch(r"\d+", p.name)),
        key=lambda p: int(p.name),
        reverse=True,
    )
    return [v / "bin" for v in versions]


@dataclass(frozen=True)
class Cluster:
    home: Path  # e.g. /var/lib/flood-tracker/pg
    bindir: Path
    run_as: str | None  # the unprivileged user when we are root

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Cluster:
        settings = settings or get_settings()
        run_as = settings.pg_user if os.geteuid() == 0 else None
        return cls(settings.cluster_dir, find_bindir(settings.pg_bindir), run_as)

    @property
    def datadir(self) -> Path:
        return self.home / "data"

    @property
    def sockdir(self) -> Path:
        return self.home / "run"

    @property
    def logfile(self) -> Path:
        return self.home / "server.log"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{DB_USER}@/{DB_NAME}?host={self.sockdir}"

    def admin_url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://{DB_USER}@/{dbname}?host={self.sockdir}"

    # --- state -----------------------------------------------------------------------------
    def initialised(self) -> bool:
        return (self.datadir / "PG_VERSION").is_file()

    def running(self) -> bool:
        if not self.initialised():
            return False
        return self._pg_ctl("status", check=False).returncode == 0

    # --- lifecycle -------------------------------------------------------------------------
    def init(self) -> None:
        """Create the data directory (once) with trust auth over the private socket only."""
        if self.initialised():
            return
        self._prepare_dirs()
        result = self._run(
            [str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", DB_USER,
             "--auth=trust", "--encoding=UTF8", "--no-locale"],
        )
        if result.returncode != 0:
            raise ClusterError(f"initdb failed: {_last_line(result.stderr)}")
        with (self.datadir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                "\n# flood-tracker private cluster\n"
                "listen_addresses = ''\n"
                f"unix_socket_directories = '{self.sockdir}'\n"
                "shared_buffers = 256MB\n"
                "max_connections = 50\n"
                "fsync = on\n"
            )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self.init()
        self._prepare_dirs()
        result = self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.logfile), check=False)
        if result.returncode != 0:
            raise ClusterError(
                f"the private PostgreSQL server did not start; see its log {self.logfile} "
                f"({_last_line(self._log_tail())})."
            )

    def stop(self) -> None:
        result = self._pg_ctl("stop", "-w", "-m", "fast", check=False)
        if result.returncode != 0 and self.running():
            raise ClusterError(f"the private PostgreSQL server did not stop: {_last_line(result.stderr)}")

    # --- helpers ---------------------------------------------------------------------------
    def _prepare_dirs(self) -> None:
        for path in (self.home, self.sockdir):
            try:
                path.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as error:  # e.g. TRACKER_HOME names a file
                raise ClusterError(
                    f"cannot create the private server's folder {str(path)!r} "
                    f"({error.strerror or error}); set TRACKER_HOME to a folder you may write "
                    "to (it is created when missing).") from None
        if self.run_as:
            entry = _user(self.run_as)
            for path in (self.home, self.sockdir, *self._existing(self.datadir, self.logfile)):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            _ensure_traversable(self.home, entry)

    @staticmethod
    def _existing(*paths: Path) -> list[Path]:
        return [p for p in paths if p.exists()]

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = self._run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), *args])
        if check and result.returncode != 0:
            raise ClusterError(f"pg_ctl {args[0]} failed: {_last_line(result.stderr)}")
        return result

    def _run(self, cmd: list[str]) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, object] = {}
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        if self.run_as:
            entry = _user(self.run_as)
            kwargs = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
            env["HOME"] = entry.pw_dir
        return subprocess.run(
            cmd, capture_output=True, text=True, cwd=str(self.home), env=env,
            **kwargs,  # type: ignore[call-overload]
        )

    def _log_tail(self) -> str:
        try:
            return self.logfile.read_text(encoding="utf-8", errors="replace")[-2000:]
        except OSError:
            return ""


def _user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise ClusterError(
            f"running as root, the private server must run as an unprivileged user, but user "
            f"{name!r} does not exist; create it ('useradd -r {name}') or set TRACKER_PG_USER."
        ) from None


def _ensure_traversable(home: Path, entry: pwd.struct_passwd) -> None:
    """The server user must be able to reach its data directory through every parent."""
    for parent in home.parents:
        try:
            mode = parent.stat().st_mode
        except OSError:
            continue
        if not mode & 0o001 and parent.stat().st_uid != entry.pw_uid:
            raise ClusterError(
                f"user {entry.pw_name!r} cannot reach {home} because {parent} is closed to others; "
                "set TRACKER_HOME to a folder under /var/lib or /tmp."
            )


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"
