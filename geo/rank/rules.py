"""Parse and check the ranking rules (data/rank_rules.toml).

Every key is required, so the file is the one place where the rules live. A mistake — an unknown
key, a value of the wrong kind or out of range, rules that contradict each other — raises
``ConfigError`` naming the file and the line, found by scanning the text for the offending key
(tomllib gives values, not positions).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.errors import ConfigError

DEFAULT_RULES_PATH = Path(__file__).resolve().parents[2] / "data" / "rank_rules.toml"
TASK_KINDS = ("open", "repair_after_open", "repair")
USES = ("living", "flood", "production")
SEVERITIES = ("destroyed", "severe", "moderate", "light")


@dataclass(frozen=True)
class Known:
    """Codes the rules may name; empty tuples skip the check (the pure core does not know them)."""

    categories: tuple[str, ...] = ()
    risk_flags: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    services: tuple[str, ...] = ()  # what the layers' assets provide (passage, water, …)
    opening_layers: tuple[str, ...] = ()  # layers with a 抢通 task (roads)


@dataclass(frozen=True)
class TaskRule:
    statuses: frozenset[str]
    emergency: frozenset[str]


@dataclass(frozen=True)
class ImportanceRule:
    """重点 = the task gives basic services back to key groups or key places above a threshold."""

    key_groups: frozenset[str]
    key_households_min: float
    monitored_min: float
    severely_hit_min: float
    cut_off_villages_min: int


@dataclass(frozen=True)
class DurationRule:
    """Days per task for the crew what-if: (base + per_km x km) x severity x share left."""

    open_days: dict[str, float]
    open_per_km: dict[str, float]
    repair_days: dict[str, float]
    repair_per_km: dict[str, float]
    severity: dict[str, float]
    left: dict[str, float]


@dataclass(frozen=True)
class Rules:
    category_weights: dict[str, float]
    risk_weights: dict[str, float]
    service_weights: dict[str, float]
    basic_services: frozenset[str]
    welfare_post_weight: float
    detour_half_m: float
    snap_decimals: int
    snap_max_m: float
    county_seat_township: str
    emergency_supply_loss: float
    emergency_supply_long_term: bool
    importance: ImportanceRule
    use_order: tuple[str, ...]
    severity_order: tuple[str, ...]
    tasks: dict[str, TaskRule]
    durations: DurationRule
    guarantee: dict[str, str] = field(default_factory=dict)
    source: str = ""

    @property
    def impassable(self) -> frozenset[str]:
        """A road is out of the graph exactly while its 抢通 task exists."""
        return self.tasks["open"].statuses


# Expected shape: section -> key -> kind. "*" means any key (checked against Known later).
_SCHEMA: dict[str, dict[str, str]] = {
    "weights.category": {"*": "weight"},
    "weights.risk": {"*": "weight"},
    "weights.service": {"*": "weight"},
    "services": {"basic": "strlist", "welfare_post_weight": "nonneg"},
    "roads": {"detour_half_m": "pos", "snap_decimals": "int", "snap_max_m": "pos",
              "county_seat_township": "str"},
    "served": {"emergency_supply_loss": "fraction", "emergency_supply_long_term": "bool"},
    "importance": {"key_groups": "strlist", "key_households_min": "nonneg",
                   "monitored_min": "nonneg", "severely_hit_min": "nonneg",
                   "cut_off_villages_min": "int"},
    "order": {"use": "strlist", "severity": "strlist"},
    "tasks.open": {"statuses": "strlist", "emergency": "strlist", "long_term": "strlist"},
    "tasks.repair_after_open": {"statuses": "strlist", "emergency": "strlist",
                                "long_term": "strlist"},
    "tasks.repair": {"statuses": "strlist", "emergency": "strlist", "long_term": "strlist"},
    "guarantee": {"*": "str"},
    "durations.open": {"*": "nonneg"},
    "durations.per_km_open": {"*": "nonneg"},
    "durations.repair": {"*": "nonneg"},
    "durations.per_km": {"*": "nonneg"},
    "durations.severity": {"*": "pos"},
    "durations.left": {"*": "fraction"},
}


def load_rules(path: str | Path | None = None, known: Known | None = None) -> Rules:
    """Read and check a rules file (default: data/rank_rules.toml)."""
    file = Path(path) if path else DEFAULT_RULES_PATH
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"rules file {file} does not exist; pass an existing TOML file.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"rules file {file} cannot be read ({error}); fix it.") from None
    return parse_rules(text, str(file), known)


def parse_rules(text: str, source: str = "rank_rules.toml", known: Known | None = None) -> Rules:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"rules file {source} is not valid TOML ({error}); fix that line.") from None
    checker = _Checker(text, source)
    flat = checker.flatten(data)
    known = known or Known()
    _check_codes(checker, flat, known)
    _check_schedule_codes(checker, flat, known)
    rules = Rules(
        category_weights=dict(flat["weights.category"]),
        risk_weights=dict(flat["weights.risk"]),
        service_weights={k: float(v) for k, v in flat["weights.service"].items()},
        basic_services=frozenset(flat["services"]["basic"]),
        welfare_post_weight=float(flat["services"]["welfare_post_weight"]),
        detour_half_m=float(flat["roads"]["detour_half_m"]),
        snap_decimals=int(flat["roads"]["snap_decimals"]),
        snap_max_m=float(flat["roads"]["snap_max_m"]),
        county_seat_township=str(flat["roads"]["county_seat_township"]),
        emergency_supply_loss=float(flat["served"]["emergency_supply_loss"]),
        emergency_supply_long_term=bool(flat["served"]["emergency_supply_long_term"]),
        importance=_importance(flat["importance"]),
        use_order=tuple(flat["order"]["use"]),
        severity_order=tuple(flat["order"]["severity"]),
        tasks={kind: _task(checker, flat, kind) for kind in TASK_KINDS},
        durations=_durations(flat),
        guarantee=dict(flat["guarantee"]),
        source=source,
    )
    _check_consistency(checker, rules)
    return rules


def _importance(section: dict[str, Any]) -> ImportanceRule:
    return ImportanceRule(
        key_groups=frozenset(section["key_groups"]),
        key_households_min=float(section["key_households_min"]),
        monitored_min=float(section["monitored_min"]),
        severely_hit_min=float(section["severely_hit_min"]),
        cut_off_villages_min=int(section["cut_off_villages_min"]),
    )


def _durations(flat: dict[str, dict[str, Any]]) -> DurationRule:
    def numbers(section: str) -> dict[str, float]:
        return {k: float(v) for k, v in flat[f"durations.{section}"].items()}

    return DurationRule(numbers("open"), numbers("per_km_open"), numbers("repair"),
                        numbers("per_km"), numbers("severity"), numbers("left"))


class _Checker:
    """Walks the parsed TOML against ``_SCHEMA`` and reports problems with their line numbers."""

    def __init__(self, text: str, source: str) -> None:
        self.lines = text.splitlines()
        self.source = source

    def fail(self, path: str, problem: str) -> ConfigError:
        line = self.line_of(path)
        where = f"line {line}" if line else "(key missing)"
        return ConfigError(f"rules file {self.source} {where}: {problem}.")

    def line_of(self, path: str) -> int | None:
        """The line defining ``path`` (a.b.c), else its table header, else its parent's."""
        parts = path.split(".")
        found = _key_lines(self.lines)
        for n in range(len(parts), 0, -1):
            line = found.get(tuple(parts[:n]))
            if line:
                return line
        return None

    def flatten(self, data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        self.no_strays(data, "")
        flat: dict[str, dict[str, Any]] = {}
        for section, keys in _SCHEMA.items():
            table = _dig(data, section)
            if not isinstance(table, dict):
                raise self.fail(section, f"the table [{section}] is missing; add it")
            flat[section] = {}
            if "*" not in keys:
                for key in keys:
                    if key not in table:
                        raise self.fail(section, f"key '{key}' is missing from [{section}]; add it")
            for key, value in table.items():
                kind = keys.get(key) or keys.get("*")
                if kind is None:
                    raise self.fail(f"{section}.{key}",
                                    f"unknown key '{key}' in [{section}]; remove it or fix its spelling")
                flat[section][key] = self.value(f"{section}.{key}", value, kind)
        return flat

    def no_strays(self, data: Mapping[str, Any], prefix: str) -> None:
        """Refuse tables and keys outside the schema (e.g. a misspelt [roadz])."""
        for key, value in data.items():
            path = f"{prefix}{key}"
            if path in _SCHEMA:
                continue
            if isinstance(value, dict) and any(s.startswith(path + ".") for s in _SCHEMA):
                self.no_strays(value, path + ".")
                continue
            raise self.fail(path, f"unknown key or table '{path}'; remove it or fix its spelling")

    def value(self, path: str, value: Any, kind: str) -> Any:
        most = _MAXIMA.get(path, _MAXIMA.get(kind, math.inf))
        sane = _is_number(value) and _finite(value) and value <= most  # no inf, nan or 1e23
        ok = {
            "weight": sane and value >= 0,
            "nonneg": sane and value >= 0,
            "pos": sane and value > 0,
            "fraction": sane and 0 <= value <= 1,
            "int": sane and isinstance(value, int) and value >= 0,
            "bool": isinstance(value, bool),
            "str": isinstance(value, str) and value.strip() != "",
            "strlist": isinstance(value, list) and all(isinstance(v, str) for v in value),
        }[kind]
        if not ok:
            wanted = {
                "weight": "a number >= 0", "nonneg": "a number >= 0", "pos": "a number > 0",
                "fraction": "a number from 0 to 1", "int": "a whole number >= 0",
                "bool": "true or false", "str": "a non-empty text in quotes",
                "strlist": "a list of texts in quotes",
            }[kind]
            if most < math.inf:
                wanted += f" and at most {most:g}{_UNITS.get(path, '')}"
            raise self.fail(path, f"'{path}' is {value!r} but must be {wanted}")
        return value


def _task(checker: _Checker, flat: dict[str, dict[str, Any]], kind: str) -> TaskRule:
    section = flat[f"tasks.{kind}"]
    statuses, emergency, long_term = (set(section[k]) for k in ("statuses", "emergency", "long_term"))
    both = emergency & long_term
    if both:
        raise checker.fail(f"tasks.{kind}.long_term",
                           f"status {sorted(both)} is both emergency and long_term in [tasks.{kind}]; "
                           "keep it in one list")
    stray = (emergency | long_term) - statuses
    if stray:
        raise checker.fail(f"tasks.{kind}.statuses",
                           f"status {sorted(stray)} has an urgency in [tasks.{kind}] but is not in its "
                           "statuses; add it there or remove it")
    missing = statuses - emergency - long_term
    if missing:
        raise checker.fail(f"tasks.{kind}.emergency",
                           f"status {sorted(missing)} of [tasks.{kind}] is neither emergency nor "
                           "long_term; put it in one of them")
    return TaskRule(frozenset(statuses), frozenset(emergency))


def _check_codes(checker: _Checker, flat: dict[str, dict[str, Any]], known: Known) -> None:
    checks: list[tuple[str, Iterable[str], tuple[str, ...]]] = [
        ("weights.category", flat["weights.category"], known.categories),
        ("weights.risk", flat["weights.risk"], known.risk_flags),
    ]
    for section, keys, valid in checks:
        for key in keys:
            if valid and key not in valid:
                raise checker.fail(f"{section}.{key}", f"unknown code '{key}' in [{section}]; "
                                   f"valid codes: {', '.join(valid)}")
        missing = [v for v in valid if v not in keys]
        if missing:
            raise checker.fail(section, f"[{section}] has no weight for {', '.join(missing)}; add it")
    for section, key, valid in (("order", "use", USES), ("order", "severity", SEVERITIES)):
        values = flat[section][key]
        if sorted(values) != sorted(valid):
            raise checker.fail(f"{section}.{key}", f"'{section}.{key}' must list each of "
                               f"{', '.join(valid)} exactly once")
    if known.statuses:
        for kind in TASK_KINDS:
            for key in ("statuses", "emergency", "long_term"):
                bad = [s for s in flat[f"tasks.{kind}"][key] if s not in known.statuses]
                if bad:
                    raise checker.fail(f"tasks.{kind}.{key}", f"unknown status {bad} in "
                                       f"[tasks.{kind}]; valid: {', '.join(known.statuses)}")
    decimals = flat["roads"]["snap_decimals"]
    if not 1 <= decimals <= 9:
        raise checker.fail("roads.snap_decimals", "'roads.snap_decimals' must be from 1 to 9")


def _check_schedule_codes(checker: _Checker, flat: dict[str, dict[str, Any]], known: Known) -> None:
    """Services, key groups, duration layers, severities and statuses named by the rules exist,
    and every service, every layer (and every layer with a 抢通) has its rule."""
    lists: list[tuple[str, Iterable[str], tuple[str, ...], tuple[str, ...]]] = [
        # a table (its keys are codes) or a list key, the codes it names, the valid codes,
        # the codes it must name
        ("weights.service", flat["weights.service"], known.services, known.services),
        ("guarantee", flat["guarantee"], known.services, known.services),
        ("services.basic", flat["services"]["basic"], known.services, ()),
        ("importance.key_groups", flat["importance"]["key_groups"], known.categories, ()),
        ("durations.open", flat["durations.open"], known.layers, known.opening_layers),
        ("durations.per_km_open", flat["durations.per_km_open"], known.layers, ()),
        ("durations.repair", flat["durations.repair"], known.layers, known.layers),
        ("durations.per_km", flat["durations.per_km"], known.layers, ()),
        ("durations.severity", flat["durations.severity"], SEVERITIES, SEVERITIES),
        ("durations.left", flat["durations.left"], known.statuses, ()),
    ]
    for where, codes, valid, required in lists:
        names = list(codes)
        is_table = where in flat
        for name in names:
            if valid and name not in valid:
                raise checker.fail(f"{where}.{name}" if is_table else where,
                                   f"unknown code '{name}' in {where}; valid codes: "
                                   f"{', '.join(valid)}")
        missing = [r for r in required if r not in names]
        if missing:
            raise checker.fail(where, f"{where} has no rule for {', '.join(missing)}; add it")


def _check_consistency(checker: _Checker, rules: Rules) -> None:
    """A road's 抢通 must never rank after its own 修复: no status where 修复 is 应急 but 抢通 is not."""
    opening, repair = rules.tasks["open"], rules.tasks["repair_after_open"]
    for status in sorted(opening.statuses & repair.statuses):
        if status in repair.emergency and status not in opening.emergency:
            raise checker.fail(
                "tasks.repair_after_open.emergency",
                f"at status '{status}' 修复 would be 应急 while its own 抢通 is 长远, which "
                "contradicts 先抢通、后修复; make the 抢通 emergency or the 修复 long_term")
    if not opening.statuses:
        raise checker.fail("tasks.open.statuses", "[tasks.open] statuses is empty, so no road "
                           "would ever be impassable; list the statuses before 抢通 is done")


def _dig(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


_HEADER = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\.\"' ]+?)\s*=")


def _key_lines(lines: list[str]) -> dict[tuple[str, ...], int]:
    """Map every table header and key (as a dotted path) to its first line number (1-based)."""
    found: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(lines, start=1):
        header = _HEADER.match(line)
        if header:
            table = tuple(_unquote(p) for p in header.group(1).split("."))
            found.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            path = table + tuple(_unquote(p) for p in key.group(1).split("."))
            found.setdefault(path, number)
    return found


def _unquote(part: str) -> str:
    return part.strip().strip("\"'")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finite(value: int | float) -> bool:
    return isinstance(value, int) or math.isfinite(value)  # ints of any size are finite


# The largest sensible values (also in data/rank_rules.toml): bigger ones are typos, not rules.
_MAXIMA: dict[str, float] = {
    "weight": 1000.0,  # one household never counts as more than 1000 households
    "roads.detour_half_m": 100_000.0,  # metres: a 100 km detour is a road cut, not a detour
    "roads.snap_max_m": 20_000.0,  # metres: a centre farther from every road is off the network
    "importance.key_households_min": 100_000,  # households: more than a county has
    "importance.monitored_min": 100_000,
    "importance.severely_hit_min": 100_000,
    "importance.cut_off_villages_min": 10_000,  # villages: more than a province has
    "services.welfare_post_weight": 1000.0,  # like any weight
}
_UNITS = {"roads.detour_half_m": " (metres)", "roads.snap_max_m": " (metres)",
          "importance.key_households_min": " (households)",
          "importance.monitored_min": " (households)",
          "importance.severely_hit_min": " (households)",
          "importance.cut_off_villages_min": " (villages)"}
