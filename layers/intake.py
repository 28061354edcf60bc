"""应纳尽纳 — prompt inclusion (动态监测): a household found at risk after the flood is added with
its risk points, or a household's category changes (e.g. 一般农户 → 突发严重困难户), with the
reason and the date. Both go through the store (optimistic locking, history rows) in one
transaction, so the ranking (category and flags) and the ledger (its problems) see them at once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from geoalchemy2 import functions as gfn

from geo.crs import STORAGE_EPSG, gcj02_to_wgs84
from geo.db.engine import Bind, connection
from geo.errors import ValidationError
from layers import REGISTRY
from layers.history import record_change
from layers.ledger import HOUSEHOLDS, NewProblem, add_problem, check_may_act, household_place, past_or_today
from layers.ledger_rules import ledger_rules
from layers.places import village_codes
from layers.roles import Actor
from layers.store import lock_row, stale_error, update_locked
from layers.vocabularies import CATEGORY, FLOOD_DAMAGE, HOUSE_GRADE, MONITOR_KIND, PROBLEM_KIND


@dataclass(frozen=True)
class NewHousehold:
    """A household found at risk. ``risks``: problem kinds (codes or labels) to open at once, each
    with ``situation`` as its cause. No position: it stands at its village's centre until one is
    given (``gcj02``: the position was read from an AMap/Gaode map and is converted)."""

    village: str  # code or name
    head_name: str
    members: int
    category: str
    reason: str
    monitor_kind: str | None = None
    risks: tuple[str, ...] = ()
    situation: str | None = None
    on: dt.date | None = None
    lon: float | None = None
    lat: float | None = None
    gcj02: bool = False
    helper: str | None = None
    id_number: str | None = None
    phone: str | None = None
    flood_damage: str = "none"
    house_grade: str | None = None


def _category(category: str, monitor_kind: str | None) -> tuple[str, str | None]:
    code = CATEGORY.code(category)
    kind = MONITOR_KIND.code(monitor_kind) if monitor_kind else None
    if (code == "monitored") != (kind is not None):
        raise ValidationError("a 监测对象 needs its monitoring kind (脱贫不稳定户, 边缘易致贫户 or "
                              "突发严重困难户), and only a 监测对象 has one.")
    return code, kind


def _check_reason(reason: str) -> str:
    text = (reason or "").strip()
    if len(text) < ledger_rules().reason_min:
        raise ValidationError(f"say why (at least {ledger_rules().reason_min} characters): "
                              "what was found, by whom.")
    return text


def add_household(bind: Bind, actor: Actor, new: NewHousehold) -> int:
    """Add a household found at risk, open its risk points on the ledger; returns its id."""
    conn = connection(bind)
    village = _village(conn, new.village)
    check_may_act(actor, village.township_code)
    category, kind = _category(new.category, new.monitor_kind)
    reason = _check_reason(new.reason)
    on = past_or_today(new.on, "date of inclusion")
    if new.members < 1:
        raise ValidationError("a household has at least one member.")
    risks = [PROBLEM_KIND.code(r) for r in new.risks]
    if risks and not (new.situation or "").strip():
        raise ValidationError("describe the household's situation (the cause of its risk points).")
    geom, placed = _position(conn, village.code, new)
    table = HOUSEHOLDS.table
    values = {"code": _next_code(conn, village.code), "head_name": new.head_name.strip(),
              "members": int(new.members), "category": category, "monitor_kind": kind,
              "village_code": village.code, "helper": (new.helper or "").strip() or None,
              "id_number": (new.id_number or "").strip().upper() or None,
              "phone": (new.phone or "").strip() or None,
              "flood_damage": FLOOD_DAMAGE.code(new.flood_damage),
              "house_grade": HOUSE_GRADE.code(new.house_grade) if new.house_grade else None,
              "updated_by": actor.username, "geom": geom}
    if not values["head_name"]:
        raise ValidationError("give the head of household's name.")
    if values["id_number"] and not re.fullmatch(r"[0-9]{17}[0-9X]", str(values["id_number"])):
        raise ValidationError("the ID number has 18 characters: 17 digits and a digit or X.")
    household_id = int(conn.execute(sa.insert(table).values(**values).returning(table.c.id)).scalar_one())
    record_change(conn, HOUSEHOLDS.name, household_id, "category", None, category, actor.username,
                  note=f"应纳尽纳 included: {reason}{placed}", effective_on=on)
    for risk in risks:
        add_problem(conn, actor, NewProblem(household_id, risk, cause_note=new.situation, found_on=on))
    return household_id


def change_category(bind: Bind, actor: Actor, household_id: int, expected_version: int,
                    category: str, monitor_kind: str | None, reason: str,
                    on: dt.date | None = None) -> int:
    """A household's category (and monitoring kind) changes, with the reason and the day it was
    decided; returns the household's new version."""
    conn = connection(bind)
    place = household_place(conn, household_id)
    check_may_act(actor, place.township_code)
    row = lock_row(conn, HOUSEHOLDS, household_id)
    if row.version != expected_version:
        raise stale_error(HOUSEHOLDS, row, expected_version)
    code, kind = _category(category, monitor_kind)
    if (code, kind) == (row.category, row.monitor_kind):
        raise ValidationError(f"household {row.code} is {CATEGORY.label(code)} already; nothing to change.")
    why = _check_reason(reason)
    day = past_or_today(on, "date of the decision")
    return update_locked(conn, HOUSEHOLDS, household_id, expected_version, actor.username,
                         {"category": code, "monitor_kind": kind},
                         tracked=("category", "monitor_kind"), note=f"动态监测 {why}", effective_on=day)


def _village(conn: sa.Connection, text: str) -> sa.Row[tuple[str, str]]:
    villages = REGISTRY.get("villages").table
    code = village_codes(conn, [text])
    if len(code) != 1:
        raise ValidationError(f"{text!r} names several villages; give the village code.")
    return conn.execute(sa.select(villages.c.code, villages.c.township_code)
                        .where(villages.c.code == code[0])).one()


def _position(conn: sa.Connection, village: str, new: NewHousehold) -> tuple[object, str]:
    """The household's point (checked to lie in its village), or the village centre."""
    villages = REGISTRY.get("villages").table
    if new.lon is None or new.lat is None:
        centre = sa.func.coalesce(villages.c.centre, gfn.ST_PointOnSurface(villages.c.geom))
        point = conn.execute(sa.select(centre).where(villages.c.code == village)).scalar_one()
        return point, "（位置暂取村中心 placed at the village centre）"
    lon, lat = gcj02_to_wgs84(new.lon, new.lat) if new.gcj02 else (new.lon, new.lat)
    point = gfn.ST_SetSRID(gfn.ST_MakePoint(lon, lat), STORAGE_EPSG)
    inside = conn.execute(sa.select(gfn.ST_Intersects(villages.c.geom, point))
                          .where(villages.c.code == village)).scalar_one()
    if not inside:
        raise ValidationError(f"the position {lon:.6f}, {lat:.6f} lies outside the village; check "
                              "the coordinates (CGCS2000/WGS84 lon, lat, or tick GCJ-02 for AMap).")
    return point, ""


def _next_code(conn: sa.Connection, village: str) -> str:
    """The village code + the next four-digit serial; one intake per village at a time."""
    table = HOUSEHOLDS.table
    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(f"households:{village}"))))
    last = conn.execute(sa.select(sa.func.max(table.c.code)).where(
        table.c.village_code == village, table.c.code.op("~")(f"^{village}[0-9]{{4}}$"))).scalar()
    serial = int(str(last)[-4:]) + 1 if last else 1
    if serial > 9999:
        raise ValidationError(f"village {village} has 9999 household codes already; ask the county.")
    return f"{village}{serial:04d}"
