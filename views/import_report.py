"""What an import found, as tables for the 导入 page and ``tracker import``, and the report CSV.

Values of personal fields (ID numbers, phones, incomes) are masked in every table and in the
CSV: a report is for finding a row in the file, and it may be passed around.
"""

from __future__ import annotations

import pandas as pd

from layers.imports.columns import target_label
from layers.imports.staging import Problem
from views.i18n import t
from views.imports import ImportReport, LayerReport
from views.tabular import csv_bytes

HOW_KEYS = {
    "chosen": "im_how_chosen", "saved": "im_how_saved", "label": "im_how_label",
    "synonym": "im_how_synonym", "role": "im_how_role", "system": "im_how_system",
    "ignored": "im_how_ignored", "duplicate": "im_how_duplicate", "unknown": "im_how_unknown",
}


def mask(text: str) -> str:
    """Keep the first three and last two characters: enough to find the row, not to use it."""
    if len(text) <= 5:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 5) + text[-2:]


def _private_columns(report: LayerReport) -> set[str]:
    private = {f.column for f in report.layer.fields if f.private}
    if report.staged is None:
        return private
    return private | {c.source for c in report.staged.choices if c.target in private}


def problems_frame(report: ImportReport, lang: str = "zh") -> pd.DataFrame:
    rows = []
    for layer_report in report.layers:
        private = _private_columns(layer_report)
        for problem in layer_report.problems:
            rows.append(_problem_row(layer_report, problem, problem.column in private, lang))
    columns = [t(k, lang) for k in ("im_col_layer", "im_col_row", "im_col_column", "im_col_value",
                                    "im_col_reason", "im_col_severity", "im_col_proposal")]
    return pd.DataFrame(rows, columns=columns)


def _problem_row(report: LayerReport, problem: Problem, private: bool, lang: str) -> list[object]:
    value = mask(problem.value) if private and problem.value else problem.value
    severity = t("im_error" if problem.severity == "error" else "im_warning", lang)
    row: object = problem.row if problem.row else t("im_whole_file", lang)
    return [report.layer.label(lang), row, problem.column, value, problem.reason, severity,
            problem.proposal]


def report_csv(report: ImportReport, lang: str = "zh") -> bytes:
    """Every problem as CSV (UTF-8 with BOM, formula-guarded cells): the downloadable report."""
    return csv_bytes(problems_frame(report, lang))


def mapping_frame(report: LayerReport, lang: str = "zh") -> pd.DataFrame:
    """The file's columns and what they became: field, how it was recognised, a proposal."""
    staged = report.staged
    rows = []
    for choice in staged.choices if staged else []:
        proposal = target_label(report.layer, choice.proposal, lang) if choice.proposal else ""
        rows.append([choice.source, target_label(report.layer, choice.target, lang)
                     if choice.target else t("im_not_imported", lang),
                     t(HOW_KEYS.get(choice.how, "im_how_unknown"), lang), proposal])
    columns = [t(k, lang) for k in ("im_col_source", "im_col_target", "im_col_how",
                                    "im_col_proposal")]
    return pd.DataFrame(rows, columns=columns)


def unknown_values_frame(report: LayerReport, lang: str = "zh") -> pd.DataFrame:
    """Vocabulary values no rule recognised, with the closest term as a proposal."""
    rows = []
    staged = report.staged
    for column, values in (staged.unknown_values.items() if staged else []):
        field = next(f for f in report.layer.fields if f.column == column)
        for raw, proposal in values.items():
            label = f"{field.vocab.label(proposal, lang)} ({proposal})" if proposal and field.vocab else ""
            rows.append([field.label(lang), column, raw, label])
    columns = [t(k, lang) for k in ("im_col_field", "im_col_code", "im_col_value",
                                    "im_col_proposal")]
    return pd.DataFrame(rows, columns=columns)


def conflicts_frame(report: LayerReport, lang: str = "zh") -> pd.DataFrame:
    outcome = report.outcome
    rows = [[c.row, c.code, c.name, c.column, c.app_value, c.file_value, c.changed_by,
             c.changed_at] for c in (outcome.conflicts if outcome else [])]
    columns = [t(k, lang) for k in ("im_col_row", "col_code", "col_name", "im_col_field",
                                    "im_col_app_value", "im_col_file_value", "im_col_changed_by",
                                    "im_col_changed_at")]
    return pd.DataFrame(rows, columns=columns)


def repairs_frame(report: LayerReport, lang: str = "zh") -> pd.DataFrame:
    staged = report.staged
    rows = [] if staged is None else [[staged.row_of(r.index), r.before, r.after, r.unit,
                                       r.kind_after] for r in staged.repairs]
    columns = [t(k, lang) for k in ("im_col_row", "im_col_before", "im_col_after", "im_col_unit",
                                    "im_col_kind")]
    return pd.DataFrame(rows, columns=columns)


def summary_lines(report: ImportReport, lang: str = "zh") -> list[str]:
    """One line per layer (counts, CRS, encoding) and the verdict."""
    lines = []
    for layer_report in report.layers:
        name = layer_report.layer.label(lang)
        if layer_report.skipped:
            lines.append(t("im_skipped", lang, layer=name, reason=layer_report.skipped))
            continue
        staged, outcome = layer_report.staged, layer_report.outcome
        if staged is None or outcome is None:
            continue
        lines.append(t("im_layer_counts", lang, layer=name, table=layer_report.table,
                       rows=outcome.rows, inserted=outcome.inserted, updated=outcome.updated,
                       unchanged=outcome.unchanged, deleted=outcome.deleted))
        if staged.crs_text:
            lines.append(t("im_crs", lang, crs=staged.crs_text))
        if staged.source.encoding:
            lines.append(t("im_encoding", lang, encoding=staged.source.encoding.how))
        lines += [t("im_note", lang, note=n) for n in [*staged.notes, *outcome.notes]]
        if outcome.conflicts:
            lines.append(t("im_conflicts", lang, n=len({c.code for c in outcome.conflicts}),
                           kept=outcome.kept, overwritten=outcome.overwritten))
    lines.append(verdict(report, lang))
    return lines


def verdict(report: ImportReport, lang: str = "zh") -> str:
    errors = len(report.errors)
    if errors:
        return t("im_verdict_errors", lang, n=errors)
    if report.committed:
        return t("im_verdict_committed", lang)
    return t("im_verdict_dry", lang)
