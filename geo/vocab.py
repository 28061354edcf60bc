"""Controlled vocabularies: codes are stored, Chinese (or English) labels are shown."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from geo.errors import UnknownChoiceError


@dataclass(frozen=True)
class Term:
    code: str
    zh: str
    en: str


class Vocabulary:
    """An ordered list of terms. Lookups accept the code, the Chinese or the English label."""

    def __init__(self, name: str, terms: list[Term] | tuple[Term, ...]) -> None:
        self.name = name
        self.terms = tuple(terms)
        self._by_any: dict[str, Term] = {}
        for term in self.terms:
            for key in (term.code, term.zh, term.en.lower()):
                self._by_any.setdefault(key, term)

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    def __contains__(self, code: object) -> bool:
        return any(t.code == code for t in self.terms)

    @property
    def codes(self) -> list[str]:
        return [t.code for t in self.terms]

    def term(self, value: str) -> Term:
        text = str(value).strip()
        found = self._by_any.get(text) or self._by_any.get(text.lower())
        if found is None:
            choices = [f"{t.code} ({t.zh})" for t in self.terms]
            raise UnknownChoiceError(self.name, value, choices)
        return found

    def code(self, value: str) -> str:
        """The stored code for a code or a label in either language."""
        return self.term(value).code

    def codes_for(self, values: str | Sequence[str] | None) -> list[str]:
        """Parse ``"未开工,抢通中"`` or a list into codes; ``None`` or empty means all."""
        if not values:
            return []
        items = values.split(",") if isinstance(values, str) else list(values)
        return [self.code(v) for v in items if str(v).strip()]

    def label(self, code: str | None, lang: str = "zh") -> str:
        if code is None:
            return ""
        for t in self.terms:
            if t.code == code:
                return t.zh if lang == "zh" else t.en
        return str(code)

    def index(self, code: str) -> int:
        """Position in the vocabulary (vocabularies are ordered, e.g. by repair progress)."""
        return self.codes.index(code)
