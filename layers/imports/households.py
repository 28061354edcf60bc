"""The household register of the national 防返贫监测信息系统 (and sheets like it), onto 农户.

- Rows per family member (与户主关系) keep only the head's row.
- 风险类型 ("因病;住房出现安全问题") sets the six 两不愁三保障/饮水 flags it names; a cause such
  as 因灾 or 因残 names none of them and is listed as a warning, once per distinct text.
- 身份证号: 18 characters (an X in any case); one stored as a number has lost digits and is
  refused; a wrong check digit is a warning (the register is the authority, typos happen).
- A row with a 监测对象类别 is a 监测对象 whatever its 户类型 says (a 脱贫户 under monitoring
  is one), and a 监测对象 needs its 类别 — the database's rule, said in words first.
- A household without a 户编码 keeps the code of the stored household with the same ID number
  (or, without one, the same head in the same village); a new one gets its village's next
  number (see ``layers.imports.writer``).
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
import pandas as pd

from geo.io.readers import SourceTable
from layers import REGISTRY
from layers.imports.columns import recognise
from layers.imports.staging import Staged
from layers.imports.values import blank, risk_flags
from layers.vocabularies import RISK_ITEMS

HEAD_WORDS = ("户主", "本人")
_ID = re.compile(r"^[0-9]{17}[0-9X]$")
_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"
RISK_COLUMNS = tuple(column for column, _zh, _en in RISK_ITEMS)


def head_rows(table: SourceTable, columns: dict[str, str]) -> tuple[SourceTable, int]:
    """The head-of-household rows of a register with one row per member (与户主关系)."""
    picks = recognise(REGISTRY.get("households"), [str(c) for c in table.frame.columns],
                      chosen=columns)
    source = next((c.source for c in picks if c.target == "relation"), None)
    if source is None:
        return table, 0
    relation = table.frame[source].astype(str).str.strip()
    keep = relation.isin(HEAD_WORDS).to_numpy() | table.frame[source].map(blank).to_numpy()
    dropped = int((~keep).sum())
    if not dropped:
        return table, 0
    kept = SourceTable(table.name, table.fmt, table.frame[keep].reset_index(drop=True),
                       table.row_numbers[keep],
                       table.geometry[keep] if table.geometry is not None else None,
                       table.unreadable[keep] if table.unreadable is not None else None,
                       table.epsg, table.crs_how, table.encoding, list(table.notes))
    return kept, dropped


def apply_register(staged: Staged) -> None:
    _risks(staged)
    _id_numbers(staged)
    _monitoring(staged)


def _risks(staged: Staged) -> None:
    source = staged.source_column("risks")
    if source is None:
        return
    raw = staged.source.frame[source]
    given = [c for c in RISK_COLUMNS if c in staged.frame]  # a flag column of its own wins
    flags = {c: np.zeros(len(raw), dtype=bool) for c in RISK_COLUMNS if c not in given}
    causes: dict[str, list[int]] = defaultdict(list)
    seen: dict[str, tuple[list[str], list[str]]] = {}  # a register repeats a few dozen texts
    for index, value in enumerate(raw.to_numpy(dtype=object)):
        if blank(value):
            continue
        text = str(value)
        named, others = seen[text] if text in seen else seen.setdefault(text, risk_flags(text))
        for column in named:
            if column in flags:
                flags[column][index] = True
        for other in others:
            causes[other].append(index)
    for column, values in flags.items():
        staged.frame[column] = pd.Series(values.tolist(), index=staged.frame.index, dtype=object)
    for word, rows in causes.items():
        staged.add(rows[0], source, word, f"none of 吃/穿/义务教育/基本医疗/住房安全/饮水安全 "
                   f"(a cause, not a risk item): no risk flag set ({len(rows)} rows)",
                   severity="warning")


def _id_numbers(staged: Staged) -> None:
    if "id_number" not in staged.frame:
        return
    source = staged.source_column("id_number") or "id_number"
    values = staged.frame["id_number"].to_numpy(dtype=object).copy()
    for index, value in enumerate(values):
        if value is None:
            continue
        text = str(value).replace(" ", "").upper()
        values[index] = text
        if len(text) == 15 and text.isdigit():
            staged.add(index, source, text, "a 15-digit ID number of the old kind; give the "
                                            "18-character one")
        elif not _ID.match(text):
            staged.add(index, source, text, "not an 18-character ID number (17 digits and a "
                                            "digit or X)")
        elif _CHECK[sum(int(d) * w for d, w in zip(text, _WEIGHTS, strict=False)) % 11] != text[-1]:
            staged.add(index, source, text, "the check digit does not match the other 17 "
                                            "(a typo?)", severity="warning")
    staged.frame["id_number"] = pd.Series(values, index=staged.frame.index, dtype=object)


def _monitoring(staged: Staged) -> None:
    frame = staged.frame
    if "monitor_kind" not in frame:
        if "category" in frame:
            monitored = frame["category"] == "monitored"
            for index in np.flatnonzero(monitored.to_numpy()):
                staged.add(int(index), staged.source_column("category") or "category", "监测对象",
                           "a 监测对象 needs its 监测对象类别 (脱贫不稳定户/边缘易致贫户/"
                           "突发严重困难户); add that column")
        return
    kinds = frame["monitor_kind"]
    has_kind = kinds.notna().to_numpy()
    category = frame["category"] if "category" in frame else pd.Series(None, index=frame.index,
                                                                       dtype=object)
    moved = has_kind & (category != "monitored").to_numpy()
    if moved.any():
        staged.notes.append(f"{int(moved.sum())} households with a 监测对象类别 are stored as "
                            "监测对象 (their 户类型 said otherwise)")
    category = category.where(~has_kind, "monitored")
    frame["category"] = category
    source = staged.source_column("category") or staged.source_column("monitor_kind") or "category"
    for index in np.flatnonzero((category == "monitored").to_numpy() & ~has_kind):
        staged.add(int(index), source, "监测对象", "a 监测对象 needs its 监测对象类别 "
                   "(脱贫不稳定户/边缘易致贫户/突发严重困难户)")
