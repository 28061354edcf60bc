"""The repair schedule (先重点后一般), as the rows the pages, the CLI and the JSON show.

No database, no Streamlit, no layers: geo/rank/inputs.py (or a test) builds ``RankInputs``;
geo/rank/plan.py finds who loses what, geo/rank/sequence.py orders the tasks greedily (each next
pick gives the most back given the picks above it are done, inside the lexicographic tiers 应急 →
use → 重点), and this module writes one ``QueueRow`` per task, with its reason in Chinese.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import pandas as pd

from geo.rank.gain import Gain
from geo.rank.plan import (
    USE_ZH,
    LayerInfo,
    Override,
    Plan,
    RankInputs,
    Task,
    TaskTable,
    Unrankable,
    build_plan,
    iso_date,
    text,
)
from geo.rank.rules import Rules
from geo.rank.sequence import OVERRIDE, Pick, sequence

__all__ = ["CannotRank", "LayerInfo", "Override", "QueueRow", "RankInputs", "RankResult", "rank",
           "row_dict", "rows_frame", "select"]

NAMES_SHOWN = 3


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
    villages_cut_off: int  # cut-off villages this pick reconnects
    cut_off_villages: list[str]
    villages_affected: int  # villages that get something back
    households: int  # households whose loss shrinks
    households_nearby: int  # roads: households whose detour gets shorter (= households_detour)
    monitored_households: int
    weighted_households: float  # what the pick gives back, weighted
    severity: str | None
    severity_zh: str
    deadline: str | None
    reason: str
    emergency_supply: bool | None = None
    filing: str | None = None
    filing_zh: str | None = None
    service: str = ""
    service_zh: str = ""
    restored: float = 0.0  # households given back, a partial loss counting by its share
    key_households: float = 0.0  # of them in the key groups
    households_detour: int = 0
    detour_saved_km: float = 0.0
    welfare_posts: int = 0
    measure: float = 0.0  # weighted_households per task of the pick: the key inside a tier
    keeps: bool = False  # long-term: what it keeps, its service being back already
    bundle: list[str] = field(default_factory=list)  # codes of the pick's tasks when several
    blocked_by: list[str] = field(default_factory=list)  # pending tasks still holding the loss
    lost_households: int = 0  # households losing the service because of it now
    override: dict[str, str] | None = None


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
    plan: Plan | None = None  # what the crew what-if simulates on (the whole county)
    order: list[int] = field(default_factory=list)  # task ids of the whole county, in order


def rank(inputs: RankInputs, rules: Rules) -> RankResult:
    """Schedule every task of every damaged, unfinished asset of the county, best first."""
    plan = build_plan(inputs, rules)
    writer = Writer(plan.tasks, plan.rules, inputs.labels, plan.people.village_names,
                    township_names(inputs))
    rows: list[QueueRow] = []
    order: list[int] = []
    for pick in sequence(plan):
        for t in pick.tasks:
            rows.append(writer.row(plan.tasks[t], pick))
            order.append(t)
    for n, row in enumerate(rows, start=1):
        row.rank = row.county_rank = n
    return RankResult(rows, [cannot(u, writer) for u in plan.unrankable], plan, order)


def cannot(found: Unrankable, writer: Writer) -> CannotRank:
    rec = found.rec
    return CannotRank(found.task_layer.name, found.task_layer.zh, int(rec["id"]), str(rec["code"]),
                      str(rec["name"]), writer.township(rec)[1], str(rec["status"]), found.problem)


def township_names(inputs: RankInputs) -> dict[str, str]:
    return dict(zip(inputs.townships["code"].astype(str), inputs.townships["name"].astype(str),
                    strict=True))


def select(result: RankResult, *, townships: list[str] | None = None,
           layers: list[str] | None = None, statuses: list[str] | None = None) -> RankResult:
    """Keep rows of the given townships (code or name), layers and statuses; renumber ``rank``."""

    def keep(item: QueueRow | CannotRank) -> bool:
        twp_ok = not townships or item.township in townships or \
            getattr(item, "township_code", None) in townships
        return twp_ok and (not layers or item.layer in layers) and \
            (not statuses or item.status in statuses)

    # copies: ``result`` may be the kept county queue that other sessions read
    rows = [replace(r, rank=n) for n, r in enumerate((r for r in result.rows if keep(r)), start=1)]
    return RankResult(rows, [c for c in result.cannot_rank if keep(c)], result.plan, result.order)


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


class Writer:
    """Writes the rows of a pick: figures from its gain, the reason in Chinese. ``tasks``: task
    id → task (the plan's list, or the live ranking's table)."""

    def __init__(self, tasks: TaskTable, rules: Rules,
                 labels: dict[str, dict[str, str]], names: dict[str, str],
                 twp_names: dict[str, str]) -> None:
        self.tasks, self.rules, self.twp_names = tasks, rules, twp_names
        self.labels, self.names = labels, names

    def township(self, rec: dict[Any, Any]) -> tuple[str, str]:
        code = rec.get("township_code")
        code = str(code) if isinstance(code, str) else ""
        return code, self.twp_names.get(code, "")

    def label(self, vocab: str, code: str | None) -> str:
        return self.labels.get(vocab, {}).get(code, code) if code else ""

    def row(self, task: Task, pick: Pick) -> QueueRow:
        gain, rec, tasks = pick.gain, task.rec, self.tasks
        twp_code, twp_name = self.township(rec)
        severity = text(rec.get("severity"))
        row = QueueRow(
            rank=0, county_rank=0, layer=task.info.name, layer_zh=task.info.zh, id=int(rec["id"]),
            code=task.code, name=str(rec["name"]), township=twp_name, township_code=twp_code,
            task=task.task_zh, status=str(rec["status"]),
            status_zh=self.label("status", str(rec["status"])),
            urgency="应急" if task.urgent else "长远", use=USE_ZH[task.use],
            importance=pick.importance, key_reasons=list(pick.key_reasons),
            villages_cut_off=len(gain.reconnected),
            cut_off_villages=[self.names.get(c, c) for c in gain.reconnected],
            villages_affected=len(set(gain.villages)), households=gain.households,
            households_nearby=gain.detour_households, monitored_households=gain.monitored_count,
            weighted_households=round(gain.value, 2), severity=severity,
            severity_zh=self.label("severity", severity), deadline=iso_date(rec.get("deadline")),
            reason="", emergency_supply=task.supply if "emergency_supply" in rec else None,
            service=task.service, service_zh=self.rules.guarantee.get(task.service, task.service),
            restored=round(gain.restored, 2), key_households=round(gain.key, 2),
            households_detour=gain.detour_households,
            detour_saved_km=round(gain.detour_saved_m / 1000, 2), welfare_posts=gain.posts,
            measure=round(pick.measure, 2), keeps=gain.protect,
            bundle=[tasks[t].code for t in pick.tasks] if len(pick.tasks) > 1 else [],
            blocked_by=sorted({tasks[t].code for t in gain.blocked_by}),
            lost_households=task.lost,
            override=_override(task.override),
        )
        if "filing" in rec:
            row.filing = text(rec.get("filing")) or "not_filed"
            row.filing_zh = self.label("filing", row.filing)
        row.reason = self.reason(task, pick, row)
        return row

    def reason(self, task: Task, pick: Pick, row: QueueRow) -> str:
        gain = pick.gain
        if gain.protect:
            facts = self._kept(task, gain)
        elif task.service == "passage":
            facts = self._passage(pick, gain)
        else:
            facts = self._service(task, pick, gain)
        if task.outage is not None and task.outage.downstream > 1:
            facts.append(f"含下游线段 {task.outage.downstream - 1} 段")
        if task.supply:
            facts.append(f"已实施临时应急供水（损失按 {self.rules.emergency_supply_loss:g} 计"
                         + ("，列为长远）" if self.rules.emergency_supply_long_term else "）"))
        facts.append(f"恢复量（加权）{gain.value:.1f}")
        parts = ["，".join(facts), f"{row.use}类", self._importance(task, pick), row.urgency]
        if row.filing_zh is not None:
            parts.append(f"先实施后备案：{row.filing_zh}")
        return "；".join(parts)

    def _passage(self, pick: Pick, gain: Gain) -> list[str]:
        n = len(pick.tasks)
        head = f"这 {n} 段一起打通后" if n > 1 else "重新打通后"
        said = []
        if gain.reconnected:
            said.append(f"恢复 {len(gain.reconnected)} 个行政村通行：{self._villages(gain.reconnected)}")
        if gain.detour_villages:
            said.append(f"使 {gain.detour_villages} 个行政村绕行缩短（平均少绕 "
                        f"{gain.detour_saved_m / 1000:.1f} 公里）")
        if not said:
            return [f"{head}不能单独恢复任何行政村的通行（另有路线，或须与其他路段一起打通）"]
        return [head + "；".join(said), self._people(gain)]

    def _service(self, task: Task, pick: Pick, gain: Gain) -> list[str]:
        what = self.rules.guarantee.get(task.service, task.service)
        others = [self.tasks[t].code for t in pick.tasks if t != task.id]
        head = f"与 {'、'.join(others)} 一起修复后" if others else "修复后"
        blockers = "、".join(sorted({self.tasks[t].code for t in gain.blocked_by}))
        if not gain.households and not gain.posts:
            return [f"{head}暂不能恢复{what}：须先完成 {blockers}" if blockers else
                    f"{head}不能恢复{what}"]
        if task.service == "income":
            facts = [f"{head}恢复受益户 {gain.households} 户、公益岗位 {gain.posts} 个的{what}"]
        else:
            facts = [f"{head}恢复 {len(set(gain.villages))} 个行政村 {gain.households} 户{what}："
                     f"{self._villages(gain.villages)}"]
        facts.append(self._people(gain))
        if gain.still_partial and blockers:
            facts.append(f"其中 {gain.still_partial} 户待 {blockers} 完成后才完全恢复")
        return facts

    def _kept(self, task: Task, gain: Gain) -> list[str]:
        what = self.rules.guarantee.get(task.service, task.service)
        if task.info.exposure == "road_graph":
            head = "永久修复（须先抢通）" if task.after is not None else "永久修复"
        else:
            head = "功能已临时恢复，永久修复"
        if not gain.households and not gain.posts:
            return [f"{head}，无依赖它的农户"]
        return [f"{head}保障 {len(set(gain.villages))} 个行政村 {gain.households} 户的{what}",
                self._people(gain)]

    def _people(self, gain: Gain) -> str:
        return f"其中重点群体 {gain.key_count} 户、监测户 {gain.monitored_count} 户"

    def _villages(self, codes: list[str]) -> str:
        unique = list(dict.fromkeys(codes))
        names = "、".join(self.names.get(c, c) for c in unique[:NAMES_SHOWN])
        return names + ("等" if len(unique) > NAMES_SHOWN else "")

    def _importance(self, task: Task, pick: Pick) -> str:
        if pick.key_reasons == [OVERRIDE] and task.override is not None:
            o = task.override
            return f"{pick.importance}（{OVERRIDE}：{o.reason}，{o.set_by} {o.set_at}）"
        if pick.importance == "重点":
            return f"重点（{'、'.join(pick.key_reasons)}）"
        return "一般"


def _override(found: Override | None) -> dict[str, str] | None:
    if found is None:
        return None
    return {"importance": found.importance, "reason": found.reason, "set_by": found.set_by,
            "set_at": found.set_at}
