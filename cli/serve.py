"""``tracker serve [--port N] [--address A]`` — the app, as ``streamlit run app.py`` would serve it, but
with Streamlit's old ``pages/`` directory convention off from the first session on.

Streamlit decides at its first session whether the app uses that convention, by whether a
``pages/`` folder lies beside the script — ours does (the UI modules). Until app.py's own
``st.navigation`` has run once, it lists every file in ``pages/`` as a page: the first visitor of a
fresh server who opens a bookmarked address (``/repairs``) gets "Page not found" over an inert
sign-in form, and ``/export_page`` would run that module without app.py (the pages refuse to run
signed out, but the visitor sees an error). The navigation is app.py's alone, so the flag is off
before the server starts.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = sub.add_parser("serve", help="serve the app (what make run does last)")
    serve.add_argument("--port", type=int, help="port (default: .streamlit/config.toml's, 8501)")
    serve.add_argument("--address", help="address to listen on (default: 127.0.0.1; see the "
                                         "README on intranet serving before changing it)")
    serve.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli as streamlit_cli

    PagesManager.uses_pages_directory = False  # the app's navigation is st.navigation's only
    os.chdir(APP.parent)  # Streamlit reads .streamlit/config.toml (static files, GC) from here
    options = [*(["--server.port", str(args.port)] if args.port else []),
               *(["--server.address", args.address] if args.address else [])]
    sys.argv = ["streamlit", "run", str(APP), *options]
    return int(streamlit_cli.main(standalone_mode=False) or 0)
