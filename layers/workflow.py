"""The status workflow and who may change what: every status, filing and field edit of an asset —
from the app, a bulk change or ``tracker status`` — goes through here.

The allowed transitions are data (``data/status_workflow.toml``): forward along a listed
transition of the asset's task kind, backwards only with a reason; 已验收 only by a role that may
accept and never by the account that set 已完工. Permissions come from the actor's scope
(``layers.roles``), checked on the locked row, so a crafted request changes nothing it may not.
Every accepted change writes its history row through ``layers.store``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from geo import chinatime
from geo.db.engine import Bind, connection
from geo.errors import AccessDeniedError, ConfigError, TrackerError, ValidationError, WorkflowError
from layers import REGISTRY
from layers.base import Layer
from layers.history import last_change
from layers.roles import ROLE, Actor
from layers.store import lock_row, set_fields, set_status, stale_error
from layers.vocabularies import FILING, STATUS

WORKFLOW_PATH = Path(__file__).resolve().parents[1] / "data" / "status_workflow.toml"
NONE = "none"  # an undamaged asset / no filing yet
EDITABLE_FIELDS = ("cost_wan", "deadline", "resp_unit")  # besides the status and the filing


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    why: str


@dataclass(frozen=True)
class Kind:
    """One task kind: its layers and allowed forward moves, over an ordered list of stages."""

    name: str
    label: str
    layers: tuple[str, ...]
    transitions: tuple[Transition, ...]
    order: tuple[str, ...]  # the stages in vocabulary order

    def forward(self, source: str | None) -> list[Transition]:
        return [t for t in self.transitions if t.source == (source or NONE)]

    def allows(self, source: str | None, target: str) -> Transition | None:
        return next((t for t in self.forward(source) if t.target == target), None)

    def is_backward(self, source: str | None, target: str) -> bool:
        return source is not None and source in self.order and target in self.order and \
            self.order.index(target) < self.order.index(source)


@dataclass(frozen=True)
class Workflow:
    kinds: dict[str, Kind]
    filing: Kind
    accept_roles: tuple[str, ...]
    backward_note_min: int
    filing_due_days: int
    source: str = field(default="")

    def kind_of(self, layer: str) -> Kind:
        for kind in self.kinds.values():
            if layer in kind.layers:
                return kind
        raise ConfigError(f"{self.source}: no task kind lists the layer {layer!r}; add it to one.")


def load_workflow(path: str | Path | None = None) -> Workflow:
    """Read and check the workflow file; a mistake names the file and the key."""
    source = Path(path) if path else WORKFLOW_PATH
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read the workflow rules {source}: {error}; fix the file.") from None
    return parse_workflow(data, source.name)


def parse_workflow(data: dict[str, Any], source: str = "status_workflow.toml") -> Workflow:
    try:
        settings = data["settings"]
        kinds = {name: parse_kind(name, spec, STATUS.codes, source)
                 for name, spec in data["kinds"].items()}
        filing = parse_kind("filing", data["filing"], FILING.codes, source)
        accept = tuple(ROLE.code(r) for r in settings["accept_roles"])
        workflow = Workflow(kinds, filing, accept, int(settings["backward_note_min"]),
                            int(data["filing"]["due_days"]), source)
    except (KeyError, TypeError, ValueError, TrackerError) as error:
        raise ConfigError(f"{source}: {error!s} is missing or wrong; see the comments in the file.") from None
    listed = [la for kind in kinds.values() for la in kind.layers]
    missing = [la.name for la in REGISTRY.repairable() if la.name not in listed]
    if missing or len(listed) != len(set(listed)):
        raise ConfigError(f"{source}: every repairable layer must be in exactly one kind ({missing}).")
    return workflow


def parse_kind(name: str, spec: dict[str, Any], order: list[str], source: str) -> Kind:
    """One kind's transitions over the stages ``order`` (the problem ledger's states reuse it)."""
    transitions = []
    for item in spec["transitions"]:
        t = Transition(str(item["from"]), str(item["to"]), str(item["why"]))
        for stage in (t.source, t.target):
            if stage != NONE and stage not in order:
                raise ConfigError(f"{source}: kind {name}: unknown stage {stage!r}; valid: {', '.join(order)}.")
        transitions.append(t)
    layers = tuple(REGISTRY.get(la).name for la in spec.get("layers", ()))
    return Kind(name, str(spec.get("label", name)), layers, tuple(transitions), tuple(order))


@cache
def workflow() -> Workflow:
    return load_workflow()


# --- checks -----------------------------------------------------------------------------------
def check_transition(kind: Kind, source: str | None, target: str, note: str | None,
                     note_min: int, labels: Any = STATUS) -> Transition | None:
    """The transition taken, None for an allowed backwards move; else a WorkflowError sentence."""
    if source == target:
        raise WorkflowError(f"the status is {labels.label(target)} already; nothing to change.")
    found = kind.allows(source, target)
    if found is not None:
        return found
    if kind.is_backward(source, target):
        if len((note or "").strip()) < note_min:
            raise WorkflowError(
                f"moving back from {labels.label(source)} to {labels.label(target)} needs a reason; "
                f"write it in the note (at least {note_min} characters)."
            )
        return None
    nexts = "、".join(labels.label(t.target) for t in kind.forward(source)) or "none"
    raise WorkflowError(
        f"{labels.label(source) or '无'} cannot go to {labels.label(target)} ({kind.label}); "
        f"allowed next: {nexts}, or back with a reason."
    )


def _check_edit(actor: Actor, spec: Layer, row: Any) -> None:
    if not actor.scope.can_edit(spec.name, getattr(row, "township_code", None)):
        raise AccessDeniedError(
            f"{actor.username} ({actor.scope.describe()}) may not change {spec.zh} {row.name}; "
            "it belongs to another department or township."
        )


def _check_version(spec: Layer, row: Any, expected: int) -> None:
    if row.version != expected:
        raise stale_error(spec, row, expected)


def _check_accept(bind: Bind, actor: Actor, spec: Layer, row: Any, rules: Workflow) -> None:
    if actor.role not in rules.accept_roles:
        roles = "、".join(ROLE.label(r) for r in rules.accept_roles)
        raise AccessDeniedError(f"only {roles} may accept (已验收) a repair; ask one of them.")
    finished = last_change(bind, spec.name, row.id, "status", "done")
    finisher = finished.changed_by if finished else (row.updated_by if row.status == "done" else None)
    if finisher == actor.username:
        raise WorkflowError(
            f"{actor.username} set {row.name} to 已完工, so another account must accept it (已验收)."
        )


def _check_date(on: dt.date | None) -> dt.date:
    today = chinatime.today()
    if on is None:
        return today
    if on > today:
        raise ValidationError(f"the date {on.isoformat()} is in the future; give the day it happened.")
    return on


# --- changes ----------------------------------------------------------------------------------
def change_status(bind: Bind, actor: Actor, layer: str, feature_id: int, new: str,
                  expected_version: int, *, note: str | None = None,
                  on: dt.date | None = None) -> int:
    """Move one asset to ``new`` under the workflow, the actor's rights and optimistic locking.

    Returns the new version; refusals are one sentence and change nothing.
    """
    spec = REGISTRY.get(layer)
    if not spec.repairable:
        raise ValidationError(f"{spec.zh} ({spec.name}) has no repair status to change.")
    code = STATUS.code(new)
    rules = workflow()
    conn = connection(bind)
    row = lock_row(conn, spec, feature_id)
    _check_version(spec, row, expected_version)
    _check_edit(actor, spec, row)
    check_transition(rules.kind_of(spec.name), row.status, code, note, rules.backward_note_min)
    if code == "accepted":
        _check_accept(conn, actor, spec, row, rules)
    return set_status(bind, spec, feature_id, code, expected_version, actor.username,
                      today=_check_date(on), note=note)


def change_filing(bind: Bind, actor: Actor, feature_id: int, new: str, expected_version: int, *,
                  filed_on: dt.date | None = None, document: str | None = None,
                  note: str | None = None) -> int:
    """先实施后备案: move a power line's filing along its workflow; 已备案 needs date and number."""
    spec = REGISTRY.get("power_lines")
    code = FILING.code(new)
    rules = workflow()
    conn = connection(bind)
    row = lock_row(conn, spec, feature_id)
    _check_version(spec, row, expected_version)
    _check_edit(actor, spec, row)
    check_transition(rules.filing, row.filing, code, note, rules.backward_note_min, FILING)
    values: dict[str, Any] = {"filing": code}
    if code == "filed":
        if filed_on is None or not (document or "").strip():
            raise ValidationError("已备案 needs the filing date and the document number (备案文号).")
        values.update(filed_on=_check_date(filed_on), filing_doc=(document or "").strip())
    else:
        values.update(filed_on=None, filing_doc=None)
    return set_fields(bind, spec, feature_id, values, expected_version, actor.username,
                      note=note, effective_on=values.get("filed_on"))


def edit_fields(bind: Bind, actor: Actor, layer: str, feature_id: int, values: dict[str, Any],
                expected_version: int, *, note: str | None = None) -> int:
    """Change an asset's cost, deadline or responsible unit (one history row per changed field)."""
    spec = REGISTRY.get(layer)
    wrong = [c for c in values if c not in EDITABLE_FIELDS]
    if not spec.repairable or wrong:
        raise ValidationError(f"only {', '.join(EDITABLE_FIELDS)} of a repairable layer may be edited here.")
    conn = connection(bind)
    row = lock_row(conn, spec, feature_id)
    _check_version(spec, row, expected_version)
    _check_edit(actor, spec, row)
    if values.get("cost_wan") is not None and float(values["cost_wan"]) < 0:
        raise ValidationError("the estimated cost cannot be negative.")
    return set_fields(bind, spec, feature_id, values, expected_version, actor.username, note=note)


# --- bulk -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BulkItem:
    layer: str
    id: int
    version: int
    name: str = ""


@dataclass
class BulkResult:
    changed: list[BulkItem] = field(default_factory=list)
    refused: list[tuple[BulkItem, str]] = field(default_factory=list)

    def sentence(self) -> str:
        return f"{len(self.changed)} changed, {len(self.refused)} refused"


def bulk_change_status(bind: sa.Connection, actor: Actor, items: list[BulkItem], new: str, *,
                       note: str | None = None, on: dt.date | None = None) -> BulkResult:
    """The same status change for a selection, each row against the version it was read with.

    Each row is its own savepoint: a refused row (stale, not allowed, wrong transition) changes
    nothing and does not stop the others; the result says which and why.
    """
    result = BulkResult()
    for item in items:
        savepoint = bind.begin_nested()
        try:
            change_status(bind, actor, item.layer, item.id, new, item.version, note=note, on=on)
        except TrackerError as error:
            savepoint.rollback()
            result.refused.append((item, str(error)))
            continue
        savepoint.commit()
        result.changed.append(item)
    return result
