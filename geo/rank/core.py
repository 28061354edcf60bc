"""The repair priority queue (先重点后一般): a pure ranking core over plain frames.

No database, no Streamlit, no layers: geo/rank/inputs.py (or a test) builds ``RankInputs``; the
rules come from geo/rank/rules.py. The order is lexicographic (see data/rank_rules.toml):
应急 → use order → 重点 → weighted households (more first) → severity (worse first) → deadline
(earlier first) → layer order → code → 抢通 before 修复. Every row carries its reason in Chinese.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from geo.rank.exposure import (
    NO_GEOMETRY,
    Exposure,
    People,
    beneficiary_exposures,
    feeder_exposures,
    has_geometry,
    served_exposures,
    unrankable,
)
from geo.rank.passage import RoadSettings, road_exposures
from geo.rank.rules import Rules

TASK_ZH = {"open": "抢通", "repair": "修复"}
USE_ZH = {"living": "生活", "production": "生产", "flood": "防洪"}
LATEST = "9999-12-31"


@dataclass(frozen=True)
class LayerInfo:
    """The ranking profile of a layer, as plain values (mirrors layers.base.RankProfile)."""

    name: str
    zh: str
    exposure: str  # road_graph / served / feeder / beneficiaries
    use: str = "living"
    use_column: str | None = None
    lifeline: bool | tuple[str, ...] = False
    lifeline_column: str | None = None
    tasks: tuple[str, ...] = ("repair",)


@dataclass
class RankInputs:
    villages: pd.DataFrame  # code, name, township_code, severely_hit, households, lon, lat (centre)
    households: pd.DataFrame  # code, village_code, category, risk_* flags, lon, lat
    townships: pd.DataFrame  # code, name, seat_lon, seat_lat
    layers: list[tuple[LayerInfo, pd.DataFrame]]  # every feature, damaged or not, in layer order
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # status/severity/filing → zh


@dataclass
class QueueRow:
    rank: int
    county_rank: int
    layer: str
    layer_zh: str
    id: int
    code: str
    name: str
    township: str
    township_code: str
    task: str  # 抢通 / 修复
    status: str
    status_zh: str
    urgency: str  # 应急 / 长远
    use: str  # 生活 / 生产 / 防洪
    importance: str  # 重点 / 一般
    key_reasons: list[str]
    villages_cut_off: int
    cut_off_villages: list[str]
    villages_affected: int
    households: int
    households_nearby: int  # roads: households within nearby_m of the damaged segment
    monitored_households: int
    weighted_households: float
    severity: str | None
    severity_zh: str
    deadline: str | None
    reason: str
    emergency_supply: bool | None = None
    filing: str | None = None
    filing_zh: str | None = None


@dataclass
class CannotRank:
    layer: str
    layer_zh: str
    id: int
    code: str
    name: str
    township: str
    status: str
    reason: str


@dataclass
class RankResult:
    rows: list[QueueRow]
    cannot_rank: list[CannotRank]


def rank(inputs: RankInputs, rules: Rules) -> RankResult:
    """Rank every task of every damaged, unfinished asset of the county, best first."""
    people = People.build(inputs.households, inputs.villages, rules.category_weights,
                          rules.risk_weights)
    twp_names = dict(zip(inputs.townships["code"].astype(str),
                         inputs.townships["name"].astype(str), strict=True))
    keyed: list[tuple[tuple[Any, ...], QueueRow]] = []
    cannot: list[CannotRank] = []
    for order, (info, frame) in enumerate(inputs.layers):
        frame = frame.reset_index(drop=True)
        kinds = _task_kinds(info)
        open_statuses = set().union(*(rules.tasks[k].statuses for k in kinds))
        rows = [i for i, s in enumerate(frame["status"].tolist()) if s in open_statuses]
        exposures = _exposures(info, frame, people, inputs.townships, rows, rules)
        records = frame.iloc[rows].to_dict("records")  # plain dicts: fast field access
        for i, rec in zip(rows, records, strict=True):
            base = _Asset(info, rec, twp_names, inputs.labels)
            exp = exposures[i]
            if exp.problem:
                cannot.append(base.cannot(exp.problem))
                continue
            for task, kind in zip(info.tasks, kinds, strict=True):
                if base.status in rules.tasks[kind].statuses:
                    row = base.row(task, kind, exp, people, rules)
                    keyed.append((_sort_key(row, rules, order), row))
    keyed.sort(key=lambda pair: pair[0])
    ranked = [row for _, row in keyed]
    for n, row in enumerate(ranked, start=1):
        row.rank = row.county_rank = n
    return RankResult(ranked, cannot)


def select(result: RankResult, *, townships: list[str] | None = None,
           layers: list[str] | None = None, statuses: list[str] | None = None) -> RankResult:
    """Keep rows of the given townships (code or name), layers and statuses; renumber ``rank``."""

    def keep(item: QueueRow | CannotRank) -> bool:
        twp_ok = not townships or item.township in townships or \
            getattr(item, "township_code", None) in townships
        return twp_ok and (not layers or item.layer in layers) and \
            (not statuses or item.status in statuses)

    rows = [r for r in result.rows if keep(r)]
    for n, row in enumerate(rows, start=1):
        row.rank = n
    return RankResult(rows, [c for c in result.cannot_rank if keep(c)])


def row_dict(row: QueueRow) -> dict[str, Any]:
    """The public JSON form of a queue row (``filing`` only for layers that have one)."""
    data = asdict(row)
    if row.filing is None and row.filing_zh is None:
        data.pop("filing"), data.pop("filing_zh")
    if row.emergency_supply is None:
        data.pop("emergency_supply")
    return data


def rows_frame(rows: list[QueueRow]) -> pd.DataFrame:
    return pd.DataFrame([asdict(r) for r in rows], columns=list(QueueRow.__dataclass_fields__))


def _task_kinds(info: LayerInfo) -> list[str]:
    """Rule section of each task: a 修复 that follows a 抢通 has its own urgency rules."""
    return ["open" if t == "open" else "repair_after_open" if "open" in info.tasks else "repair"
            for t in info.tasks]


def _exposures(info: LayerInfo, frame: pd.DataFrame, people: People, townships: pd.DataFrame,
               rows: list[int], rules: Rules) -> dict[int, Exposure]:
    if info.exposure == "road_graph":
        settings = RoadSettings(rules.impassable, rules.nearby_m, rules.snap_decimals,
                                rules.snap_max_m, rules.county_seat_township)
        return road_exposures(frame, people, townships, rows, settings)
    geoms = frame["geom"].to_numpy()
    with_geom = [i for i in rows if has_geometry(geoms[i])]
    found: dict[int, Exposure] = {
        "served": served_exposures, "feeder": feeder_exposures,
        "beneficiaries": beneficiary_exposures,
    }[info.exposure](frame, people, with_geom)
    return {i: found[i] if i in found else unrankable(NO_GEOMETRY) for i in rows}


def _sort_key(row: QueueRow, rules: Rules, layer_order: int) -> tuple[Any, ...]:
    use_code = {v: k for k, v in USE_ZH.items()}[row.use]
    severity = rules.severity_order.index(row.severity) if row.severity in rules.severity_order \
        else len(rules.severity_order)
    return (
        0 if row.urgency == "应急" else 1,
        rules.use_order.index(use_code),
        0 if row.importance == "重点" else 1,
        -round(row.weighted_households, 6),
        severity,
        row.deadline or LATEST,
        layer_order,
        row.code,
        0 if row.task == "抢通" else 1,
    )


class _Asset:
    """One damaged asset: builds its queue rows."""

    def __init__(self, info: LayerInfo, rec: dict[Any, Any], twp_names: dict[str, str],
                 labels: dict[str, dict[str, str]]) -> None:
        self.info, self.rec, self.labels = info, rec, labels
        self.status = str(rec["status"])
        twp = rec.get("township_code")
        self.twp_code = str(twp) if isinstance(twp, str) else ""
        self.twp_name = twp_names.get(self.twp_code, "")

    def label(self, vocab: str, code: str | None) -> str:
        return self.labels.get(vocab, {}).get(code, code) if code else ""

    def cannot(self, reason: str) -> CannotRank:
        return CannotRank(self.info.name, self.info.zh, int(self.rec["id"]), str(self.rec["code"]),
                          str(self.rec["name"]), self.twp_name, self.status, reason)

    def use(self) -> str:
        col = self.info.use_column
        value = self.rec.get(col) if col else None
        return value if isinstance(value, str) and value in USE_ZH else self.info.use

    def lifeline(self) -> bool:
        if isinstance(self.info.lifeline, bool):
            return self.info.lifeline
        col = self.info.lifeline_column
        return col is not None and self.rec.get(col) in self.info.lifeline

    def row(self, task: str, kind: str, exp: Exposure, people: People, rules: Rules) -> QueueRow:
        pos = exp.households
        weighted = float(people.weights[pos].sum())
        supply = bool(exp.emergency_supply)
        if supply:
            weighted *= rules.emergency_supply_factor
        urgent = self.status in rules.tasks[kind].emergency and not (
            supply and rules.emergency_supply_long_term)
        monitored = int(people.monitored[pos].sum())
        severe = [c for c in exp.villages if c in people.severely_hit]
        keys = self._key_reasons(exp, severe, monitored, rules)
        names = [people.village_names.get(c, c) for c in exp.cut_off]
        use_zh = USE_ZH[self.use()]
        urgency = "应急" if urgent else "长远"
        filing = self.rec.get("filing")
        row = QueueRow(
            rank=0, county_rank=0, layer=self.info.name, layer_zh=self.info.zh,
            id=int(self.rec["id"]), code=str(self.rec["code"]), name=str(self.rec["name"]),
            township=self.twp_name, township_code=self.twp_code, task=TASK_ZH[task],
            status=self.status, status_zh=self.label("status", self.status), urgency=urgency,
            use=use_zh, importance="重点" if keys else "一般", key_reasons=keys,
            villages_cut_off=len(exp.cut_off), cut_off_villages=names,
            villages_affected=len(exp.villages), households=len(pos), households_nearby=exp.nearby,
            monitored_households=monitored, weighted_households=round(weighted, 2),
            severity=_text(self.rec.get("severity")),
            severity_zh=self.label("severity", _text(self.rec.get("severity"))),
            deadline=_iso(self.rec.get("deadline")), reason="",
            emergency_supply=supply if "emergency_supply" in self.rec else None,
        )
        if "filing" in self.rec:
            row.filing = _text(filing) or "not_filed"
            row.filing_zh = self.label("filing", row.filing)
        row.reason = self._reason(row, exp, len(severe), rules)
        return row

    def _key_reasons(self, exp: Exposure, severe: list[str], monitored: int,
                     rules: Rules) -> list[str]:
        keys = []
        if rules.key_cuts_off and exp.cut_off:
            keys.append("断通行政村")
        if rules.key_severely_hit and severe:
            keys.append("涉及重灾村")
        if rules.key_monitored_min and monitored >= rules.key_monitored_min:
            keys.append("影响监测户")
        if rules.key_lifeline and self.lifeline():
            keys.append("生命线设施")
        return keys

    def _reason(self, row: QueueRow, exp: Exposure, severe: int, rules: Rules) -> str:
        facts = []
        if self.info.exposure == "road_graph":
            if exp.cut_off:
                names = "、".join(row.cut_off_villages[:3]) + ("等" if len(exp.cut_off) > 3 else "")
                facts.append(f"断通行政村 {len(exp.cut_off)} 个（{names}）")
            facts.append(f"沿线 {rules.nearby_m:g} 米内农户 {exp.nearby} 户")
        elif self.info.exposure == "beneficiaries":
            facts.append(f"受益户 {row.households} 户、公益岗位 {exp.welfare_posts} 个收入受影响")
        else:
            what = rules.guarantee.get(self.info.name, self.info.zh)
            facts.append(f"{what}受影响行政村 {len(exp.villages)} 个、农户 {row.households} 户")
            if self.info.exposure == "feeder" and exp.downstream > 1:
                facts.append(f"含下游线段 {exp.downstream - 1} 段")
        if row.monitored_households:
            facts.append(f"影响监测户 {row.monitored_households} 户")
        if severe:
            facts.append(f"涉及重灾村 {severe} 个")
        if exp.emergency_supply:
            facts.append(f"已实施临时应急供水（加权×{rules.emergency_supply_factor:g}"
                         + ("，列为长远）" if rules.emergency_supply_long_term else "）"))
        facts.append(f"加权户数 {row.weighted_households:g}")
        parts = ["，".join(facts), f"{row.use}类",
                 f"重点（{'、'.join(row.key_reasons)}）" if row.key_reasons else "一般", row.urgency]
        if row.filing_zh is not None:
            parts.append(f"先实施后备案：{row.filing_zh}")
        return "；".join(parts)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _iso(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
