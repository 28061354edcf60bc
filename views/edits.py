"""Changing assets from the app and the command line, and reading their history back.

The rules live in ``layers.workflow`` (transitions, roles, versions); this module finds the asset a
person names, offers the statuses a change may go to, and turns history rows into tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd
import sqlalchemy as sa

from geo import chinatime
from geo.db.engine import Bind
from geo.errors import TrackerError
from geo.vocab import Vocabulary
from layers import REGISTRY
from layers.history import Change, history
from layers.ledger_rules import ledger_rules
from layers.roles import Actor
from layers.store import find_asset as find_asset  # the CLI finds assets through views
from layers.vocabularies import (
    CATEGORY,
    FILING,
    MONITOR_KIND,
    PROBLEM_KIND,
    PROBLEM_STATE,
    RENOVATION,
    STATUS,
    VERIFY_METHOD,
)
from layers.workflow import BulkItem, BulkResult, bulk_change_status, workflow
from views.i18n import t

VALUE_LABELS = {"status": STATUS, "filing": FILING}
# Tables that are no layer keep their own labels: the problem ledger and the households' category.
TABLE_VALUE_LABELS: dict[str, dict[str, Vocabulary]] = {
    "problems": {"state": PROBLEM_STATE, "kind": PROBLEM_KIND, "verify_method": VERIFY_METHOD,
                 "renovation": RENOVATION},
    "households": {"category": CATEGORY, "monitor_kind": MONITOR_KIND},
}
PROBLEM_FIELD_KEYS = {
    "state": "lg_col_state", "measure": "lg_col_measure", "measure_note": "lg_col_measure_note",
    "helper": "col_helper", "helper_unit": "lg_col_unit", "due_on": "col_deadline",
    "causes": "lg_col_cause", "cause_note": "lg_col_cause", "done_by": "lg_col_done_by",
    "done_note": "lg_col_done_note", "verified_by": "lg_col_verified_by",
    "verify_method": "lg_col_method", "verify_note": "lg_col_verify_note",
    "state_reason": "lg_col_reason", "photo": "lg_col_photo", "restored": "lg_col_restored",
    "appraisal_grade": "lg_col_grade", "appraised_on": "lg_col_appraised", "in_plan": "lg_col_in_plan",
    "renovation": "lg_col_renovation", "works_started_on": "lg_col_works_started",
    "works_finished_on": "lg_col_works_finished", "subsidy_yuan": "lg_col_subsidy",
}


def _value_labels(table: str, column: str) -> Vocabulary | None:
    if table == "problems" and column == "measure":
        return ledger_rules().measures
    return TABLE_VALUE_LABELS.get(table, {}).get(column) or VALUE_LABELS.get(column)


def status_choices(layer: str, current: str | None) -> list[str]:
    """The statuses a change may go to: the allowed next ones, then the earlier ones (which need
    a reason). The current status comes first, so a form starts on it."""
    rules = workflow()
    kind = rules.kind_of(REGISTRY.get(layer).name)
    forward = [tr.target for tr in kind.forward(current)]
    backward = [s for s in STATUS.codes if kind.is_backward(current, s)]
    return ([current] if current else []) + forward + backward


def change_rows(changes: Sequence[Change], lang: str) -> list[dict[str, str]]:
    out = []
    for change in changes:
        labels = _value_labels(change.table_name, change.field)
        def shown(value: str | None, labels: Vocabulary | None = labels) -> str:
            if value is None:
                return "—"
            if labels is None and value in ("True", "False"):  # a flag
                return t("lg_yes" if value == "True" else "lg_no", lang)
            return labels.label(value, lang) if labels is not None else value
        out.append({
            t("col_when", lang): chinatime.text(change.changed_at),
            t("col_who", lang): change.changed_by,
            t("col_field", lang): _field_label(change.table_name, change.field, lang),
            t("col_old", lang): shown(change.old_value),
            t("col_new", lang): shown(change.new_value),
            t("col_on", lang): change.effective_on.isoformat() if change.effective_on else "",
            t("col_note", lang): change.note or "",
        })
    return out


def timeline_frame(bind: Bind, layer: str, feature_id: int, lang: str) -> pd.DataFrame:
    """One asset's history, newest first, as a table of text."""
    rows = change_rows(list(reversed(history(bind, REGISTRY.get(layer).name, feature_id))), lang)
    columns = [t(k, lang) for k in ("col_when", "col_who", "col_field", "col_old", "col_new",
                                     "col_on", "col_note")]
    return pd.DataFrame(rows, columns=columns)


def _field_label(table: str, column: str, lang: str) -> str:
    """A layer field's label, a problem's column's label; a column of another table (accounts …)
    keeps its name."""
    if table == "problems" and column in PROBLEM_FIELD_KEYS:
        return t(PROBLEM_FIELD_KEYS[column], lang)
    try:
        return REGISTRY.get(table).field(column).label(lang)
    except (KeyError, TrackerError):
        return column


def bulk_items(selected: Sequence[Mapping[str, object]],
               versions: Mapping[str, Mapping[int, int]]) -> list[BulkItem]:
    """The assets of the chosen list rows (a road's two tasks are one asset), each with the
    version the list was read with."""
    items: dict[tuple[str, int], BulkItem] = {}
    for row in selected:
        layer, ident = str(row["layer"]), int(str(row["id"]))
        version = versions.get(layer, {}).get(ident)
        if version is not None:
            items.setdefault((layer, ident), BulkItem(layer, ident, int(version), str(row.get("name", ""))))
    return list(items.values())


def bulk_change(conn: sa.Connection, actor: Actor, items: list[BulkItem], new: str, *,
                note: str | None, on: dt.date | None) -> BulkResult:
    return bulk_change_status(conn, actor, items, new, note=note, on=on)


def bulk_refusals_frame(result: BulkResult, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        [(REGISTRY.get(i.layer).label(lang), i.name, reason) for i, reason in result.refused],
        columns=[t("col_layer", lang), t("col_name", lang), t("col_reason_refused", lang)])
