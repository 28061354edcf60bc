"""The demo county's problem ledger: derived from the flags and the damaged assets, consistent with
them, deterministic by seed, loaded with ids resolved and a history of the states it went through."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import sqlalchemy as sa

from geo.demo import DEFAULT_SEED, demo_ledger, generate
from geo.demo.common import STATUS_DATE
from layers.vocabularies import KIND_FLAG, OPEN_PROBLEM_STATES


@pytest.fixture(scope="module")
def data() -> dict[str, gpd.GeoDataFrame]:
    return generate(1, DEFAULT_SEED)


@pytest.fixture(scope="module")
def ledger(data: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    return demo_ledger(data, DEFAULT_SEED)


def test_every_raised_flag_is_an_open_problem_and_no_lowered_one_is(
        data: dict[str, gpd.GeoDataFrame], ledger: pd.DataFrame) -> None:
    hh = data["households"].set_index("code")
    open_ = ledger[ledger["state"].isin(OPEN_PROBLEM_STATES)]
    for kind, flag in KIND_FLAG.items():
        flagged = set(hh.index[hh[flag].astype(bool)])
        assert set(open_.loc[open_["kind"] == kind, "household_code"]) == flagged, kind
    assert not ledger.duplicated(["household_code", "kind"]).any()


def test_the_ledger_has_every_stage_and_plausible_facts(ledger: pd.DataFrame) -> None:
    states = ledger["state"].value_counts()
    assert set(states.index) == {"open", "in_progress", "to_verify", "closed", "unfounded"}
    assert states["in_progress"] > states["closed"] > states["unfounded"] > 0
    closed = ledger[ledger["state"] == "closed"]
    assert (closed["verified_by"] != closed["done_by"]).all() and closed["verify_method"].notna().all()
    assert (closed["verified_on"] <= STATUS_DATE).all() and (closed["verified_on"] >= closed["done_on"]).all()
    houses = ledger[ledger["kind"] == "housing"]
    assert (houses["due_on"] == pd.Timestamp("2021-11-30").date()).all()
    assert set(houses["appraisal_grade"]) == {"C", "D"} and houses["in_plan"].mean() > 0.8
    water = ledger[(ledger["kind"] == "water") & ledger["cause_refs"].map(bool)]
    assert len(water) > 100 and all(r.startswith("water_works:") for refs in water["cause_refs"] for r in refs)
    assert set(ledger.loc[ledger["kind"] == "income", "cause_refs"].map(len)) == {1}  # its PV station


def test_same_seed_same_ledger(data: dict[str, gpd.GeoDataFrame], ledger: pd.DataFrame) -> None:
    again = demo_ledger(data, DEFAULT_SEED)
    pd.testing.assert_frame_equal(again, ledger)
    other = demo_ledger(data, DEFAULT_SEED + 1)
    assert not other["state"].equals(ledger["state"])


@pytest.mark.postgis
def test_the_loaded_ledger_resolves_ids_and_has_a_history(demo: sa.Connection, ledger: pd.DataFrame) -> None:
    rows = demo.execute(sa.text("""
        SELECT count(*) AS n,
               count(*) FILTER (WHERE cardinality(causes) > 0) AS caused,
               count(*) FILTER (WHERE state = 'closed') AS closed
        FROM problems""")).one()
    assert rows.n == len(ledger)
    assert rows.caused == int(ledger["cause_refs"].map(bool).sum())
    assert rows.closed == int((ledger["state"] == "closed").sum())
    # every cause names an existing asset of its layer
    dangling = demo.execute(sa.text("""
        SELECT count(*) FROM problems p CROSS JOIN LATERAL unnest(p.causes) AS c(ref)
        WHERE split_part(ref, ':', 1) = 'water_works'
          AND NOT EXISTS (SELECT 1 FROM water_works w WHERE w.id = split_part(ref, ':', 2)::int)""")).scalar()
    assert dangling == 0
    # each problem's history starts with its registration and ends in its current state
    last = demo.execute(sa.text("""
        SELECT p.state, h.new_value, first.new_value AS opened
        FROM problems p
        JOIN LATERAL (SELECT new_value FROM change_history WHERE table_name = 'problems'
                      AND record_id = p.id ORDER BY effective_on DESC, id DESC LIMIT 1) h ON true
        JOIN LATERAL (SELECT new_value FROM change_history WHERE table_name = 'problems'
                      AND record_id = p.id ORDER BY id LIMIT 1) first ON true""")).all()
    assert len(last) == len(ledger)
    assert all(r.state == r.new_value and r.opened == "open" for r in last)
