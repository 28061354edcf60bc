"""Numbers in the ranking rules must be finite and sensible; the error names the line."""

from __future__ import annotations

import pytest

from geo.errors import ConfigError
from geo.rank.rules import DEFAULT_RULES_PATH, parse_rules


@pytest.mark.parametrize(("old", "new", "words"), [
    ("detour_half_m = 5000.0", "detour_half_m = 1e400", "'roads.detour_half_m' is inf"),
    ("detour_half_m = 5000.0", "detour_half_m = inf", "'roads.detour_half_m' is inf"),
    ("detour_half_m = 5000.0", "detour_half_m = nan", "'roads.detour_half_m' is nan"),
    ("detour_half_m = 5000.0", "detour_half_m = 99999999999999999999999",
     "at most 100000 (metres)"),
    ("snap_max_m = 3000.0", "snap_max_m = 1e7", "at most 20000 (metres)"),
    ("monitored = 3.0", "monitored = 1e9", "at most 1000"),
    ("risk_water = 1.0", "risk_water = -inf", "'weights.risk.risk_water' is -inf"),
    ("monitored_min = 10.0", "monitored_min = 99999999999999999999999", "at most 100000"),
    ("key_households_min = 100.0", "key_households_min = 1e6", "at most 100000 (households)"),
    ("passage = 1.0", "passage = inf", "'weights.service.passage' is inf"),
    ("emergency_supply_loss = 0.3", "emergency_supply_loss = nan", "from 0 to 1"),
])
def test_non_finite_and_absurd_numbers_are_refused_with_the_line(old: str, new: str,
                                                                  words: str) -> None:
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    assert old in text
    changed = text.replace(old, new, 1)
    line = next(n for n, t in enumerate(changed.splitlines(), 1) if t.startswith(new))
    with pytest.raises(ConfigError) as caught:
        parse_rules(changed, "rules.toml")
    message = str(caught.value)
    assert f"line {line}:" in message and words in message, message


def test_the_largest_sensible_values_pass() -> None:
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    text = text.replace("detour_half_m = 5000.0", "detour_half_m = 100000").replace(
        "monitored = 3.0", "monitored = 1000")
    rules = parse_rules(text, "rules.toml")
    assert rules.detour_half_m == 100000 and rules.category_weights["monitored"] == 1000
