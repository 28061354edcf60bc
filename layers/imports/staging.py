"""A table read from a bureau's file, mapped onto a layer: the values as the layer stores them, the
geometries in CGCS2000, and every problem found on the way (row, column, value, reason).

Nothing here touches the database except through the place index it is given; the rules the
database itself holds (required fields, check constraints, codes that must exist) are checked
against the staged rows by ``layers.imports.writer`` before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geo.io.geometry_checks import Repair
from geo.io.readers import SourceTable
from layers.base import Field, Layer
from layers.imports.columns import ColumnChoice, recognise
from layers.imports.places import PlaceIndex
from layers.imports.values import Bad, as_list, blank, convert_series, converter

ROW = "_row"  # the file's row number of each staged row


@dataclass(frozen=True)
class Problem:
    row: int  # the file's row (spreadsheet row, CSV line, feature number); 0 = the whole file
    column: str  # the file's column, or the field
    value: str
    reason: str
    severity: str = "error"  # "error" stops the import; "warning" is only shown
    proposal: str = ""


@dataclass(frozen=True)
class MappingOptions:
    """The user's decisions about one file: column and value choices, CRS, GCJ-02, repairs."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field → raw → code
    crs: int | None = None
    from_gcj02: bool = False
    make_valid: bool = False


@dataclass
class Staged:
    layer: Layer
    source: SourceTable
    choices: list[ColumnChoice]
    frame: pd.DataFrame  # field columns (stored values) and ROW
    geometry: np.ndarray | None = None  # CGCS2000; None when the file gives no geometry at all
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    crs_text: str = ""
    unknown_values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    repairs: list[Repair] = field(default_factory=list)
    coordinate_columns: bool = False  # points were built from coordinate columns
    source_geographic: bool = False  # the file's coordinates were degrees

    @property
    def columns(self) -> list[str]:
        """The layer's field columns the file provides."""
        return [c for c in self.frame.columns if c != ROW]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def row_of(self, index: int) -> int:
        return int(self.frame[ROW].iloc[index])

    def add(self, index: int, column: str, value: object, reason: str, *, severity: str = "error",
            proposal: str = "") -> None:
        self.problems.append(Problem(self.row_of(index), column, _shown(value), reason, severity,
                                     proposal))

    def file_problem(self, column: str, reason: str, severity: str = "error") -> None:
        self.problems.append(Problem(0, column, "", reason, severity))

    def source_column(self, target: str) -> str | None:
        return next((c.source for c in self.choices if c.target == target), None)


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, BaseGeometry):
        return value.geom_type
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def stage(layer: Layer, table: SourceTable, options: MappingOptions, places: PlaceIndex,
          saved_columns: dict[str, str] | None = None,
          saved_values: dict[str, dict[str, str]] | None = None) -> Staged:
    """Map ``table`` onto ``layer``: column choices, converted values, problems (no geometry yet:
    ``layers.imports.geometry.place_geometry`` adds it)."""
    choices = recognise(layer, [str(c) for c in table.frame.columns], chosen=options.columns,
                        saved=saved_columns)
    frame = pd.DataFrame({ROW: table.row_numbers.astype(int)})
    staged = Staged(layer, table, choices, frame, notes=list(table.notes))
    value_choices = {**(saved_values or {}), **options.values}
    towns = _township_context(staged, table, places)
    for choice in choices:
        spec = _field(layer, choice.target)
        if spec is not None:
            _convert(staged, table.frame[choice.source], choice.source, spec, places, towns,
                     value_choices.get(spec.column, {}))
    _place_role(staged, table, places)
    _derive(staged)
    return staged


def _field(layer: Layer, target: str | None) -> Field | None:
    return next((f for f in layer.fields if f.column == target), None)


def _township_context(staged: Staged, table: SourceTable, places: PlaceIndex) -> list[str | None]:
    """Each row's township code (from a township field or the 乡镇 role), to place village names."""
    source = staged.source_column("township_code") or staged.source_column("township")
    towns: list[str | None] = [None] * len(table.frame)
    if source is None:
        return towns
    values, bad = convert_series(table.frame[source], places.township)
    for index, value in enumerate(values):
        towns[index] = value
    if staged.source_column("township") is not None:  # a role: its problems are reported here
        for index, problem in bad.items():
            staged.add(index, source, table.frame[source].iloc[index], problem.reason)
    return towns


def _convert(staged: Staged, raw: pd.Series, source: str, spec: Field, places: PlaceIndex,
             towns: list[str | None], chosen: dict[str, str]) -> None:
    if spec.column == "township_code":
        values, bad = convert_series(raw, places.township)
    elif spec.column in ("village_code", "villages_served", "villages_fed"):
        values, bad = _villages(raw, spec, places, towns)
    else:
        values, bad = convert_series(raw, converter(spec, chosen))
    for index, problem in bad.items():
        staged.add(index, source, raw.iloc[index], problem.reason,
                   proposal=_proposal_text(spec, problem))
        if spec.vocab is not None:
            staged.unknown_values.setdefault(spec.column, {})[str(raw.iloc[index]).strip()] = \
                problem.proposal
    staged.frame[spec.column] = pd.Series(values, index=staged.frame.index, dtype=object)


def _proposal_text(spec: Field, problem: Bad) -> str:
    if problem.proposal is None or spec.vocab is None:
        return ""
    return f"{spec.vocab.label(problem.proposal)} ({problem.proposal})"


def _villages(raw: pd.Series, spec: Field, places: PlaceIndex,
              towns: list[str | None]) -> tuple[list[Any], dict[int, Bad]]:
    """Village codes or names (one, or a list for the villages a facility serves), each distinct
    (value, township) pair resolved once."""
    def resolve(pair: tuple[Any, str | None]) -> Any:
        value, town = pair
        if blank(value):
            return None
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else value
        if spec.kind == "codes":
            return places.villages(as_list(text), town)
        found = places.village(str(text).strip(), town)
        return found

    pairs = pd.Series(list(zip(raw.to_numpy(dtype=object), towns, strict=True)), dtype=object)
    try:
        table = {pair: resolve(pair) for pair in pd.unique(pairs.to_numpy())}
        results = pairs.map(table).tolist()
    except TypeError:  # lists from GeoJSON: not hashable
        results = [resolve(pair) for pair in pairs]
    bad = {i: r for i, r in enumerate(results) if isinstance(r, Bad)}
    return [None if isinstance(r, Bad) else r for r in results], bad


def _place_role(staged: Staged, table: SourceTable, places: PlaceIndex) -> None:
    """所属乡镇/村 in one column: fills the village (and township) the file gives no other way."""
    source = staged.source_column("place")
    if source is None:
        return
    values, bad = convert_series(table.frame[source], places.place)
    for index, problem in bad.items():
        staged.add(index, source, table.frame[source].iloc[index], problem.reason)
    for column, part in (("village_code", 1), ("township_code", 0)):
        if column in {f.column for f in staged.layer.fields} and column not in staged.frame:
            staged.frame[column] = pd.Series([v[part] if v else None for v in values],
                                             index=staged.frame.index, dtype=object)


def _derive(staged: Staged) -> None:
    """Fields a file leaves out but its codes tell: a village's township is its code's first 9
    digits; a household's or PV station's township, its village's."""
    frame = staged.frame
    if staged.layer.name == "villages" and "code" in frame and "township_code" not in frame:
        frame["township_code"] = [c[:9] if isinstance(c, str) and len(c) == 12 else None
                                  for c in frame["code"]]
        staged.notes.append("乡镇代码 taken from the first 9 digits of each 村代码")
