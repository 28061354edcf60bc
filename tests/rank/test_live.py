"""The ranking kept in memory and patched after edits (geo/rank/live.py, views.queue.after_edit)
equals a full read-and-rank, row by row, after random sequences of edits — on the demo county and
on a county twice its size. Edits are real changes in PostGIS: status (roads opened and closed
again, 已验收 removing tasks, back to an open status), deadline, severity, a new asset, a deleted
one, several assets at once (the bulk change). The patched path recomputes only the edited group
(its road component or cover group) and merges the groups' orders: the reference is
``geo.rank.core.rank`` on a fresh read, the plain greedy."""

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
from views.queue import after_edit, live_ranking, rank_queue

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
    """One random change of one random asset of a ranked layer (a road one time in three); (layer,
    id) of it."""
    layers = REGISTRY.repairable()
    spec = REGISTRY.get("roads") if rng.random() < 1 / 3 else rng.choice(layers)
    table = spec.table
    asset_id = rng.choice(conn.execute(sa.select(table.c.id)).scalars().all())
    kind = rng.choice(("status", "status", "status", "deadline", "severity", "new", "gone"))
    if kind == "new":
        return spec.name, _copy_asset(conn, table, int(asset_id), rng)
    if kind == "gone":
        return spec.name, _delete_asset(conn, table, rng)
    if kind == "status":
        values: dict[str, object] = {"status": rng.choice(STATUS.codes)}
    elif kind == "deadline":
        values = {"deadline": dt.date(2021, 9, 1) + dt.timedelta(days=rng.randrange(200))}
    else:
        values = {"severity": rng.choice(SEVERITY.codes)}
    conn.execute(sa.update(table).where(table.c.id == asset_id)
                 .values(version=table.c.version + 1, **values))
    return spec.name, int(asset_id)


def _copy_asset(conn: sa.Connection, table: sa.Table, asset_id: int, rng: random.Random) -> int:
    """A new asset: a copy of another one with its own code and a random open status."""
    columns = [c for c in table.c if c.name not in ("id", "code", "status")]
    values = sa.select(*columns, (table.c.code + "-new").label("code"),
                       sa.literal(rng.choice(("not_started", "assess", "opening"))).label("status")
                       ).where(table.c.id == asset_id)
    inserted = conn.execute(sa.insert(table).from_select(
        [*(c.name for c in columns), "code", "status"], values).returning(table.c.id))
    return int(inserted.scalar_one())


def _delete_asset(conn: sa.Connection, table: sa.Table, rng: random.Random) -> int:
    """Delete an asset no other one hangs from (a power line's segments below it)."""
    query = sa.select(table.c.id)
    if "parent_code" in table.c:
        below = sa.select(table.c.parent_code).where(table.c.parent_code.is_not(None))
        query = query.where(table.c.code.not_in(below))
    asset_id = rng.choice(conn.execute(query).scalars().all())
    conn.execute(sa.delete(table).where(table.c.id == asset_id))
    return int(asset_id)


def _same(live: LiveRanking, conn: sa.Connection) -> None:
    full = rank_queue(conn)  # read afresh and ranked by the plain greedy
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
    assert _random_sequences(demo, seed=16, sequences=6) >= 6


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


def _open_one(conn: sa.Connection, layer: str, statuses: tuple[str, ...]) -> int:
    table = REGISTRY.get(layer).table
    return int(conn.execute(sa.select(table.c.id).where(table.c.status.in_(statuses))
                            .order_by(table.c.id).limit(1)).scalar_one())


def test_an_edit_schedules_again_only_its_own_groups(demo: sa.Connection) -> None:
    """A school's edit keeps every road component's order (the very objects); a road's keeps
    every cover group's: the patched path ran, not a full rebuild."""
    live = live_ranking(demo)
    assert live.state is not None
    school = _open_one(demo, "schools", ("not_started", "assess", "repairing"))
    demo.execute(sa.text("UPDATE schools SET status = 'done', version = version + 1 WHERE id = :i"),
                 {"i": school})
    after = after_edit(demo, live, [("schools", school)])
    assert after.state is not None
    roads = [g for g in live.state.steps if g[0] == "road"]
    assert roads and all(after.state.steps[g] is live.state.steps[g] for g in roads)
    _same(after, demo)
    road = _open_one(demo, "roads", ("not_started", "assess", "opening"))
    demo.execute(sa.text("UPDATE roads SET status = 'opened', version = version + 1 WHERE id = :i"),
                 {"i": road})
    later = after_edit(demo, after, [("roads", road)])
    assert later.state is not None
    covers = [g for g in after.state.steps if g[0] == "cover"]
    assert covers and all(later.state.steps[g] is after.state.steps[g] for g in covers)
    _same(later, demo)


def test_one_asset_twice_in_a_bulk_change(demo: sa.Connection) -> None:
    """The same asset named twice in one change (re-read twice) is patched once, correctly."""
    live = live_ranking(demo)
    road = _open_one(demo, "roads", ("not_started", "assess", "opening"))
    water = _open_one(demo, "water_works", ("not_started", "assess", "repairing"))
    demo.execute(sa.text("UPDATE roads SET status = 'opened', version = version + 1 WHERE id = :i"),
                 {"i": road})
    demo.execute(sa.text("UPDATE water_works SET status = 'opened', version = version + 1 "
                         "WHERE id = :i"), {"i": water})
    edits = [("roads", road), ("water_works", water), ("roads", road), ("water_works", water)]
    after = after_edit(demo, live, edits)
    assert after.state is not None
    _same(after, demo)
