"""Load test: N real Streamlit sessions against a local app, each re-running pages for a while.

Every session speaks Streamlit's own protocol over a websocket to ``/_stcore/stream`` (subprotocol
``streamlit``): it sends a ``BackMsg`` with ``rerun_script`` for a page and reads ``ForwardMsg``
until ``script_finished``, as a browser tab does, then waits 1–3 s (an official clicking briskly)
and runs another page. The run is bounded in time and count and talks to 127.0.0.1 only.

    python -m benchmarks.loadtest --sessions 20 --seconds 60          # demo county, throwaway DB
    python -m benchmarks.loadtest --url http://127.0.0.1:8501 ...     # an app you started yourself

Prints per-page-run p50/p95/max, errors and the server's peak RSS; ``main()`` returns the same
figures for ``make bench`` (``bench_load`` wraps it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin, Subprotocol

from geo.demo import generate
from geo.demo import load as load_demo
from geo.testing.browser import ROOT, streamlit_server
from geo.testing.databases import temporary_database
from layers.accounts import bootstrap_admin

PAGES = ("map", "repairs", "progress", "households", "export")
MAX_RUNS_PER_SESSION = 500  # a hard bound besides the time limit
RUN_TIMEOUT_S = 120.0


@dataclass
class Outcome:
    """What one session saw: seconds per page run, and errors (exceptions shown, timeouts)."""

    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Session:
    """One browser tab's worth of protocol: connect, learn the pages, rerun them."""

    def __init__(self, base: str) -> None:
        if not base.startswith(("http://127.", "http://localhost")):
            raise ValueError(f"load tests run against this machine only, not {base}")
        ws_url = base.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
        # legacy=True: a plain connection object we close ourselves (the session outlives a with)
        self.ws: ClientConnection = connect(ws_url, subprotocols=[Subprotocol("streamlit")],
                                            origin=Origin(base), open_timeout=30, max_size=None,
                                            legacy=True)
        self.pages: dict[str, str] = {}  # url path → page script hash
        self.widgets: list[str] = []  # ids of the widgets the last run drew (keyed: end with key)

    def run(self, page: str = "", widgets: bytes | None = None) -> tuple[float, list[str]]:
        """Rerun ``page`` (url path; "" = the default) and wait until the script finished."""
        msg = BackMsg()
        msg.rerun_script.page_name = page
        msg.rerun_script.page_script_hash = self.pages.get(page, "")
        if widgets is not None:
            msg.rerun_script.widget_states.ParseFromString(widgets)
        started = time.perf_counter()
        self.widgets = []
        self.ws.send(msg.SerializeToString())
        errors = self._until_finished(started + RUN_TIMEOUT_S)
        return time.perf_counter() - started, errors

    def _until_finished(self, deadline: float) -> list[str]:
        errors: list[str] = []
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return [*errors, "timeout"]
            fwd = ForwardMsg()
            fwd.ParseFromString(self.ws.recv(timeout=left))  # type: ignore[arg-type]
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.pages = {p.url_pathname: p.page_script_hash for p in fwd.new_session.app_pages}
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                drawn = element.WhichOneof("type")
                if drawn == "exception":
                    errors.append(element.exception.message[:200])
                elif drawn in ("text_input", "button"):
                    self.widgets.append(getattr(element, drawn).id)
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    self.widgets = []  # st.rerun(): the run goes on with a fresh script
                    continue
                return errors

    def widget(self, key: str) -> str:
        found = [w for w in self.widgets if w.endswith(key)]
        if not found:
            raise RuntimeError(f"the page drew no widget keyed {key!r}")
        return found[0]

    def close(self) -> None:
        self.ws.close()


def signer(username: str, password: str) -> Callable[[Session], None]:
    """A ``prepare`` hook: fill and submit the sign-in form the first run drew (every page is
    behind it since accounts exist), as a browser would; fails if the form comes back."""
    def sign_in(session: Session) -> None:
        states = WidgetStates()
        for key, value in (("login_user", username), ("login_password", password)):
            state = states.widgets.add()
            state.id, state.string_value = session.widget(key), value
        submit = states.widgets.add()
        submit.id, submit.trigger_value = session.widget("login_submit"), True
        _, errors = session.run("", states.SerializeToString())
        if errors or any(w.endswith("login_user") for w in session.widgets):
            raise RuntimeError(f"sign-in refused: {errors[:1]}")

    return sign_in


def _session_loop(base: str, until: float, seed: int, outcome: Outcome,
                  prepare: Callable[[Session], None] | None) -> None:
    rng = random.Random(seed)
    try:
        session = Session(base)
    except Exception as error:  # a refused connection is a result of the test, not a crash
        outcome.errors.append(f"connect: {error}")
        return
    try:
        session.run()  # first load: the default page, learns the page hashes
        if prepare is not None:
            prepare(session)
        for _ in range(MAX_RUNS_PER_SESSION):
            if time.monotonic() >= until:
                break
            seconds, errors = session.run(rng.choice(PAGES))
            if any(w.endswith("login_user") for w in session.widgets):
                errors = [*errors, "the page showed the sign-in form, not the page"]
            outcome.seconds.append(seconds)
            outcome.errors += errors
            time.sleep(rng.uniform(1.0, 3.0))
    except Exception as error:
        outcome.errors.append(f"{type(error).__name__}: {error}")
    finally:
        session.close()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process so far (/proc/PID/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_per_page(base: str, server_pid: int, prepare: Callable[[Session], None] | None,
                 runs: int = 8) -> dict[str, float]:
    """The server's CPU seconds per warm run of each page, one session alone: what bounds how
    many runs a second the server manages (each session's script runs under the one GIL), and a
    figure a busy shared machine disturbs much less than the wall-clock times."""
    session = Session(base)
    try:
        session.run()
        if prepare is not None:
            prepare(session)
        figures: dict[str, float] = {}
        for page in (*PAGES, "ledger"):
            for _ in range(2):  # warm: the page's shared data is cached
                session.run(page)
            started = _cpu_seconds(server_pid)
            for _ in range(runs):
                session.run(page)
            figures[page] = round((_cpu_seconds(server_pid) - started) / runs, 3)
        return figures
    finally:
        session.close()


def _all_pids(pid: int) -> list[int]:
    """The server and its children (Streamlit runs in one process; be safe all the same)."""
    kids = Path(f"/proc/{pid}/task/{pid}/children")
    found = [pid]
    if kids.exists():
        for child in kids.read_text().split():
            found += _all_pids(int(child))
    return found


def load(base: str, sessions: int, seconds: float, server_pid: int | None = None,
         prepare: Callable[[Session], None] | None = None) -> dict[str, object]:
    """Run ``sessions`` sessions for ``seconds`` against ``base``; the figures."""
    until = time.monotonic() + seconds
    outcomes = [Outcome() for _ in range(sessions)]
    threads = [threading.Thread(target=_session_loop, args=(base, until, i, o, prepare), daemon=True)
               for i, o in enumerate(outcomes)]
    peak = 0.0
    for thread in threads:
        thread.start()
        time.sleep(0.05)  # tabs open over a moment, not in one instant
    while any(t.is_alive() for t in threads):
        if server_pid:
            peak = max(peak, sum(_rss_mb(p) for p in _all_pids(server_pid)))
        time.sleep(0.5)
    runs = sorted(s for o in outcomes for s in o.seconds)
    errors = [e for o in outcomes for e in o.errors]
    return {
        "sessions": sessions, "seconds": seconds, "page_runs": len(runs),
        "p50_s": round(statistics.median(runs), 3) if runs else None,
        "p95_s": round(runs[math.ceil(0.95 * len(runs)) - 1], 3) if runs else None,  # nearest rank
        "max_s": round(runs[-1], 3) if runs else None,
        "errors": len(errors), "first_errors": errors[:3],
        "server_rss_peak_mb": round(peak, 1) if server_pid else None,
    }


@contextmanager
def demo_app() -> Iterator[tuple[str, int, Callable[[Session], None]]]:
    """The app on the demo county in a throwaway database with a throwaway county administrator:
    (base URL, server pid, the sign-in hook)."""
    with temporary_database() as engine:
        with engine.begin() as conn:
            load_demo(conn, generate(), progress=False)
            made = bootstrap_admin(conn, "loadtest-admin", None, by="loadtest")
        assert made is not None, "a fresh database has no accounts"
        url = engine.url.render_as_string(hide_password=False)
        with streamlit_server(url, ROOT / "build" / "loadtest-streamlit.log", "loadtest") as base:
            yield base, _server_pid(base), signer(made[0].username, made[1])


def _server_pid(base: str) -> int:
    port = base.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in cmd and port.encode() in cmd:  # tracker serve (geo.testing.browser)
                return int(proc.name)
    return 0


def main(sessions: int = 20, seconds: float = 60.0) -> dict[str, object]:
    with demo_app() as (base, pid, sign_in):
        load(base, 2, 10.0, pid, sign_in)  # warm-up: imports, the first ranking, caches
        return load(base, sessions, seconds, pid, sign_in)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--url", help="a running app on this machine (default: start the demo)")
    parser.add_argument("--user", help="with --url: the account the sessions sign in as")
    parser.add_argument("--password", help="with --url: its password")
    args = parser.parse_args()
    if args.url:
        hook = signer(args.user, args.password) if args.user else None
        print(json.dumps(load(args.url, args.sessions, args.seconds, prepare=hook), indent=2))
    else:
        print(json.dumps(main(args.sessions, args.seconds), indent=2))
