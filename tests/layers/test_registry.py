"""The layer contract holds for every registered layer (pure: no database)."""

from __future__ import annotations

import pytest

from geo.errors import UnknownChoiceError
from layers import REGISTRY
from layers.vocabularies import STATUS


def test_status_accepts_code_and_labels() -> None:
    assert STATUS.codes_for("未开工,抢通中") == ["not_started", "opening"]
    assert STATUS.code("Reopened") == "opened"
    assert STATUS.label("accepted") == "已验收"
    assert STATUS.label("accepted", "en") == "Accepted"


def test_unknown_status_lists_the_choices() -> None:
    with pytest.raises(UnknownChoiceError, match="待评估"):
        STATUS.code("finished")


@pytest.mark.parametrize("layer", list(REGISTRY), ids=REGISTRY.names)
def test_shapefile_codes_fit_ten_bytes_and_are_unique(layer) -> None:  # type: ignore[no-untyped-def]
    codes = [f.shp for f in layer.fields]
    assert all(code.isascii() and len(code.encode()) <= 10 for code in codes)
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize("layer", list(REGISTRY), ids=REGISTRY.names)
def test_every_field_is_a_column(layer) -> None:  # type: ignore[no-untyped-def]
    columns = set(layer.table.c.keys())
    assert {f.column for f in layer.fields} <= columns
    assert "geom" in columns


def test_registry_lookup_by_any_name() -> None:
    assert REGISTRY.get("水毁公路") is REGISTRY.get("roads") is REGISTRY.get("Roads")
    with pytest.raises(UnknownChoiceError, match="roads"):
        REGISTRY.get("bridges")


def test_private_fields_are_the_personal_data() -> None:
    households = REGISTRY.get("households")
    private = {f.column for f in households.fields if f.private}
    assert private == {"id_number", "phone", "income_per_capita"}
    assert not any(f.private for layer in REGISTRY if layer.name != "households" for f in layer.fields)
