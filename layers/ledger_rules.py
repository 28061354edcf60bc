"""The problem ledger's rules, read from ``data/ledger.toml``: the states and their moves, the
measure vocabulary, which asset status restores a service, the deadlines and the photo limit.

Data, not code, like the repair workflow (``layers.workflow``, whose transition format and checks
the ledger reuses): the county extends the measures or changes the due period in the file.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from geo.errors import ConfigError, TrackerError
from geo.vocab import Term, Vocabulary
from layers import REGISTRY
from layers.roles import ROLE
from layers.vocabularies import PROBLEM_STATE, STATUS
from layers.workflow import Kind, parse_kind

RULES_PATH = Path(__file__).resolve().parents[1] / "data" / "ledger.toml"


@dataclass(frozen=True)
class LedgerRules:
    states: Kind
    measures: Vocabulary
    restores: dict[str, str]  # layer → the status from which its service is back
    flood_date: dt.date
    house_deadline: dt.date
    default_due_days: int
    reason_min: int
    photo_max_bytes: int
    act_roles: tuple[str, ...]
    source: str = "ledger.toml"

    def restored(self, layer: str, status: str | None) -> bool:
        """Is the service of an asset of ``layer`` back at ``status`` (that stage or later)?"""
        threshold = self.restores.get(layer)
        if threshold is None or status is None or status not in STATUS:
            return False
        return STATUS.index(status) >= STATUS.index(threshold)


def load_rules(path: str | Path | None = None) -> LedgerRules:
    source = Path(path) if path else RULES_PATH
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read the ledger rules {source}: {error}; fix the file.") from None
    return parse_rules(data, source.name)


def parse_rules(data: dict[str, Any], source: str = "ledger.toml") -> LedgerRules:
    try:
        settings = data["settings"]
        rules = LedgerRules(
            states=parse_kind("states", data["states"], PROBLEM_STATE.codes, source),
            measures=_measures(data["measures"]),
            restores={REGISTRY.get(la).name: STATUS.code(s) for la, s in data["restores"].items()},
            flood_date=_date(settings["flood_date"]),
            house_deadline=_date(settings["house_deadline"]),
            default_due_days=int(settings["default_due_days"]),
            reason_min=int(settings["reason_min"]),
            photo_max_bytes=int(settings["photo_max_bytes"]),
            act_roles=tuple(ROLE.code(r) for r in settings["act_roles"]),
            source=source,
        )
    except (KeyError, TypeError, ValueError, TrackerError) as error:
        raise ConfigError(f"{source}: {error!s} is missing or wrong; see the comments in the file.") from None
    unrepairable = [la for la in rules.restores if not REGISTRY.get(la).repairable]
    if unrepairable or rules.default_due_days < 1 or rules.photo_max_bytes < 1:
        raise ConfigError(f"{source}: restores may name repairable layers only, and the due days "
                          "and photo size must be positive.")
    return rules


def _measures(items: list[dict[str, Any]]) -> Vocabulary:
    terms = [Term(str(m["code"]), str(m["zh"]), str(m.get("en") or m["zh"])) for m in items]
    codes = [t.code for t in terms]
    if not terms or len(set(codes)) != len(codes):
        raise ValueError("measures (each code once)")
    return Vocabulary("measure", terms)


def _date(value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    return dt.date.fromisoformat(str(value))


@cache
def ledger_rules() -> LedgerRules:
    """The rules of data/ledger.toml, read once per process."""
    return load_rules()
