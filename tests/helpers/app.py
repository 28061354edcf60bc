"""A committed, throwaway database for the app tests (AppTest and the browser), and its accounts.

The app reads TRACKER_DATABASE_URL in its own connections, so the data must be committed: the
database is created from the migrated template, loaded with a small scenario, and dropped at the
end of the session. The scenario: two townships, every layer, assets in several repair states,
and households whose names hold HTML (it must show as text). Accounts are made by the fixtures
with random names and passwords (:func:`make_account`); nothing is built into the app.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.testing import databases
from layers import REGISTRY, accounts
from layers.overrides import RankOverride
from tests.helpers.samples import TOWNSHIP, VILLAGE, sample_rows, square, wkt

APP = str(Path(__file__).resolve().parents[2] / "app.py")  # the Streamlit entry script
TOWNSHIP2 = "411121100"  # 舞泉镇
VILLAGE2 = "411121100201"
XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_ROAD = "<script>alert('路')</script>&桥"
ID_NUMBER = "41112119800101123X"
KEY_ROAD = "X012-001"  # the sample bridge, marked 重点 by the county office


def scenario_rows() -> dict[str, list[dict[str, Any]]]:
    """Rows per layer: the shared samples plus a second township and more states."""
    base = sample_rows()
    rows: dict[str, list[dict[str, Any]]] = {name: [row] for name, row in base.items()}
    rows["townships"].append({"code": TOWNSHIP2, "name": "舞泉镇", "kind": "zhen",
                              "seat_lon": 113.61, "seat_lat": 33.44,
                              "geom": wkt(square(113.5, 33.4, 0.1))})
    rows["villages"].append({"code": VILLAGE2, "name": "东关村", "township_code": TOWNSHIP2,
                             "population": 900, "households": 260, "severely_hit": False,
                             "centre": wkt("POINT(113.55 33.45)"),
                             "geom": wkt(square(113.52, 33.42, 0.06))})
    road = dict(base["roads"])
    more_roads = [
        {**road, "code": "X020-001", "name": XSS_ROAD, "township_code": TOWNSHIP2,
         "route_code": "X020", "structure": "road", "damage_type": "washout",
         "status": "repairing", "passable": "open",
         "geom": wkt("LINESTRING(113.53 33.43,113.57 33.47)")},
        {**road, "code": "X020-002", "name": "东关村道", "township_code": TOWNSHIP2,
         "route_code": "X020", "structure": "road", "damage_type": "silt", "status": "done",
         "passable": "open", "finished_on": dt.date(2021, 9, 1),
         "geom": wkt("LINESTRING(113.57 33.47,113.6 33.5)")},
        {**road, "code": "X020-003", "name": "舞泉镇连接线", "township_code": TOWNSHIP2,
         "route_code": "X020", "structure": "road", "damage_type": None, "status": None,
         "severity": None, "passable": "open", "deadline": None,
         "geom": wkt("LINESTRING(113.6 33.5,113.64 33.59)")},
    ]
    rows["roads"].extend(more_roads)
    rows["schools"].append({**base["schools"], "code": "S-002", "name": "东关小学",
                            "township_code": TOWNSHIP2, "villages_served": [VILLAGE2],
                            "status": "accepted", "geom": wkt("POINT(113.55 33.451)")})
    hh = base["households"]
    rows["households"].extend([
        {**hh, "code": "H-002", "head_name": XSS_NAME, "id_number": "411121199001011234",
         "phone": "13900000000", "category": "tuopin", "monitor_kind": None,
         "risk_housing": False, "risk_water": True, "house_grade": "B",
         "income_per_capita": 8800, "geom": wkt("POINT(113.656 33.606)")},
        {**hh, "code": "H-003", "head_name": "赵大山", "id_number": "411121197005051111",
         "phone": "13700000000", "category": "general", "monitor_kind": None,
         "risk_housing": False, "risk_water": False, "house_grade": "A",
         "village_code": VILLAGE2, "income_per_capita": 12000,
         "geom": wkt("POINT(113.55 33.452)")},
    ])
    return rows


def load_scenario(url: str) -> None:
    """The rows, and one decision of the county office: three households reach no 重点
    threshold of data/rank_rules.toml, so the office marks the bridge to 沙河湾村 重点 by hand."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    rows = scenario_rows()
    with Session(engine) as session:
        for layer in REGISTRY:
            for row in rows.get(layer.name, []):
                session.add(layer.model(**row))
            session.flush()
        bridge = session.execute(sa.select(REGISTRY.get("roads").table.c.id)
                                 .where(REGISTRY.get("roads").table.c.code == KEY_ROAD)).scalar_one()
        session.add(RankOverride(layer="roads", asset_id=bridge, importance="重点",
                                 reason="沙河湾村唯一进出桥梁", set_by="县防返贫办"))
        session.commit()
    engine.dispose()


@pytest.fixture(scope="session")
def app_database_url(pg_admin_url: str) -> Iterator[str]:
    """URL of a migrated throwaway database holding the scenario (committed), for the app."""
    url = databases.create_database(pg_admin_url)
    load_scenario(url)
    yield url
    databases.drop_database(pg_admin_url, url)


def feature_id(url: str, layer: str, code: str) -> int:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    table = REGISTRY.get(layer).table
    with engine.connect() as conn:
        value = conn.execute(sa.select(table.c.id).where(table.c.code == code)).scalar_one()
    engine.dispose()
    return int(value)


def feature_state(url: str, layer: str, feature: int) -> tuple[str | None, int]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    table = REGISTRY.get(layer).table
    with engine.connect() as conn:
        row = conn.execute(sa.select(table.c.status, table.c.version)
                           .where(table.c.id == feature)).one()
    engine.dispose()
    return row.status, int(row.version)


@dataclass(frozen=True)
class Credentials:
    name: str
    password: str

    def pair(self) -> tuple[str, str]:
        return self.name, self.password


def make_account(url: str, role: str, *, department: str | None = None,
                 township: str | None = None, prefix: str = "") -> Credentials:
    """A committed account with a random name and password, made the way `tracker user add` does."""
    who = Credentials(f"{prefix or role}-{secrets.token_hex(4)}", secrets.token_urlsafe(16))
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        accounts.add_account(conn, who.name, role, password=who.password, by="test fixture",
                             department=department, township=township)
    engine.dispose()
    return who


@pytest.fixture(scope="session")
def app_admin(app_database_url: str) -> Credentials:
    """A county administrator of the app test database."""
    return make_account(app_database_url, "admin")


def sign_in(at: Any, who: Credentials) -> Any:
    """Sign an AppTest session in through the real form (as a person would)."""
    at.run()
    at.text_input(key="login_user").input(who.name)
    at.text_input(key="login_password").input(who.password)
    at.button(key="login_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["signed_in"].username == who.name, [e.value for e in at.error]
    return at.run()  # the signed-in page's own widgets, as a person sees them next


def save_status(at: Any, fid: str, status: str) -> Any:
    """Open feature ``fid`` ("layer:id") in the detail panel, choose ``status`` and save it, as a
    person would; the save raised nothing."""
    at.session_state["selected"] = fid
    at.run()
    at.selectbox(key=f"new_status_{fid}").set_value(status).run()
    at.button(key="save_status").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


__all__ = ["APP", "TOWNSHIP", "VILLAGE", "Credentials", "app_admin", "app_database_url", "feature_id",
           "feature_state", "make_account", "save_status", "sign_in"]
