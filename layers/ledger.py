"""问题台账 — the household problem ledger: every risk point of a household, from found to 销号.

One problem per risk point (kind: the 两不愁三保障 + 饮水 items and 收入), its cause (linked
assets ``layer:id``, or the household's own situation in words), the measure (帮扶措施, from
``data/ledger.toml``), who helps and by when, and its state: 待处理 → 处理中 → 待核实 → 已销号, or
不属实 with a reason (the moves are ``data/ledger.toml``'s). 销号 is a verification: who, when,
how, a note, optionally a photo, by another account than the one that reported the measure done.

Problems and households are changed like assets, through ``layers.store.update_locked``
(optimistic locking, one history row per changed field, in the caller's transaction). A
household's risk flags follow its open problems, so the repair ranking (which weighs the flags)
sees each problem opened and closed. No map layer: not in the registry, like accounts and history.

Repairs close the loop: ``layers.store`` tells :func:`service_changed` of every status change;
when an asset's service is back (``[restores]`` in the rules), every open problem it caused —
and nothing still unrestored caused — moves to 待核实, naming the asset. Nothing closes itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from geo import chinatime
from geo.db.engine import Bind, connection
from geo.errors import AccessDeniedError, NotFoundError, ValidationError, WorkflowError
from geo.io.photo import check_photo
from layers import REGISTRY
from layers.base import Base, vocab_check
from layers.history import record_change
from layers.ledger_rules import LedgerRules, ledger_rules
from layers.roles import Actor
from layers.store import STATUS_LISTENERS, Tracked, find_asset, lock_row, stale_error, update_locked
from layers.vocabularies import (
    KIND_FLAG,
    OPEN_PROBLEM_STATES,
    PROBLEM_KIND,
    PROBLEM_STATE,
    RENOVATION,
    STATUS,
    VERIFY_METHOD,
)
from layers.workflow import check_transition

NONE = "none"  # a problem not yet on the ledger (the state machine's start)
HOUSE_FIELDS = ("appraisal_grade", "appraised_on", "in_plan", "renovation", "works_started_on",
                "works_finished_on", "subsidy_yuan")


class Problem(Base):
    __tablename__ = "problems"
    __table_args__ = (
        vocab_check("kind", PROBLEM_KIND),
        vocab_check("state", PROBLEM_STATE),
        vocab_check("verify_method", VERIFY_METHOD),
        vocab_check("renovation", RENOVATION),
        CheckConstraint("appraisal_grade IN ('C', 'D')", name="appraisal_grade"),
        # the C/D house facts belong to a 住房安全 problem only
        CheckConstraint("kind = 'housing' OR (appraisal_grade IS NULL AND appraised_on IS NULL "
                        "AND renovation IS NULL AND works_started_on IS NULL "
                        "AND works_finished_on IS NULL AND subsidy_yuan IS NULL AND NOT in_plan)",
                        name="house_fields"),
        CheckConstraint("works_finished_on IS NULL OR works_started_on IS NULL "
                        "OR works_finished_on >= works_started_on", name="works_finished_on"),
        CheckConstraint("subsidy_yuan IS NULL OR subsidy_yuan >= 0", name="subsidy_yuan"),
        CheckConstraint("due_on >= found_on", name="due_on"),
        CheckConstraint("state <> 'closed' OR (verified_by IS NOT NULL AND verified_on IS NOT NULL "
                        "AND verify_method IS NOT NULL)", name="closed_verified"),
        # 销号 by another account than the one that reported the measure done — in the database too
        CheckConstraint("verified_by IS NULL OR done_by IS NULL OR verified_by <> done_by",
                        name="verifier"),
        CheckConstraint("state <> 'unfounded' OR state_reason IS NOT NULL", name="unfounded_reason"),
        CheckConstraint("version >= 1", name="version"),
        Index("ix_problems_causes", "causes", postgresql_using="gin"),
        Index("ix_problems_state_due", "state", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("households.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    causes: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    cause_note: Mapped[str | None] = mapped_column(Text)  # the own situation: 因病, C级危房 …
    # a code of data/ledger.toml's measures; no check constraint, so adding one needs no migration
    measure: Mapped[str | None] = mapped_column(Text)
    measure_note: Mapped[str | None] = mapped_column(Text)
    helper: Mapped[str | None] = mapped_column(Text)  # 帮扶责任人
    helper_unit: Mapped[str | None] = mapped_column(Text)  # 帮扶单位
    found_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    state: Mapped[str] = mapped_column(Text, nullable=False, server_default="open")
    state_reason: Mapped[str | None] = mapped_column(Text)  # 不属实 / 核实未通过 / back: why
    done_by: Mapped[str | None] = mapped_column(Text)  # who reported the measure done (待核实)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    done_note: Mapped[str | None] = mapped_column(Text)
    verified_by: Mapped[str | None] = mapped_column(Text)
    verified_on: Mapped[dt.date | None] = mapped_column(Date)
    verify_method: Mapped[str | None] = mapped_column(Text)
    verify_note: Mapped[str | None] = mapped_column(Text)
    appraisal_grade: Mapped[str | None] = mapped_column(Text)
    appraised_on: Mapped[dt.date | None] = mapped_column(Date)
    in_plan: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    renovation: Mapped[str | None] = mapped_column(Text)
    works_started_on: Mapped[dt.date | None] = mapped_column(Date)
    works_finished_on: Mapped[dt.date | None] = mapped_column(Date)
    subsidy_yuan: Mapped[Decimal | None] = mapped_column(Numeric(10, 0))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    created_by: Mapped[str] = mapped_column(Text, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    updated_by: Mapped[str | None] = mapped_column(Text)


class ProblemPhoto(Base):
    """A verification photo, in the database: it commits or rolls back with the verification,
    one backup holds it, and it is read through the same scoped queries as the problem."""

    __tablename__ = "problem_photos"
    __table_args__ = (
        CheckConstraint("media_type IN ('image/jpeg', 'image/png', 'image/webp')", name="media_type"),
        CheckConstraint("size_bytes > 0 AND octet_length(data) = size_bytes", name="size_bytes"),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    problem_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("problems.id", ondelete="CASCADE"), nullable=False, index=True)
    media_type: Mapped[str] = mapped_column(Text, nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(Text, nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    uploaded_by: Mapped[str] = mapped_column(Text, nullable=False)
    uploaded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())


PROBLEMS_TABLE: sa.Table = Problem.__table__  # type: ignore[assignment]
PHOTOS: sa.Table = ProblemPhoto.__table__  # type: ignore[assignment]


def _describe(row: Any) -> tuple[str, str | None]:
    return f"问题 #{row.id}（{PROBLEM_KIND.label(row.kind)}）", PROBLEM_STATE.label(row.state)


PROBLEMS = Tracked("problems", PROBLEMS_TABLE, _describe)
HOUSEHOLDS = REGISTRY.get("households")


@dataclass(frozen=True)
class House:
    """A C/D house on the ledger (住房安全): appraisal, the renovation plan and its works."""

    appraisal_grade: str | None = None  # C / D
    appraised_on: dt.date | None = None
    in_plan: bool = False  # 纳入农村危房改造计划
    renovation: str | None = None  # 修缮 / 重建
    works_started_on: dt.date | None = None
    works_finished_on: dt.date | None = None
    subsidy_yuan: float | None = None

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in HOUSE_FIELDS}


@dataclass(frozen=True)
class NewProblem:
    """A risk point to put on the ledger. ``causes``: asset codes or ``layer:id``; none = the
    household's own situation, said in ``cause_note``."""

    household_id: int
    kind: str
    causes: tuple[str, ...] = ()
    cause_note: str | None = None
    measure: str | None = None
    measure_note: str | None = None
    helper: str | None = None
    helper_unit: str | None = None
    found_on: dt.date | None = None
    due_on: dt.date | None = None
    house: House | None = None


# --- checks ---------------------------------------------------------------------------------
def household_place(bind: Bind, household_id: int) -> sa.Row[Any]:
    """The household's id, code, village, township, helper and flags (NotFoundError if none)."""
    hh = HOUSEHOLDS.table
    villages = REGISTRY.get("villages").table
    row = connection(bind).execute(
        sa.select(hh, villages.c.township_code)
        .join(villages, villages.c.code == hh.c.village_code)
        .where(hh.c.id == int(household_id))).first()
    if row is None:
        raise NotFoundError(f"household #{household_id} does not exist; reload the page.")
    return row


def check_may_act(actor: Actor, township_code: str | None, rules: LedgerRules | None = None) -> None:
    """Only the roles of ``act_roles`` change the ledger, a 乡镇 account in its own township."""
    rules = rules or ledger_rules()
    if actor.role not in rules.act_roles or not actor.scope.sees_township(township_code):
        raise AccessDeniedError(
            f"{actor.username} ({actor.scope.describe()}) may not change this household's problems; "
            "the county or its own township does.")


def check_due(due_on: dt.date, found_on: dt.date, rules: LedgerRules) -> None:
    if due_on < rules.flood_date:
        raise ValidationError(f"the due date {due_on.isoformat()} is before the flood "
                              f"({rules.flood_date.isoformat()}); give a later date.")
    if due_on < found_on:
        raise ValidationError(f"the due date {due_on.isoformat()} is before the problem was found "
                              f"({found_on.isoformat()}); give a later date.")


def past_or_today(on: dt.date | None, what: str) -> dt.date:
    today = chinatime.today()
    if on is None:
        return today
    if on > today:
        raise ValidationError(f"the {what} {on.isoformat()} is in the future; give the day it happened.")
    return on


def _reason(text: str | None, rules: LedgerRules, what: str) -> str:
    reason = (text or "").strip()
    if len(reason) < rules.reason_min:
        raise ValidationError(f"{what} needs a reason of at least {rules.reason_min} characters.")
    return reason


def measure_code(text: str, rules: LedgerRules | None = None) -> str:
    """A measure's code from its code or label; an unknown one lists the valid measures."""
    return (rules or ledger_rules()).measures.code(text)


def asset_refs(bind: Bind, causes: tuple[str, ...] | list[str]) -> list[str]:
    """``layer:id`` of each named asset (code or layer:id), checked to exist and be repairable."""
    conn = connection(bind)
    refs = set()
    for text in causes:
        if not str(text).strip():
            continue
        layer, ident = find_asset(conn, str(text))
        if not REGISTRY.get(layer).repairable:
            raise ValidationError(f"{text!r} is a {REGISTRY.get(layer).zh}, not a damaged asset; "
                                  "name a road, water work, power line, station, school or clinic.")
        table = REGISTRY.get(layer).table
        if conn.execute(sa.select(table.c.id).where(table.c.id == ident)).first() is None:
            raise NotFoundError(f"{layer}:{ident} does not exist; check the asset.")
        refs.add(f"{layer}:{ident}")
    return sorted(refs)


# --- opening a problem ----------------------------------------------------------------------
def add_problem(bind: Bind, actor: Actor, new: NewProblem, *, note: str | None = None,
                rules: LedgerRules | None = None) -> int:
    """Put one risk point on the ledger (待处理, or 处理中 when a measure is given); its history
    row and the household's risk flag are written in the same transaction. Returns its id."""
    rules = rules or ledger_rules()
    conn = connection(bind)
    place = household_place(conn, new.household_id)
    check_may_act(actor, place.township_code, rules)
    kind = PROBLEM_KIND.code(new.kind)
    measure = measure_code(new.measure, rules) if new.measure else None
    state = "in_progress" if measure else "open"
    check_transition(rules.states, None, state, None, rules.reason_min, PROBLEM_STATE)
    found = past_or_today(new.found_on, "date the problem was found")
    given = new.house
    if kind == "housing" and given is None and place.house_grade in ("C", "D"):
        given = House(appraisal_grade=place.house_grade)  # the household's own appraisal
    house = _house_values(kind, given, rules)
    due = new.due_on or default_due(kind, found, house, rules)
    check_due(due, found, rules)
    values = {
        "household_id": int(new.household_id), "kind": kind, "causes": asset_refs(conn, new.causes),
        "cause_note": _text(new.cause_note), "measure": measure, "measure_note": _text(new.measure_note),
        "helper": _text(new.helper) or place.helper, "helper_unit": _text(new.helper_unit),
        "found_on": found, "due_on": due, "state": state, "created_by": actor.username,
        "updated_by": actor.username, **house,
    }
    if not values["causes"] and not values["cause_note"]:
        raise ValidationError("say what caused the problem: link the damaged asset(s), or describe "
                              "the household's own situation (e.g. 因病, C级危房).")
    problem_id = int(conn.execute(sa.insert(PROBLEMS_TABLE).values(**values)
                                  .returning(PROBLEMS_TABLE.c.id)).scalar_one())
    record_change(conn, PROBLEMS.name, problem_id, "state", None, state, actor.username,
                  note=note or f"登记问题 {PROBLEM_KIND.label(kind)} registered", effective_on=found)
    sync_flag(conn, int(new.household_id), kind, actor.username, f"问题 #{problem_id}")
    return problem_id


def default_due(kind: str, found: dt.date, house: dict[str, Any], rules: LedgerRules) -> dt.date:
    """A C/D house is due on the housing deadline (30 November); the rest ``default_due_days``
    after they were found."""
    if kind == "housing" and house.get("appraisal_grade") in ("C", "D"):
        return max(rules.house_deadline, found)
    return found + dt.timedelta(days=rules.default_due_days)


def _house_values(kind: str, house: House | None, rules: LedgerRules) -> dict[str, Any]:
    if house is None:
        return {}
    if kind != "housing":
        raise ValidationError("appraisal and renovation facts belong to a 住房安全 problem only.")
    values = house.values()
    if values["appraisal_grade"] is not None and values["appraisal_grade"] not in ("C", "D"):
        raise ValidationError("a house on the ledger is appraised C or D (危房); A and B are safe.")
    if values["renovation"] is not None:
        values["renovation"] = RENOVATION.code(values["renovation"])
    for name in ("appraised_on", "works_started_on", "works_finished_on"):
        if values[name] is not None:
            past_or_today(values[name], name.replace("_", " "))
            if values[name] < rules.flood_date:
                raise ValidationError(f"{name.replace('_', ' ')} {values[name]} is before the flood.")
    start, finish = values["works_started_on"], values["works_finished_on"]
    if finish is not None and (start is None or finish < start):
        raise ValidationError("the works cannot finish before they started; give both dates in order.")
    if values["subsidy_yuan"] is not None and float(values["subsidy_yuan"]) < 0:
        raise ValidationError("the subsidy cannot be negative.")
    return values


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


# --- the household's risk flags follow its open problems ------------------------------------
def sync_flag(bind: Bind, household_id: int, kind: str, user: str, note: str) -> None:
    """Raise or lower the household's flag of ``kind`` to match its open problems of that kind
    (through the store: the household's version moves and its history records why)."""
    flag = KIND_FLAG.get(kind)
    if flag is None:
        return
    conn = connection(bind)
    still_open = conn.execute(sa.select(sa.func.count()).select_from(PROBLEMS_TABLE).where(
        PROBLEMS_TABLE.c.household_id == household_id, PROBLEMS_TABLE.c.kind == kind,
        PROBLEMS_TABLE.c.state.in_(OPEN_PROBLEM_STATES))).scalar_one() > 0
    row = lock_row(conn, HOUSEHOLDS, household_id)
    if bool(getattr(row, flag)) != still_open:
        update_locked(conn, HOUSEHOLDS, household_id, int(row.version), user, {flag: still_open},
                      tracked=(flag,), note=note, effective_on=None)


# --- moving a problem -----------------------------------------------------------------------
def _locked(conn: sa.Connection, actor: Actor, problem_id: int, expected_version: int,
            rules: LedgerRules) -> sa.Row[Any]:
    """The problem locked for this transaction, after the version and the actor's rights."""
    row = lock_row(conn, PROBLEMS, problem_id)
    if row.version != expected_version:
        raise stale_error(PROBLEMS, row, expected_version)
    check_may_act(actor, household_place(conn, row.household_id).township_code, rules)
    return row


def _move(conn: sa.Connection, actor: Actor, row: sa.Row[Any], values: dict[str, Any], *,
          note: str | None, on: dt.date | None) -> int:
    tracked = tuple(c for c in values if c not in ("done_on", "verified_on"))
    version = update_locked(conn, PROBLEMS, row.id, int(row.version), actor.username, values,
                            tracked=tracked, note=note, effective_on=on)
    if values.get("state", row.state) != row.state:
        sync_flag(conn, row.household_id, row.kind, actor.username,
                  f"问题 #{row.id} {PROBLEM_STATE.label(values['state'])}")
    return version


def set_measure(bind: Bind, actor: Actor, problem_id: int, expected_version: int, measure: str, *,
                measure_note: str | None = None, helper: str | None = None,
                helper_unit: str | None = None, due_on: dt.date | None = None,
                note: str | None = None) -> int:
    """Record the measure (and who helps, by when): 待处理 → 处理中; a problem under way keeps its
    state. Returns the new version."""
    rules = ledger_rules()
    conn = connection(bind)
    row = _locked(conn, actor, problem_id, expected_version, rules)
    if row.state not in ("open", "in_progress"):
        raise WorkflowError(f"问题 #{row.id} is {PROBLEM_STATE.label(row.state)}; a measure is "
                            "recorded while it is 待处理 or 处理中.")
    values: dict[str, Any] = {"measure": measure_code(measure, rules)}
    if row.state == "open":
        check_transition(rules.states, "open", "in_progress", note, rules.reason_min, PROBLEM_STATE)
        values["state"] = "in_progress"
    for column, given in (("measure_note", measure_note), ("helper", helper),
                          ("helper_unit", helper_unit)):
        if given is not None:
            values[column] = _text(given)
    if due_on is not None:
        check_due(due_on, row.found_on, rules)
        values["due_on"] = due_on
    return _move(conn, actor, row, values, note=note, on=None)


def mark_done(bind: Bind, actor: Actor, problem_id: int, expected_version: int, *,
              on: dt.date | None = None, note: str | None = None) -> int:
    """The measure is done: → 待核实, recording who reported it (they may not verify it)."""
    rules = ledger_rules()
    conn = connection(bind)
    row = _locked(conn, actor, problem_id, expected_version, rules)
    check_transition(rules.states, row.state, "to_verify", note, rules.reason_min, PROBLEM_STATE)
    if row.measure is None:
        raise WorkflowError(f"问题 #{row.id} has no measure yet; record what was done first.")
    if row.kind == "housing" and row.renovation and row.works_finished_on is None:
        raise WorkflowError(f"问题 #{row.id}: the house's {RENOVATION.label(row.renovation)} has no "
                            "finish date yet; record the works first.")
    day = past_or_today(on, "date")
    return _move(conn, actor, row, _done_values(actor.username, day, note), note=note, on=day)


def _done_values(user: str, day: dt.date, note: str | None) -> dict[str, Any]:
    return {"state": "to_verify", "done_by": user, "done_on": day, "done_note": _text(note),
            "verified_by": None, "verified_on": None, "verify_method": None, "verify_note": None}


def verify(bind: Bind, actor: Actor, problem_id: int, expected_version: int, method: str, *,
           note: str | None = None, on: dt.date | None = None, photo: bytes | None = None) -> int:
    """销号: verified (who, when, how, a note, optionally a photo) by another account than the one
    that reported the measure done. Returns the new version."""
    rules = ledger_rules()
    conn = connection(bind)
    row = _locked(conn, actor, problem_id, expected_version, rules)
    check_transition(rules.states, row.state, "closed", note, rules.reason_min, PROBLEM_STATE)
    if row.done_by == actor.username:
        raise WorkflowError(f"{actor.username} reported 问题 #{row.id} done, so another person "
                            "must verify it (销号).")
    day = past_or_today(on, "verification date")
    if row.done_on is not None and day < row.done_on:
        raise ValidationError(f"the verification date {day} is before the measure was done "
                              f"({row.done_on}); give the day of the check.")
    checked = check_photo(photo, rules.photo_max_bytes) if photo is not None else None
    values = {"state": "closed", "verified_by": actor.username, "verified_on": day,
              "verify_method": VERIFY_METHOD.code(method), "verify_note": _text(note),
              "state_reason": None}
    version = _move(conn, actor, row, values, note=note, on=day)
    if checked is not None:
        conn.execute(sa.insert(PHOTOS).values(
            problem_id=row.id, media_type=checked.media_type, size_bytes=checked.size,
            sha256=checked.sha256, width=checked.width, height=checked.height, data=checked.data,
            uploaded_by=actor.username))
        record_change(conn, PROBLEMS.name, row.id, "photo", None, checked.sha256, actor.username,
                      note="核实照片 verification photo (SHA-256)", effective_on=day)
    return version


def mark_unfounded(bind: Bind, actor: Actor, problem_id: int, expected_version: int,
                   reason: str) -> int:
    """不属实: the risk was not there on checking; the reason is required and kept."""
    rules = ledger_rules()
    conn = connection(bind)
    row = _locked(conn, actor, problem_id, expected_version, rules)
    why = _reason(reason, rules, "不属实")
    check_transition(rules.states, row.state, "unfounded", why, rules.reason_min, PROBLEM_STATE)
    return _move(conn, actor, row, {"state": "unfounded", "state_reason": why}, note=why, on=None)


def send_back(bind: Bind, actor: Actor, problem_id: int, expected_version: int, target: str,
              reason: str) -> int:
    """Back to an earlier stage with a reason (核实未通过 → 处理中, or reopening a closed one): the
    verification and the report of the measure done no longer hold."""
    rules = ledger_rules()
    conn = connection(bind)
    row = _locked(conn, actor, problem_id, expected_version, rules)
    code = PROBLEM_STATE.code(target)
    why = _reason(reason, rules, "moving a problem back")
    if code not in ("open", "in_progress") or not rules.states.is_backward(row.state, code):
        raise WorkflowError(f"问题 #{row.id} is {PROBLEM_STATE.label(row.state)}; it can go back "
                            "to 待处理 or 处理中 only from a later stage.")
    check_transition(rules.states, row.state, code, why, rules.reason_min, PROBLEM_STATE)
    values = {"state": code, "state_reason": why, "done_by": None, "done_on": None,
              "done_note": None, "verified_by": None, "verified_on": None, "verify_method": None,
              "verify_note": None}
    return _move(conn, actor, row, values, note=why, on=None)


def set_house(bind: Bind, actor: Actor, problem_id: int, expected_version: int, house: House, *,
              note: str | None = None) -> int:
    """The C/D house's appraisal, renovation plan, works and subsidy (住房安全 only)."""
    rules = ledger_rules()
    conn = connection(bind)
    row = _locked(conn, actor, problem_id, expected_version, rules)
    values = _house_values(row.kind, house, rules)
    return _move(conn, actor, row, values, note=note, on=None)


# --- repairs close the loop -----------------------------------------------------------------
def service_changed(conn: sa.Connection, layer: str, feature_id: int, old: str | None,
                    new: str | None, user: str, on: dt.date | None) -> None:
    """An asset's status changed (``layers.store``, same transaction): when its service came back
    with this change, every open problem it caused moves to 待核实 — unless another cause of the
    problem is still unrestored, which its history then records. Nothing is closed here."""
    rules = ledger_rules()
    if not rules.restored(layer, new) or rules.restored(layer, old):
        return
    ref = f"{layer}:{feature_id}"
    spec = REGISTRY.get(layer)
    asset = conn.execute(sa.select(spec.table.c.code, spec.table.c.name)
                         .where(spec.table.c.id == feature_id)).one()
    named = f"{spec.zh}{asset.name}（{asset.code}）{STATUS.label(new)}"
    rows = conn.execute(
        sa.select(PROBLEMS_TABLE).where(PROBLEMS_TABLE.c.causes.contains([ref]),
                                        PROBLEMS_TABLE.c.state.in_(("open", "in_progress")))
        .order_by(PROBLEMS_TABLE.c.id).with_for_update()).all()
    day = on or chinatime.today()
    for row in rows:
        waiting = [c for c in row.causes if c != ref and not _restored(conn, c, rules)]
        if waiting:
            record_change(conn, PROBLEMS.name, row.id, "restored", None, ref, user,
                          note=f"{named}；仍待 still waiting for {'、'.join(waiting)}", effective_on=day)
            continue
        values = {**_done_values(user, day, f"{named}，服务已恢复 service restored"),
                  "measure": row.measure or "asset_repair"}
        update_locked(conn, PROBLEMS, row.id, int(row.version), user, values,
                      tracked=("state", "done_by", "done_note", "measure"),
                      note=f"修复闭环 repair closes the loop: {named}", effective_on=day)


def _restored(conn: sa.Connection, ref: str, rules: LedgerRules) -> bool:
    layer, _, ident = ref.partition(":")
    table = REGISTRY.get(layer).table
    status = conn.execute(sa.select(table.c.status).where(table.c.id == int(ident))).scalar()
    return status is None or rules.restored(layer, status)  # undamaged (no status) serves


STATUS_LISTENERS.append(service_changed)


def open_flagged(conn: sa.Connection, user: str, rules: LedgerRules | None = None) -> int:
    """One 待处理 problem, with its history row, for every raised risk flag of a household that
    has no unclosed problem of that kind — e.g. after a household register was imported, so that
    the flags and the ledger never disagree. Returns the problems opened."""
    rules = rules or ledger_rules()
    flags = ", ".join(f"('{kind}', h.{flag})" for kind, flag in KIND_FLAG.items())
    note = "导入的风险标记转入台账 risk flag from an import"
    made = conn.execute(sa.text(f"""
        WITH today AS (SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date AS d),
        made AS (
            INSERT INTO problems (household_id, kind, cause_note, helper, found_on, due_on, state,
                                  appraisal_grade, created_by, updated_by)
            SELECT h.id, k.kind, :note, h.helper, today.d,
                   CASE WHEN k.kind = 'housing' AND h.house_grade IN ('C', 'D')
                        THEN greatest(:house_due, today.d) ELSE today.d + :due_days END,
                   'open',
                   CASE WHEN k.kind = 'housing' AND h.house_grade IN ('C', 'D') THEN h.house_grade END,
                   :who, :who
            FROM households h CROSS JOIN today
            CROSS JOIN LATERAL (VALUES {flags}) AS k(kind, flagged)
            WHERE k.flagged AND NOT EXISTS (
                SELECT 1 FROM problems p WHERE p.household_id = h.id AND p.kind = k.kind
                AND p.state = ANY(:open_states))
            ORDER BY h.id, k.kind
            RETURNING id, found_on)
        INSERT INTO change_history (table_name, record_id, field, old_value, new_value, note,
                                    effective_on, changed_by)
        SELECT 'problems', id, 'state', NULL, 'open', :note, found_on, :who FROM made
    """), {"note": note, "house_due": rules.house_deadline, "due_days": rules.default_due_days,
           "who": user, "open_states": list(OPEN_PROBLEM_STATES)})
    return int(made.rowcount or 0)
