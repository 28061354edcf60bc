"""Roles and scopes: who may see and change what. Enforced by the code that reads and writes
(``layers.workflow``, ``views``), never by hiding widgets.

- 县级管理员 ``admin``: everything, manages accounts.
- 行业部门 ``department``: sees the county map and queue; changes statuses, dates and costs of its
  own layers (``DEPARTMENT_LAYERS``); exports its own layers and the reference layers (boundaries,
  flood extent); sees households only as counts.
- 乡镇 ``township``: sees and acts on its own township (assets and households).
- 只读 ``readonly`` (纪检, 督查): sees everything of its scope (the county, or one township), changes
  nothing, exports nothing personal.

A :class:`Scope` (role, department, township) is what decides visibility, so it keys every cache;
an :class:`Actor` is a scope plus the account name that history and logs record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from geo.errors import AccessDeniedError, ValidationError
from geo.vocab import Term, Vocabulary
from layers.filter import HOUSEHOLDS, Filter

T = Term
ROLE = Vocabulary("role", [
    T("admin", "县级管理员", "County administrator"),
    T("department", "行业部门", "Line department"),
    T("township", "乡镇", "Township"),
    T("readonly", "只读", "Read-only"),
])

DEPARTMENT = Vocabulary("department", [
    T("transport", "交通", "Transport"),
    T("water", "水利", "Water resources"),
    T("power", "电力", "Power"),
    T("telecom", "通信", "Telecom"),
    T("education", "教育", "Education"),
    T("health", "卫健", "Health"),
    T("rural", "光伏/乡村振兴", "PV / rural revitalisation"),
])

# Which repairable layers each line department answers for (责任单位 by sector, POLICY.md).
DEPARTMENT_LAYERS: dict[str, tuple[str, ...]] = {
    "transport": ("roads",),
    "water": ("water_works",),
    "power": ("power_lines",),
    "telecom": ("telecom_sites",),
    "education": ("schools",),
    "health": ("clinics",),
    "rural": ("pv_stations",),
}
# Layers anyone may see and export: they describe places, not people or one sector's work.
REFERENCE_LAYERS = ("county", "townships", "villages", "flood_extent")


def department_of(layer: str) -> str | None:
    """The department answering for a repairable layer (None for the others)."""
    for department, layers in DEPARTMENT_LAYERS.items():
        if layer in layers:
            return department
    return None


@dataclass(frozen=True)
class Scope:
    """What an account sees: hashable, so it keys cached data (same scope, same results)."""

    role: str
    department: str | None = None
    township: str | None = None  # one township's code; None = the whole county

    def __post_init__(self) -> None:
        if self.role not in ROLE:
            raise ValidationError(f"unknown role {self.role!r}; valid: {', '.join(ROLE.codes)}.")
        if (self.role == "department") != (self.department is not None):
            raise ValidationError("a 行业部门 account needs a department, and only it has one.")
        if self.role == "township" and not self.township:
            raise ValidationError("a 乡镇 account needs its township.")
        if self.role in ("admin", "department") and self.township:
            raise ValidationError("only 乡镇 and 只读 accounts are limited to one township.")

    def key(self) -> tuple[str, str, str]:
        return (self.role, self.department or "", self.township or "")

    @classmethod
    def from_key(cls, key: tuple[str, ...]) -> Scope:
        role, department, township = key
        return cls(role, department or None, township or None)

    # --- seeing -------------------------------------------------------------------------
    @property
    def households_in_full(self) -> bool:
        """Names, helpers and house points of households; a 行业部门 sees counts only."""
        return self.role != "department"

    def restrict(self, chosen: Filter) -> Filter:
        """The filter narrowed to this scope; asking for another township is refused."""
        if self.township is None:
            return chosen
        other = [c for c in chosen.townships if c != self.township]
        if other:
            raise AccessDeniedError(
                f"this account sees only township {self.township}; {', '.join(other)} is not yours."
            )
        return replace(chosen, townships=(self.township,))

    def sees_township(self, township_code: str | None) -> bool:
        return self.township is None or township_code == self.township

    # --- acting -------------------------------------------------------------------------
    def can_edit(self, layer: str, township_code: str | None) -> bool:
        """May this scope change a repairable feature of ``layer`` in ``township_code``?"""
        if self.role == "admin":
            return True
        if self.role == "department":
            return layer in DEPARTMENT_LAYERS.get(self.department or "", ())
        if self.role == "township":
            return township_code is not None and township_code == self.township
        return False

    def may_unmask(self, township_code: str | None) -> bool:
        """May this scope see one household's ID number and phone (with a reason, logged)?"""
        return self.role == "admin" or (self.role == "township" and self.sees_township(township_code))

    @property
    def may_export_personal(self) -> bool:
        """Households' names, helpers and locations in a file (confirmed and logged)."""
        return self.role in ("admin", "township")

    @property
    def may_export_private(self) -> bool:
        """ID numbers, phones and incomes in full (the command line's --include-private)."""
        return self.role == "admin"

    @property
    def manages_accounts(self) -> bool:
        return self.role == "admin"

    def may_import(self, layer: str) -> bool:
        """May this scope load a bureau's file into ``layer``? The county administrator any
        layer (the household register carries ID numbers and phones), a department its own."""
        if self.role == "admin":
            return True
        return self.role == "department" and layer in DEPARTMENT_LAYERS.get(self.department or "", ())

    def exportable_layers(self, names: list[str]) -> list[str]:
        """Of ``names``, the layers this scope may export."""
        if self.role != "department":
            return list(names)
        own = DEPARTMENT_LAYERS.get(self.department or "", ())
        return [n for n in names if n in own or n in REFERENCE_LAYERS]

    def check_export_layers(self, names: list[str]) -> None:
        refused = [n for n in names if n not in self.exportable_layers([n])]
        if refused or (HOUSEHOLDS in names and not self.households_in_full):
            raise AccessDeniedError(
                f"this account may not export {', '.join(refused or [HOUSEHOLDS])}; "
                "choose your own layers."
            )

    def describe(self, lang: str = "zh") -> str:
        parts = [ROLE.label(self.role, lang)]
        if self.department:
            parts.append(DEPARTMENT.label(self.department, lang))
        if self.township:
            parts.append(self.township)
        return " · ".join(parts)


@dataclass(frozen=True)
class Actor:
    """Who acts: the account name (recorded in history and logs) and its scope."""

    username: str
    scope: Scope

    @property
    def role(self) -> str:
        return self.scope.role
