"""A bureau's cell values as the layer stores them, with a reason for each value that cannot be.

Vocabulary fields take the code, the Chinese or English label (``Vocabulary.code``), the words in
``data/import_synonyms.toml`` and the user's confirmed choices; an unknown word comes back with
the closest term as a proposal. Numbers may carry units (12.5万元, 4人); dates may be Excel dates,
2021-09-15, 2021/9/15, 2021年9月15日 or 20210915; booleans 是/否, Y/N, √/×. Text that shows the
marks of a wrong encoding (锟斤拷, Ã©, �) is refused: mojibake is never stored.

Each distinct value is converted once (a register of 150,000 rows holds a few hundred distinct
villages and categories).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import UnknownChoiceError
from geo.vocab import Vocabulary
from layers.base import Field
from layers.imports.columns import normalise, synonyms

_UNITS = re.compile(r"(万元|元|人|户|个|米|m|kw|千瓦|kv|千伏|平方米|㎡|亩|处)$", re.IGNORECASE)
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MOJIBAKE = re.compile(r"锟斤拷|烫烫烫|屯屯屯|\ufffd|[\u00c0-\u00ef][\u0080-\u00bf]")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_LIST_SPLIT = re.compile(r"[;,，、；\s]+")
FLOAT_EXACT = 2**53  # integers above this lose digits as a float (an 18-digit ID number does)


@dataclass(frozen=True)
class Bad:
    """A value that cannot be stored: why, and what it might have meant."""

    reason: str
    proposal: str | None = None


Converter = Callable[[Any], Any]


def blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def convert_series(raw: pd.Series, convert: Converter) -> tuple[list[Any], dict[int, Bad]]:
    """``convert`` of each distinct value once; blanks become None; returns values and the bad
    ones by position. (A register of 150,000 rows holds a few hundred distinct villages.)"""
    values = raw.to_numpy(dtype=object)
    try:
        uniques = pd.unique(values)
    except TypeError:  # unhashable values (lists from GeoJSON): one by one
        return _convert_each(values, convert)
    table = {u: (None if blank(u) else _safe(convert, u)) for u in uniques}
    bad_keys = [u for u, result in table.items() if isinstance(result, Bad)]
    mapped = pd.Series(values, dtype=object).map(lambda v: table.get(v)) if _has_nan(table) \
        else pd.Series(values, dtype=object).map(table)
    is_bad = pd.Series(values, dtype=object).isin(bad_keys).to_numpy() if bad_keys else \
        np.zeros(len(values), dtype=bool)
    bad: dict[int, Bad] = {int(i): table[values[i]] for i in np.flatnonzero(is_bad)}  # type: ignore[misc]
    out = mapped.astype(object).where(~is_bad & mapped.notna().to_numpy(), None)
    return out.tolist(), bad


def _has_nan(table: dict[Any, Any]) -> bool:
    """NaN keys never match in a dict lookup by Series.map; they are blanks either way."""
    return any(isinstance(k, float) and k != k for k in table)


def _convert_each(values: np.ndarray, convert: Converter) -> tuple[list[Any], dict[int, Bad]]:
    out: list[Any] = [None] * len(values)
    bad: dict[int, Bad] = {}
    for index, value in enumerate(values):
        if blank(value):
            continue
        result = _safe(convert, value)
        if isinstance(result, Bad):
            bad[index] = result
        else:
            out[index] = result
    return out, bad


def _safe(convert: Converter, value: Any) -> Any:
    try:
        return convert(value)
    except (ValueError, TypeError, OverflowError) as error:
        return Bad(str(error) or "not a valid value")


def converter(field: Field, chosen_values: dict[str, str] | None = None) -> Converter:
    """The conversion for one field's values (its kind and vocabulary)."""
    if field.vocab is not None:
        return vocab_converter(field.vocab, field.column, chosen_values or {})
    return {
        "int": as_int, "float": as_float, "bool": as_bool, "date": as_date,
        "datetime": as_datetime, "codes": as_list,
    }.get(field.kind, as_text)


def as_text(value: Any) -> Any:
    if isinstance(value, float):
        if not value.is_integer():
            return repr(value)
        if abs(value) >= FLOAT_EXACT:
            return Bad("stored as a number in the spreadsheet and lost its last digits; format "
                       "the column as text (文本) and export again")
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value).strip()
    if _MOJIBAKE.search(text):
        return Bad("the text is garbled (mojibake from a wrong encoding); fix the file's "
                   "encoding and export again")
    return text


def as_float(value: Any) -> Any:
    if isinstance(value, bool):
        return Bad("not a number")
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    else:
        text = _UNITS.sub("", _nfkc(str(value)).replace(",", "").strip()).strip()
        try:
            number = float(text)
        except ValueError:
            return Bad("not a number")
    if not math.isfinite(number):
        return Bad("not a finite number")
    return number


def as_int(value: Any) -> Any:
    number = as_float(value)
    if isinstance(number, Bad):
        return Bad("not a whole number")
    if not float(number).is_integer():
        return Bad("not a whole number")
    return int(number)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def as_bool(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    words = synonyms()["booleans"]
    key = normalise(value)
    if key in words["true"]:
        return True
    if key in words["false"]:
        return False
    return Bad("not 是/否 (yes/no)")


def as_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64 | pd.Timestamp):
        return pd.Timestamp(value).date()
    if isinstance(value, int | float) and 20000 < float(value) < 80000:  # an Excel day number
        return _EXCEL_EPOCH + dt.timedelta(days=int(value))
    text = _nfkc(str(value)).strip().split(" ")[0].split("T")[0]
    match = _DATE_TEXT.match(text)
    if match is None and re.fullmatch(r"\d{8}", text):
        match = re.match(r"(\d{4})(\d{2})(\d{2})", text)
    if match is None:
        return Bad("not a date (write 2021-09-15)")
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return Bad("not a calendar date")


def as_datetime(value: Any) -> Any:
    return Bad("date-times are the tracker's own and are not imported")


def as_list(value: Any) -> Any:
    if isinstance(value, list | tuple | np.ndarray):
        return [str(v).strip() for v in value if not blank(v)]
    if isinstance(value, float) and value.is_integer():
        return [str(int(value))]
    return [part for part in _LIST_SPLIT.split(str(value).strip()) if part]


def vocab_converter(vocab: Vocabulary, column: str, chosen: dict[str, str]) -> Converter:
    words = _vocab_words(vocab, column)

    def convert(value: Any) -> Any:
        text = as_text(value)
        if isinstance(text, Bad):
            return text
        if text in chosen:
            return chosen[text] if chosen[text] in vocab else Bad(f"{chosen[text]!r} is no term")
        try:
            return vocab.code(text)
        except UnknownChoiceError:
            pass
        found = words.get(normalise(text))
        if found is not None:
            return found
        choices = ", ".join(f"{t.zh}" for t in vocab)
        return Bad(f"not a known {vocab.name} (choose one of {choices})", propose_term(text, words))

    return convert


def _vocab_words(vocab: Vocabulary, column: str) -> dict[str, str]:
    """Normalised words → code: labels, codes and the synonyms of data/import_synonyms.toml."""
    table = synonyms().get("values", {}).get(column, {})
    words: dict[str, str] = {}
    for term in vocab:
        for word in (term.code, term.zh, term.en, *table.get(term.code, [])):
            words.setdefault(normalise(word), term.code)
    return words


def propose_term(text: str, words: dict[str, str]) -> str | None:
    key = normalise(text)
    close = difflib.get_close_matches(key, list(words), n=1, cutoff=0.5)
    if close:
        return words[close[0]]
    inside = [w for w in words if len(w) >= 2 and (w in key or key in w)]
    return words[max(inside, key=len)] if inside else None


def risk_flags(value: Any) -> Any:
    """风险类型 text → the flag columns it names, and the words that named none (a cause)."""
    table: dict[str, list[str]] = synonyms()["risks"]
    items = [part for part in re.split(r"[;,，、；/\s]+", str(value).strip()) if part]
    flags: set[str] = set()
    others: list[str] = []
    for item in items:
        hit = {column for column, words in table.items() if any(w in item for w in words)}
        flags |= hit
        if not hit:
            others.append(item)
    return sorted(flags), others
