"""The county's ranking kept in memory between edits: its inputs, its rules and its result.

A status change touches one asset; households, villages, townships and every other asset stay as
they were. Re-reading all of them (24 s of a 40 s edit at province scale) is what made an edit
slow, so the app keeps the inputs and, after an edit, swaps in the one re-read row and schedules
again from memory. The result is the one a full read-and-rank would give: the inputs are the
same rows in the same order (assets are read ordered by id), which the tests check after random
sequences of edits.

No database here: the caller re-reads the row (``geo.rank.inputs.read_asset``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from geo.rank.core import RankResult, rank
from geo.rank.plan import RankInputs
from geo.rank.rules import Rules


@dataclass(frozen=True)
class LiveRanking:
    """One consistent snapshot: shared read-only between sessions; an edit makes a new one."""

    inputs: RankInputs
    rules: Rules
    result: RankResult

    @classmethod
    def build(cls, inputs: RankInputs, rules: Rules) -> LiveRanking:
        return cls(inputs, rules, rank(inputs, rules))

    def with_assets(self, changed: list[tuple[str, int, pd.DataFrame]]) -> LiveRanking:
        """The ranking after each ``(layer, asset id, fresh)``: the asset's row became ``fresh``
        (as ``read_asset`` reads it; empty when the asset was deleted). Scheduled once."""
        ranked = {info.name for info, _ in self.inputs.layers}
        changed = [c for c in changed if c[0] in ranked]
        if not changed:
            return self  # not a ranked layer: nothing in the ranking depends on it
        layers = []
        for info, frame in self.inputs.layers:
            for layer, asset_id, fresh in changed:
                if layer == info.name:
                    frame = replace_row(frame, asset_id, fresh)
            layers.append((info, frame))
        return LiveRanking.build(dataclasses.replace(self.inputs, layers=layers), self.rules)


def replace_row(frame: pd.DataFrame, asset_id: int, fresh: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (ordered by id) with the row of ``asset_id`` replaced by ``fresh``'s, added in
    id order when new, dropped when ``fresh`` is empty. ``frame`` itself is left untouched: other
    sessions may be reading it."""
    kept = frame[frame["id"] != asset_id]
    if fresh.empty:
        return kept.reset_index(drop=True)
    position = int((kept["id"] < asset_id).sum())
    parts = [kept.iloc[:position], fresh[list(frame.columns)], kept.iloc[position:]]
    joined = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    # concat may widen a dtype (an all-NULL column meeting a value); the full read infers the
    # column from its values alone, so infer the same way
    return joined.infer_objects()
