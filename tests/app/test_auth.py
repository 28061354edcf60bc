"""Signing in to the real app (AppTest, real PostGIS): nothing without an account, throttled
guessing, sessions that end, a disabled account refused on its next rerun, and roles that change
what each page offers. Every account is made here, with a random password."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from layers import accounts, audit
from tests.helpers.app import (
    APP,
    TOWNSHIP,
    Credentials,
    app_admin,
    app_database_url,
    feature_id,
    make_account,
    sign_in,
)

__all__ = ["app_admin", "app_database_url"]

pytestmark = pytest.mark.postgis


@pytest.fixture
def fresh_app(app_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("TRACKER_DATABASE_URL", app_database_url)
    monkeypatch.delenv("TRACKER_DEV", raising=False)
    yield AppTest.from_file(APP, default_timeout=60)


def engine_for(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def try_sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="login_user").input(name)
    at.text_input(key="login_password").input(password)
    return at.button(key="login_submit").click().run()


def test_nothing_is_shown_before_signing_in(fresh_app: AppTest) -> None:
    fresh_app.run()
    assert not fresh_app.exception
    assert fresh_app.text_input(key="login_password")
    assert not fresh_app.dataframe and not fresh_app.metric  # no data at all
    fresh_app.switch_page("pages/households_page.py").run()
    assert not fresh_app.dataframe and fresh_app.text_input(key="login_password")


def test_a_wrong_password_is_refused_and_guessing_is_throttled(fresh_app: AppTest,
                                                             app_database_url: str) -> None:
    who = make_account(app_database_url, "readonly", prefix="guessed")
    fresh_app.run()
    try_sign_in(fresh_app, who.name, who.password + "x")
    assert any("wrong account name or password" in e.value for e in fresh_app.error)
    assert "signed_in" not in fresh_app.session_state
    for i in range(5):
        try_sign_in(fresh_app, who.name, f"guess-number-{i}")
    try_sign_in(fresh_app, who.name, who.password)  # even the right one must wait now
    assert any("too many failed sign-ins" in e.value for e in fresh_app.error)
    assert "signed_in" not in fresh_app.session_state


def test_a_disabled_account_is_refused_on_its_next_rerun(fresh_app: AppTest,
                                                       app_database_url: str) -> None:
    who = make_account(app_database_url, "readonly", prefix="leaving")
    sign_in(fresh_app, who)
    assert fresh_app.metric  # the map page runs
    engine = engine_for(app_database_url)
    with engine.begin() as conn:
        accounts.set_disabled(conn, who.name, True, by="县级管理员")
    engine.dispose()
    fresh_app.run()  # the user's next action
    assert "signed_in" not in fresh_app.session_state
    assert not fresh_app.metric and fresh_app.text_input(key="login_password")
    assert any("disabled" in w.value for w in fresh_app.warning)


def test_an_idle_session_ends(fresh_app: AppTest, app_database_url: str) -> None:
    who = make_account(app_database_url, "readonly", prefix="idle")
    sign_in(fresh_app, who)
    session = fresh_app.session_state["signed_in"]
    fresh_app.session_state["signed_in"] = replace(
        session, last_seen=session.last_seen - dt.timedelta(hours=1))
    fresh_app.run()
    assert "signed_in" not in fresh_app.session_state
    assert any("session ended" in w.value for w in fresh_app.warning)


def test_a_township_account_works_on_its_township_only(fresh_app: AppTest, app_admin: Credentials,
                                                      app_database_url: str) -> None:
    admin = sign_in(AppTest.from_file(APP, default_timeout=60), app_admin)
    county_assets = next(int(m.value) for m in admin.metric if m.label == "设施（处）")
    who = make_account(app_database_url, "township", township=TOWNSHIP, prefix="bwd")
    at = sign_in(fresh_app, who)
    assert at.sidebar.multiselect(key="f_township").options == ["北舞渡镇"]
    mine = next(int(m.value) for m in at.metric if m.label == "设施（处）")
    assert 0 < mine < county_assets
    # an asset of the other township, asked for by reference, reads as missing
    at.session_state["selected"] = f"schools:{feature_id(app_database_url, 'schools', 'S-002')}"
    at.run()
    assert any("不存在或不在" in w.value for w in at.warning)
    assert not [b for b in at.button if b.key == "save_status"]


def test_a_department_cannot_edit_another_departments_asset(fresh_app: AppTest,
                                                           app_database_url: str) -> None:
    who = make_account(app_database_url, "department", department="education", prefix="jiaoyu")
    at = sign_in(fresh_app, who)
    clinic = feature_id(app_database_url, "clinics", "C-001")
    at.session_state["selected"] = f"clinics:{clinic}"
    at.run()
    assert not at.exception
    assert any("本账号不能修改此设施" in c.value for c in at.caption)
    assert not [b for b in at.button if b.key == "save_status"]
    at.switch_page("pages/households_page.py").run()
    at.checkbox(key="hh_only_risk").uncheck().run()
    frame = at.dataframe[0].value
    assert "户主" not in frame.columns and int(frame["农户（户）"].sum()) == 3


def test_unmasking_one_household_needs_a_reason_and_is_logged(fresh_app: AppTest,
                                                            app_database_url: str) -> None:
    who = make_account(app_database_url, "township", township=TOWNSHIP, prefix="unmask")
    at = sign_in(fresh_app, who)
    at.switch_page("pages/households_page.py").run()
    at.text_input(key="unmask_code").input("H-001")
    at.button(key="unmask_button").click().run()
    assert any("reason" in e.value for e in at.error)
    at.text_input(key="unmask_reason").input("核实低保申请").run()
    at.button(key="unmask_button").click().run()
    shown = at.dataframe[-1].value
    assert shown["身份证号"].tolist() == ["41112119800101123X"]
    engine = engine_for(app_database_url)
    with engine.connect() as conn:
        logged = [r for r in audit.unmasks(conn) if r["username"] == who.name]
    engine.dispose()
    assert len(logged) == 1 and logged[0]["reason"] == "核实低保申请"
    at.run()  # shown once: the next rerun does not keep it
    assert "41112119800101123X" not in str([d.value for d in at.dataframe])


def test_a_personal_export_must_be_confirmed(fresh_app: AppTest, app_admin: Credentials) -> None:
    at = sign_in(fresh_app, app_admin)
    at.switch_page("pages/export_page.py").run()
    at.checkbox(key="ex_personal").check().run()
    at.button(key="ex_prepare").click().run()
    assert any("确认" in e.value for e in at.error) and "export_file" not in at.session_state


def test_the_accounts_page_shows_a_new_password_once(fresh_app: AppTest, app_admin: Credentials,
                                                    app_database_url: str) -> None:
    at = sign_in(fresh_app, app_admin)
    at.switch_page("pages/accounts_page.py").run()
    assert not at.exception
    at.text_input(key="acc_name").input("ducha-two").run()
    at.selectbox(key="acc_role").set_value("readonly").run()
    at.button(key="acc_create").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = at.dataframe[-3].value if len(at.dataframe) >= 3 else None
    engine = engine_for(app_database_url)
    with engine.connect() as conn:
        made = accounts.get_account(conn, "ducha-two")
    engine.dispose()
    assert made is not None and made.role == "readonly"
    assert shown is not None and shown.iloc[0, 0] == "ducha-two" and len(shown.iloc[0, 1]) >= 16


def test_a_bulk_change_from_the_repair_list_reports_each_row(fresh_app: AppTest,
                                                            app_database_url: str) -> None:
    who = make_account(app_database_url, "admin", prefix="bulk")
    at = sign_in(fresh_app, who)
    at.switch_page("pages/repairs_page.py").run()
    rows = at.dataframe[0].value
    assert len(rows) >= 2
    at.session_state["repairs_table"] = {"selection": {"rows": [0, 1], "columns": []}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="bulk_status").set_value("repairing").run()
    at.text_input(key="bulk_note").input("统一开工").run()
    at.button(key="bulk_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    message = next(s.value for s in at.success if "已修改" in s.value)
    changed, refused = (int(n) for n in re.findall(r"\d+", message)[:2])
    assert changed + refused >= 1
    engine = engine_for(app_database_url)
    with engine.connect() as conn:
        mine = conn.execute(sa.text("SELECT count(*) FROM change_history WHERE changed_by = :u"),
                            {"u": who.name}).scalar_one()
    engine.dispose()
    assert mine == changed  # one history row per asset changed, none for a refused one
    if refused:
        assert "未修改的原因" in at.dataframe[-1].value.columns
