"""The demo county's problem ledger (问题台账) as it stood on 2021-09-15, derived from the
generated tables: every raised risk flag is an open problem (cause: the damaged water work, school
or clinic serving the village, else the household's own situation), every beneficiary of a damaged
PV station has an income problem, and flooded households carry risk points already solved (已销号)
or found untrue (不属实). A problem whose causes are all restored waits for verification (待核实),
as the repair loop would have left it. Deterministic by seed; vectorised over households.

Columns are those of ``problems`` with codes instead of ids (``household_code``, ``cause_refs`` as
``layer:code``), plus the days each state was reached (``measure_on``, ``state_on``) that the loader
turns into history rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.demo.common import HOUSE_DEADLINE, STATUS_DATE, keep, stream
from geo.demo.names import person_names

FOUND_FROM = dt.date(2021, 7, 21)
FOUND_UNTIL = dt.date(2021, 8, 31)
DUE_DAYS = 30  # data/ledger.toml default_due_days
# The status from which each cause's service is back (data/ledger.toml [restores]).
RESTORED = {"water_works": ("done", "accepted"), "schools": ("done", "accepted"),
            "clinics": ("done", "accepted"), "pv_stations": ("done", "accepted")}
# kind → (own situation, measure) for a risk point no damaged asset explains
OWN = {
    "food": ("房屋进水，口粮被淹", "relief"),
    "clothing": ("衣物被褥被冲毁", "relief"),
    "education": ("家中学生因灾失学风险", "school_transfer"),
    "medical": ("家庭成员因病因伤就医困难", "medical_aid"),
    "water": ("自家水井被淹受污染", "emergency_water"),
}
CAUSED = {"water": ("water_works", "emergency_water"), "education": ("schools", "school_transfer"),
          "medical": ("clinics", "medical_aid")}
LIFELINE_ORDER = {"plant": 0, "intake": 1, "network": 2}
SECOND_CAUSE = 0.15  # share of caused problems that wait on two assets (e.g. plant and network)
METHODS = np.array(["visit", "phone", "papers"], dtype=object)
COLUMNS = (
    "household_code", "kind", "cause_refs", "cause_note", "measure", "measure_note", "helper",
    "helper_unit", "found_on", "measure_on", "due_on", "state", "state_on", "state_reason",
    "done_by", "done_on", "done_note", "verified_by", "verified_on", "verify_method", "verify_note",
    "appraisal_grade", "appraised_on", "in_plan", "renovation", "works_started_on",
    "works_finished_on", "subsidy_yuan", "created_by",
)
WHO = "demo"


def demo_ledger(data: Mapping[str, gpd.GeoDataFrame], seed: int) -> pd.DataFrame:
    """The ledger rows of the generated data ``data`` (table → frame)."""
    rng = stream(seed, 120)
    hh = pd.DataFrame(data["households"]).drop(columns="geom")
    villages = pd.DataFrame(data["villages"]).set_index("code")
    hh["helper_unit"] = villages["help_unit"].reindex(hh["village_code"]).to_numpy()
    hh["township"] = villages["township_code"].reindex(hh["village_code"]).to_numpy()
    parts = [_caused(hh, data, kind, rng) for kind in CAUSED]
    parts += [_own(hh, kind, rng) for kind in ("food", "clothing")]
    parts += [_houses(hh, rng), _income(hh, data, rng), _solved(hh, rng)]
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True)
    frame = _assign_states(frame, rng)
    return frame[list(COLUMNS)].sort_values(["household_code", "kind"], ignore_index=True)


def _base(hh: pd.DataFrame, rows: np.ndarray, kind: str, rng: np.random.Generator) -> pd.DataFrame:
    n = len(rows)
    found = _days(rng, FOUND_FROM, FOUND_UNTIL, n)
    return pd.DataFrame({
        "household_code": hh["code"].to_numpy()[rows], "kind": kind,
        "cause_refs": [[] for _ in range(n)], "cause_note": None, "measure": None,
        "measure_note": None, "helper": hh["helper"].to_numpy()[rows],
        "helper_unit": hh["helper_unit"].to_numpy()[rows], "found_on": found,
        "due_on": [d + dt.timedelta(days=DUE_DAYS) for d in found],
        "township": hh["township"].to_numpy()[rows], "restored": False, "state": "open",
        "appraisal_grade": None, "appraised_on": None, "in_plan": False, "renovation": None,
        "works_started_on": None, "works_finished_on": None, "subsidy_yuan": None,
    })


def _serving(frame: gpd.GeoDataFrame, layer: str) -> tuple[dict[str, list[str]], set[str]]:
    """village → ``layer:code`` of the damaged assets serving it (lifelines for water), and the
    refs whose service is back."""
    damaged = frame[frame["status"].notna()]
    if layer == "water_works":  # the plant first, then the intake, then the network
        damaged = damaged[damaged["use"] == "living"]
        damaged = damaged.iloc[damaged["kind"].map(LIFELINE_ORDER).argsort(kind="stable")]
    serving: dict[str, list[str]] = {}
    restored = set()
    for code, served, status in zip(damaged["code"], damaged["villages_served"], damaged["status"],
                                    strict=True):
        ref = f"{layer}:{code}"
        if status in RESTORED[layer]:
            restored.add(ref)
        for village in served:
            serving.setdefault(village, []).append(ref)
    return serving, restored


def _caused(hh: pd.DataFrame, data: Mapping[str, gpd.GeoDataFrame], kind: str,
            rng: np.random.Generator) -> pd.DataFrame:
    """Flagged water/education/medical risks: caused by the damaged asset serving the village."""
    rows = np.flatnonzero(hh[f"risk_{kind}"].to_numpy(dtype=bool))
    out = _base(hh, rows, kind, rng)
    layer, measure = CAUSED[kind]
    serving, restored = _serving(data[layer], layer)
    both = rng.random(len(rows)) < SECOND_CAUSE
    refs = [serving.get(v, [])[:2 if two else 1]
            for v, two in zip(hh["village_code"].to_numpy()[rows], both.tolist(), strict=True)]
    out["cause_refs"] = refs
    out["cause_note"] = [None if r else OWN[kind][0] for r in refs]
    out["restored"] = [bool(r) and all(x in restored for x in r) for r in refs]
    out["measure"] = measure
    out.loc[out["restored"], "measure"] = "asset_repair"
    return out


def _own(hh: pd.DataFrame, kind: str, rng: np.random.Generator) -> pd.DataFrame:
    rows = np.flatnonzero(hh[f"risk_{kind}"].to_numpy(dtype=bool))
    out = _base(hh, rows, kind, rng)
    out["cause_note"] = OWN[kind][0]
    weak = np.isin(hh["category"].to_numpy()[rows], ["monitored", "tekun"])
    out["measure"] = np.where(weak & (rng.random(len(rows)) < 0.5), "dibao_tekun", OWN[kind][1])
    return out


def _houses(hh: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """C/D houses: appraised, mostly in the renovation plan, some works started or finished."""
    rows = np.flatnonzero(hh["risk_housing"].to_numpy(dtype=bool))
    out = _base(hh, rows, "housing", rng)
    n = len(rows)
    grade = hh["house_grade"].to_numpy()[rows]
    out["cause_note"] = [f"{g}级危房（鉴定）" for g in grade]
    out["due_on"] = HOUSE_DEADLINE
    out["appraisal_grade"] = grade
    out["appraised_on"] = [f + dt.timedelta(days=int(k)) for f, k in zip(
        out["found_on"], rng.integers(1, 12, n).tolist(), strict=True)]
    plan = rng.random(n) < 0.9
    rebuild = grade == "D"
    start = [a + dt.timedelta(days=int(k)) for a, k in zip(out["appraised_on"], rng.integers(3, 20, n).tolist(),
                                                           strict=True)]
    end = [min(s + dt.timedelta(days=int(k)), STATUS_DATE) for s, k in zip(
        start, rng.integers(10, 40, n).tolist(), strict=True)]
    began = np.array([s < STATUS_DATE for s in start], dtype=bool)  # works begin before the data's day
    started = plan & began & (rng.random(n) < np.where(rebuild, 0.45, 0.6))
    finished = started & (rng.random(n) < np.where(rebuild, 0.15, 0.45))
    out["in_plan"] = plan
    out["renovation"] = keep(plan, np.where(rebuild, "rebuild", "repair"))
    out["measure"] = keep(plan, "house_renovation")
    out["works_started_on"] = [s if ok else None for s, ok in zip(start, started, strict=True)]
    out["works_finished_on"] = [e if ok else None for e, ok in zip(end, finished, strict=True)]
    subsidy = np.where(rebuild, rng.uniform(20000, 40000, n), rng.uniform(5000, 15000, n))
    out["subsidy_yuan"] = np.where(plan, np.round(subsidy, -2), np.nan)
    out["restored"] = finished  # the works are done: waiting for verification
    return out


def _income(hh: pd.DataFrame, data: Mapping[str, gpd.GeoDataFrame], rng: np.random.Generator) -> pd.DataFrame:
    """Beneficiaries of a damaged PV station lost that income (收入): a welfare post meanwhile."""
    stations = data["pv_stations"]
    damaged = stations[stations["status"].notna()]
    owner: dict[str, str] = {}
    back: set[str] = set()
    for code, benef, status in zip(damaged["code"], damaged["beneficiaries"], damaged["status"], strict=True):
        for member in benef:
            owner.setdefault(member, f"pv_stations:{code}")
        if status in RESTORED["pv_stations"]:
            back.add(f"pv_stations:{code}")
    rows = np.flatnonzero(hh["code"].isin(list(owner)).to_numpy())
    out = _base(hh, rows, "income", rng)
    refs = [owner[c] for c in out["household_code"]]
    out["cause_refs"] = [[r] for r in refs]
    out["restored"] = [r in back for r in refs]
    out["measure"] = np.where(out["restored"], "asset_repair",
                              keep(rng.random(len(rows)) < 0.6, "welfare_post"))
    return out


def _solved(hh: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Risk points found after the flood and already solved (已销号) or found untrue (不属实):
    flooded households whose food or water flag is down now."""
    flooded = hh["flood_damage"].isin(["moderate", "severe"]).to_numpy()
    parts = []
    for kind, share in (("food", 0.10), ("water", 0.06)):
        rows = np.flatnonzero(flooded & ~hh[f"risk_{kind}"].to_numpy(dtype=bool) & (rng.random(len(hh)) < share))
        out = _base(hh, rows, kind, rng)
        out["cause_note"] = OWN[kind][0]
        out["measure"] = OWN[kind][1]
        out["state"] = np.where(rng.random(len(rows)) < 0.9, "closed", "unfounded")
        parts.append(out)
    return pd.concat(parts, ignore_index=True)


def _assign_states(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """States and their days: restored causes → 待核实; a measure → mostly 处理中; closed ones are
    verified by a township checker (never the one who reported the measure done)."""
    n = len(frame)
    found = frame["found_on"].to_numpy()
    measure_on = np.array([f + dt.timedelta(days=int(k)) for f, k in zip(found, rng.integers(0, 8, n).tolist(),
                                                                         strict=True)], dtype=object)
    done_on = np.array([min(m + dt.timedelta(days=int(k)), STATUS_DATE) for m, k in zip(
        measure_on, rng.integers(2, 25, n).tolist(), strict=True)], dtype=object)
    verified_on = np.array([min(d + dt.timedelta(days=int(k)), STATUS_DATE) for d, k in zip(
        done_on, rng.integers(1, 10, n).tolist(), strict=True)], dtype=object)
    state = frame["state"].to_numpy(dtype=object).copy()
    fresh = state == "open"
    restored = frame["restored"].to_numpy(dtype=bool)
    # about one in five fresh risk points still waits for its measure (待处理)
    waiting = fresh & ~restored & (frame["kind"].to_numpy() != "housing") & (rng.random(n) < 0.2)
    frame["measure"] = keep(~waiting, frame["measure"].to_numpy())
    has_measure = frame["measure"].notna().to_numpy()
    state[fresh & has_measure] = "in_progress"
    state[fresh & restored] = "to_verify"
    frame["measure"] = np.where((state == "to_verify") & ~has_measure, "asset_repair", frame["measure"])
    frame["state"] = state
    checkers = np.array(person_names(rng, 64), dtype=object)
    verifier = checkers[rng.integers(0, len(checkers), n)]
    done = np.isin(state, ["to_verify", "closed"])
    closed = state == "closed"
    frame["measure_on"] = keep(frame["measure"].notna().to_numpy(), measure_on)
    frame["done_by"] = keep(done, frame["helper"])
    frame["done_on"] = keep(done, done_on)
    frame["done_note"] = keep(done, "帮扶措施已落实")
    frame["verified_by"] = keep(closed, [f"{v}（乡镇核查）" for v in verifier])
    frame["verified_on"] = keep(closed, verified_on)
    frame["verify_method"] = keep(closed, METHODS[rng.choice(3, n, p=[0.6, 0.25, 0.15])])
    frame["verify_note"] = keep(closed, "入户核实，问题已解决")
    unfounded = state == "unfounded"
    frame["state_reason"] = keep(unfounded, "核实时已有亲属接济，不属于因灾困难")
    frame["state_on"] = np.select([closed, state == "to_verify", unfounded, state == "in_progress"],
                                  [verified_on, done_on, measure_on, measure_on], default=found)
    frame["created_by"] = WHO
    return frame.drop(columns=["restored", "township"])


def _days(rng: np.random.Generator, start: dt.date, end: dt.date, n: int) -> list[dt.date]:
    offs = rng.integers(0, (end - start).days + 1, n)
    return [start + dt.timedelta(days=int(k)) for k in offs.tolist()]
