"""Townships and villages by code or name: the lookups every filter resolves through."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from geo.db.engine import Bind, connection
from geo.errors import UnknownChoiceError, ValidationError
from layers import REGISTRY


def township_choices(bind: Bind) -> list[tuple[str, str]]:
    """(code, name) of every township, by code."""
    towns = REGISTRY.get("townships").table
    rows = connection(bind).execute(sa.select(towns.c.code, towns.c.name).order_by(towns.c.code))
    return [(r.code, r.name) for r in rows]


def village_choices(bind: Bind, township: str | None = None) -> list[tuple[str, str, str]]:
    """(code, name, township_code) of every village, optionally of one township."""
    villages = REGISTRY.get("villages").table
    query = sa.select(villages.c.code, villages.c.name, villages.c.township_code)
    conn = connection(bind)
    if township:
        query = query.where(villages.c.township_code.in_(township_codes(conn, [township])))
    return [(r.code, r.name, r.township_code) for r in conn.execute(query.order_by("code"))]


def township_codes(conn: sa.Connection, values: Sequence[str]) -> list[str]:
    """Resolve township names or codes; an unknown one is an error listing the choices."""
    known = township_choices(conn)
    by_any = {key: code for code, name in known for key in (code, name)}
    out = []
    for value in values:
        if str(value).strip() not in by_any:
            raise UnknownChoiceError("township", value, [f"{c} ({n})" for c, n in known])
        out.append(by_any[str(value).strip()])
    return out


def village_codes(conn: sa.Connection, values: Sequence[str]) -> list[str]:
    villages = REGISTRY.get("villages").table
    wanted = [str(v).strip() for v in values]
    rows = conn.execute(
        sa.select(villages.c.code, villages.c.name).where(
            sa.or_(villages.c.code.in_(wanted), villages.c.name.in_(wanted))
        )
    ).all()
    found = {key for r in rows for key in (r.code, r.name)}
    missing = [v for v in wanted if v not in found]
    if missing:
        raise ValidationError(
            f"unknown village {missing[0]!r}; give a village code or name from the villages layer."
        )
    return sorted({r.code for r in rows})
