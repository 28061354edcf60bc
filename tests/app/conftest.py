"""Shared by the app tests: an AppTest session of the scenario database, signed in as its
county administrator through the real form."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers.app import APP, Credentials, sign_in


@pytest.fixture
def admin_app(app_database_url: str, app_admin: Credentials,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("TRACKER_DATABASE_URL", app_database_url)
    monkeypatch.setenv("TRACKER_USER", "apptest")
    monkeypatch.delenv("TRACKER_DEV", raising=False)
    yield sign_in(AppTest.from_file(APP, default_timeout=60), app_admin)
