"""The 问题台账 page under AppTest against its own committed PostGIS database: the repair loop seen
from the page (a finished water plant leaves its problem 待核实; choosing the row and one click
closes it, and the progress page's 动态清零 count drops by one), the reporter cannot verify, a
household found at risk is taken in, and a scope that sees no names gets counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from layers import REGISTRY, ledger
from layers.accounts import get_account
from layers.ledger import NewProblem
from layers.workflow import change_status
from tests.helpers.app import APP, Credentials, load_scenario, make_account, sign_in

pytestmark = pytest.mark.postgis


@pytest.fixture(scope="module")
def ledger_db(pg_admin_url: str) -> Iterator[tuple[str, Credentials]]:
    """The app scenario plus a 饮水 problem of H-001 caused by the water plant W-001, which the
    water department then finishes (the loop moves the problem to 待核实, reported by them)."""
    from geo.testing import databases

    url = databases.create_database(pg_admin_url)
    load_scenario(url)
    water = make_account(url, "department", department="water", prefix="water")
    clerk = make_account(url, "township", township="411121102", prefix="clerk")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    hh, works = REGISTRY.get("households").table, REGISTRY.get("water_works").table
    with engine.begin() as conn:
        clerk_actor = _actor(conn, clerk)
        household = conn.execute(sa.select(hh.c.id).where(hh.c.code == "H-001")).scalar_one()
        ledger.add_problem(conn, clerk_actor, NewProblem(household, "water", causes=("W-001",),
                                                         found_on=dt.date(2021, 8, 1)))
        pid = ledger.add_problem(conn, clerk_actor, NewProblem(household, "food", cause_note="口粮被淹",
                                                               measure="临时救助", found_on=dt.date(2021, 8, 1)))
        ledger.mark_done(conn, clerk_actor, pid, 1, on=dt.date(2021, 8, 5))  # the clerk reported it
        plant = conn.execute(sa.select(works.c.id).where(works.c.code == "W-001")).scalar_one()
        for version, status in ((1, "repairing"), (2, "done")):
            change_status(conn, _actor(conn, water), "water_works", plant, status, version,
                          on=dt.date(2021, 9, 10))
    engine.dispose()
    yield url, clerk
    databases.drop_database(pg_admin_url, url)


def _actor(conn: sa.Connection, who: Credentials):  # type: ignore[no-untyped-def]
    account = get_account(conn, who.name)
    assert account is not None
    return account.actor


@pytest.fixture
def page(ledger_db: tuple[str, Credentials],
         monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AppTest, str]]:
    monkeypatch.setenv("TRACKER_DATABASE_URL", ledger_db[0])
    monkeypatch.delenv("TRACKER_DEV", raising=False)
    yield AppTest.from_file(APP, default_timeout=60), ledger_db[0]


def problem_state(url: str, kind: str) -> tuple[str, str | None]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    p = ledger.PROBLEMS_TABLE
    with engine.connect() as conn:
        row = conn.execute(sa.select(p.c.state, p.c.verified_by).where(p.c.kind == kind)).one()
    engine.dispose()
    return row.state, row.verified_by


def metric(at: AppTest, label: str) -> int:
    return next(int(m.value) for m in at.metric if m.label == label)


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error if "逾期" not in e.value]  # overdue deadlines: red on purpose
    assert not errors, errors


def open_row(at: AppTest, kind_label: str) -> None:
    """Choose the ledger row of this kind, as a click on the table does."""
    frame = at.dataframe[0].value
    position = frame.index[frame["问题类型"] == kind_label][0]
    at.session_state["lg_table"] = {"selection": {"rows": [int(position)], "columns": []}}
    at.run()


def test_verify_a_problem_the_repair_loop_left_to_verify(page: tuple[AppTest, str]) -> None:
    at, url = page
    admin = make_account(url, "admin", prefix="verifier")
    sign_in(at, admin)
    at.switch_page("pages/progress_page.py").run()
    no_errors(at)
    households_before = metric(at, "有三保障/饮水问题的户数")
    open_before = metric(at, "未销号")
    at.switch_page("pages/ledger_page.py").run()
    no_errors(at)
    assert problem_state(url, "water") == ("to_verify", None)
    open_row(at, "饮水安全")
    no_errors(at)
    assert at.button(key="lg_verify")  # the one click left
    at.button(key="lg_verify").click().run()
    no_errors(at)
    assert problem_state(url, "water") == ("closed", admin.name)
    assert any("已核实销号" in s.value for s in at.success)
    # the closed problem left the default list; the same household stays open, not another row's
    facts = dict(at.dataframe[1].value.itertuples(index=False, name=None))
    assert facts["编码"] == "H-001"
    at.switch_page("pages/progress_page.py").run()
    no_errors(at)
    assert metric(at, "未销号") == open_before - 1
    assert metric(at, "有三保障/饮水问题的户数") == households_before - 1


def test_the_one_who_reported_it_done_cannot_verify_it(page: tuple[AppTest, str],
                                                      ledger_db: tuple[str, Credentials]) -> None:
    at, url = page
    sign_in(at, ledger_db[1])  # the clerk who reported the food problem done
    at.switch_page("pages/ledger_page.py").run()
    open_row(at, "不愁吃")
    no_errors(at)
    assert "lg_verify" not in [b.key for b in at.button]
    assert any("须由他人核实" in c.value for c in at.caption)
    other = AppTest.from_file(APP, default_timeout=60)
    sign_in(other, make_account(url, "township", township="411121102", prefix="clerk2"))
    other.switch_page("pages/ledger_page.py").run()
    open_row(other, "不愁吃")
    no_errors(other)
    assert "lg_verify" in [b.key for b in other.button]  # another clerk of the township may


def test_a_household_found_at_risk_is_taken_in(page: tuple[AppTest, str]) -> None:
    at, url = page
    sign_in(at, make_account(url, "township", township="411121102", prefix="intake"))
    at.switch_page("pages/ledger_page.py").run()
    no_errors(at)
    at.text_input(key="lg_in_head").input("新纳入户")
    at.multiselect(key="lg_in_risks").set_value(["water"])
    at.text_input(key="lg_in_situation").input("水井被淹")
    at.text_input(key="lg_in_reason").input("村干部排查发现")
    at.button(key="FormSubmitter:lg_intake-纳入并登记问题").click().run()
    no_errors(at)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    hh = REGISTRY.get("households").table
    with engine.connect() as conn:
        row = conn.execute(sa.select(hh).where(hh.c.head_name == "新纳入户")).one()
        kinds = conn.execute(sa.select(ledger.PROBLEMS_TABLE.c.kind).where(
            ledger.PROBLEMS_TABLE.c.household_id == row.id)).scalars().all()
    engine.dispose()
    assert row.category == "monitored" and row.monitor_kind == "sudden" and row.risk_water
    assert kinds == ["water"]


def test_a_department_sees_counts_without_names(page: tuple[AppTest, str]) -> None:
    at, url = page
    sign_in(at, make_account(url, "department", department="health", prefix="health"))
    at.switch_page("pages/ledger_page.py").run()
    no_errors(at)
    frame = at.dataframe[0].value
    assert "户主" not in frame.columns and "未销号" in frame.columns
    assert int(frame["未销号"].sum()) >= 1
    assert "lg_in_head" not in [w.key for w in at.text_input]  # no intake either


def test_open_a_household_by_code_change_its_category_and_register_a_problem(
        page: tuple[AppTest, str]) -> None:
    at, url = page
    sign_in(at, make_account(url, "admin", prefix="monitor"))
    at.switch_page("pages/ledger_page.py").run()
    at.text_input(key="lg_open_code").input("H-003").run()  # 一般农户 in 舞泉镇, no problem yet
    no_errors(at)
    assert any("该户台账上没有问题" in c.value for c in at.caption)
    at.selectbox(key="lg_cat").set_value("monitored")
    at.selectbox(key="lg_cat_kind").set_value("sudden")
    at.text_input(key="lg_cat_reason").input("家中主要劳动力因灾受伤")
    at.button(key="FormSubmitter:lg_category_H-003-保存类别变更").click().run()
    no_errors(at)
    at.text_input(key="lg_open_code").input("H-003").run()
    at.selectbox(key="lg_add_kind").set_value("medical")
    at.text_input(key="lg_add_situation").input("因灾受伤需住院")
    at.selectbox(key="lg_add_measure").set_value("medical_aid")
    at.button(key="FormSubmitter:lg_add_H-003-登记问题").click().run()
    no_errors(at)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    hh = REGISTRY.get("households").table
    with engine.connect() as conn:
        row = conn.execute(sa.select(hh).where(hh.c.code == "H-003")).one()
        problem = conn.execute(sa.select(ledger.PROBLEMS_TABLE).where(
            ledger.PROBLEMS_TABLE.c.household_id == row.id)).one()
    engine.dispose()
    assert (row.category, row.monitor_kind, row.risk_medical) == ("monitored", "sudden", True)
    assert (problem.kind, problem.state, problem.measure) == ("medical", "in_progress", "medical_aid")
    # the second click of the two: report the measure done
    at.text_input(key="lg_open_code").input("H-003").run()
    at.text_input(key=f"lg_done_note_{problem.id}").input("已办理医疗救助")
    at.button(key="lg_mark_done").click().run()
    no_errors(at)
    assert any(f"问题 #{problem.id} 已保存" in s.value for s in at.success)
    with engine.connect() as conn:
        state = conn.execute(sa.select(ledger.PROBLEMS_TABLE.c.state).where(
            ledger.PROBLEMS_TABLE.c.id == problem.id)).scalar_one()
    engine.dispose()
    assert state == "to_verify"
