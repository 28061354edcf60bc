"""The ranking kept in memory and patched after edits (geo/rank/live.py, views.queue.after_edit)
equals a full read-and-rank, row by row, after random sequences of edits — on the demo county and
on a county twice its size. Edits are real UPDATEs in PostGIS: status (including back to an open
one), deadline, severity, several assets at once (the bulk change)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from geo.demo import generate, load
from geo.rank.core import row_dict
from geo.rank.live import LiveRanking
from geo.testing import databases
from layers import REGISTRY
from layers.vocabularies import SEVERITY, STATUS
from views.queue import after_edit, live_ranking

pytestmark = pytest.mark.postgis

@pytest.fixture(scope="module")
def scaled_url(pg_admin_url: str) -> Iterator[str]:
    """A database holding the demo county at --scale 2."""
    url = databases.create_database(pg_admin_url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        load(conn, generate(2), progress=False)
    engine.dispose()
    yield url
    databases.drop_database(pg_admin_url, url)


def _edit(conn: sa.Connection, rng: random.Random) -> tuple[str, int]:
    """One random change of one random asset of a ranked layer; (layer, id) of it."""
    spec = rng.choice(REGISTRY.repairable())
    table = spec.table
    asset_id = rng.choice(conn.execute(sa.select(table.c.id)).scalars().all())
    kind = rng.choice(("status", "status", "status", "deadline", "severity"))
    if kind == "status":
        values: dict[str, object] = {"status": rng.choice(STATUS.codes)}
    elif kind == "deadline":
        values = {"deadline": dt.date(2021, 9, 1) + dt.timedelta(days=rng.randrange(200))}
    else:
        values = {"severity": rng.choice(SEVERITY.codes)}
    conn.execute(sa.update(table).where(table.c.id == asset_id)
                 .values(version=table.c.version + 1, **values))
    return spec.name, int(asset_id)


def _same(live: LiveRanking, conn: sa.Connection) -> None:
    full = live_ranking(conn).result
    patched = live.result
    assert [row_dict(r) for r in patched.rows] == [row_dict(r) for r in full.rows]
    assert patched.cannot_rank == full.cannot_rank
    assert patched.order == full.order


def _random_sequences(conn: sa.Connection, seed: int, sequences: int) -> int:
    """Edits in sequences of 1–4 (the last sequence as one bulk change); the patched ranking
    compared with a full one after each sequence. Returns the number of edits made."""
    rng = random.Random(seed)
    live = live_ranking(conn)
    made = 0
    for n in range(sequences):
        edits = [_edit(conn, rng) for _ in range(rng.randint(1, 4))]
        made += len(edits)
        if n == sequences - 1:
            live = after_edit(conn, live, edits)  # one bulk change: scheduled once
        else:
            for edit in edits:  # one edit after another, each patched on the last result
                live = after_edit(conn, live, [edit])
        _same(live, conn)
    return made


def test_patched_ranking_equals_full_on_the_demo_county(demo: sa.Connection) -> None:
    assert _random_sequences(demo, seed=15, sequences=6) >= 6


def test_patched_ranking_equals_full_at_scale_2(scaled_url: str) -> None:
    engine = sa.create_engine(scaled_url)
    with databases.rolled_back(engine) as conn:
        assert _random_sequences(conn, seed=2021, sequences=3) >= 3
    engine.dispose()


def test_an_edit_outside_the_ranked_layers_keeps_the_ranking(demo: sa.Connection) -> None:
    live = live_ranking(demo)
    village = demo.execute(sa.text("SELECT id FROM villages LIMIT 1")).scalar_one()
    assert after_edit(demo, live, [("villages", int(village))]) is live


def test_a_reopened_road_comes_back_into_the_list(demo: sa.Connection) -> None:
    """The patched path must move a task in and out of the list, not only reorder it."""
    live = live_ranking(demo)
    top = next(r for r in live.result.rows if r.layer == "roads" and r.task == "抢通")
    demo.execute(sa.text("UPDATE roads SET status = 'done', version = version + 1 WHERE id = :i"),
                 {"i": top.id})
    live = after_edit(demo, live, [("roads", top.id)])
    assert top.code not in {r.code for r in live.result.rows}
    demo.execute(sa.text("UPDATE roads SET status = 'not_started', version = version + 1 "
                         "WHERE id = :i"), {"i": top.id})
    live = after_edit(demo, live, [("roads", top.id)])
    assert (top.code, "抢通") in {(r.code, r.task) for r in live.result.rows}
    _same(live, demo)
