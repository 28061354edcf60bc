"""Which encoding text in a file is in: GBK (ArcGIS on Chinese Windows, Excel's CSV) or UTF-8.

A declaration (a shapefile's .cpg, a byte-order mark) is used when present, and still checked:
bytes that are not valid in the declared encoding are refused rather than stored as mojibake.
Without one the bytes decide: valid in only one of the two → that one; valid in both (short
UTF-8 Chinese often is valid GBK too) → the reading whose characters look like Chinese text
(GB2312's common characters, ASCII) wins when it wins clearly; otherwise
:class:`AmbiguousEncodingError` carries both readings so that the user can choose.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from geo.errors import ValidationError

ENCODINGS = ("UTF-8", "GBK")
# .cpg contents and other spellings → the codec name used here
_ALIASES = {
    "UTF8": "UTF-8", "UTF-8": "UTF-8", "65001": "UTF-8", "UTF_8": "UTF-8",
    "GBK": "GBK", "CP936": "GBK", "936": "GBK", "GB2312": "GBK", "GB18030": "GB18030",
    "ANSI 936": "GBK", "EUC-CN": "GBK", "ASCII": "UTF-8", "US-ASCII": "UTF-8",
}
_CLEAR_MARGIN = 0.15  # one reading must look this much more like Chinese text than the other
_SAMPLE_VALUES = 2000


class EncodingError(ValidationError):
    """Text that cannot be decoded without mojibake."""


class AmbiguousEncodingError(EncodingError):
    """GBK and UTF-8 both read the bytes; ``readings`` shows a sample of each to choose from."""

    def __init__(self, name: str, readings: dict[str, list[str]]) -> None:
        self.readings = readings
        gbk = " / ".join(readings["GBK"][:2])
        utf8 = " / ".join(readings["UTF-8"][:2])
        super().__init__(
            f"cannot tell whether the text of {name} is GBK or UTF-8 (as GBK it reads "
            f"'{gbk}', as UTF-8 '{utf8}'); choose the reading that is right with --encoding GBK "
            "or --encoding UTF-8 (in the app: 文字编码)."
        )


@dataclass(frozen=True)
class Decision:
    encoding: str  # a Python codec name: "UTF-8", "GBK" or "GB18030"
    how: str  # what decided it, shown to the user


def parse_encoding(text: str) -> str:
    """``GBK``, ``cp936``, ``936``, ``UTF-8``, ``utf8``, a .cpg's content … → the codec name."""
    value = str(text).strip().upper().replace("_", "-")
    found = _ALIASES.get(value) or _ALIASES.get(value.replace("-", ""))
    if found is None:
        raise EncodingError(f"unknown text encoding {text!r}; choose GBK or UTF-8.")
    return found


def decide(values: Sequence[bytes], name: str, *, declared: str | None = None,
           chosen: str | None = None) -> Decision:
    """The encoding of ``values`` (the raw text values of a file, e.g. DBF character fields).

    ``chosen`` is the user's choice (it wins, but is checked), ``declared`` the file's own
    declaration (.cpg); else the bytes decide.
    """
    if chosen:
        encoding = parse_encoding(chosen)
        check_decodes(values, encoding, name, "the chosen encoding")
        return Decision(encoding, f"{encoding} (chosen)")
    if declared:
        encoding = parse_encoding(declared)
        check_decodes(values, encoding, name, "its declared encoding (.cpg)")
        return Decision(encoding, f"{encoding} (.cpg)")
    return detect(values, name)


def detect(values: Sequence[bytes], name: str) -> Decision:
    texts = [v for v in values if not v.isascii()]
    if not texts:
        return Decision("UTF-8", "ASCII only (no Chinese text)")
    readings = {enc: _decode_all(texts, enc) for enc in ENCODINGS}
    valid = [enc for enc, got in readings.items() if got is not None]
    if not valid:
        raise EncodingError(
            f"the text of {name} is neither valid GBK nor valid UTF-8 (e.g. {texts[0][:40]!r}); "
            "export it again as UTF-8 or GBK."
        )
    if len(valid) == 1:
        return Decision(valid[0], f"{valid[0]} (detected: the text is not valid {_other(valid[0])})")
    scores = {enc: chinese_share(readings[enc] or []) for enc in ENCODINGS}
    best = max(scores, key=lambda enc: scores[enc])
    if scores[best] - scores[_other(best)] >= _CLEAR_MARGIN:
        return Decision(best, f"{best} (detected: it reads as Chinese text, {_other(best)} does not)")
    raise AmbiguousEncodingError(name, {enc: (readings[enc] or [])[:5] for enc in ENCODINGS})


def _other(encoding: str) -> str:
    return "GBK" if encoding == "UTF-8" else "UTF-8"


def _decode_all(values: Sequence[bytes], encoding: str) -> list[str] | None:
    try:
        return [v.decode(encoding) for v in values]
    except UnicodeDecodeError:
        return None


def check_decodes(values: Iterable[bytes], encoding: str, name: str, what: str) -> None:
    for value in values:
        try:
            value.decode(encoding)
        except UnicodeDecodeError:
            raise EncodingError(
                f"the text of {name} is not valid in {what} {encoding} (e.g. {value[:40]!r}); "
                "choose the other encoding or export the file again."
            ) from None


def chinese_share(texts: Sequence[str]) -> float:
    """Share of the non-ASCII characters that are common Chinese characters or punctuation
    (they all fit GB2312); a misread text is full of rare characters and Latin/Greek letters."""
    common = rare = 0
    for text in texts[:_SAMPLE_VALUES]:
        for ch in text:
            if ch.isascii():
                continue
            try:
                ch.encode("gb2312")
            except UnicodeEncodeError:
                rare += 1
            else:
                common += 1
    return common / max(common + rare, 1)


def decode_bytes(data: bytes, name: str, chosen: str | None = None) -> tuple[str, Decision]:
    """A whole text file (CSV, GeoJSON): a BOM declares UTF-8, else the lines decide."""
    if data.startswith(b"\xef\xbb\xbf"):
        body = data[3:]
        check_decodes([body], "UTF-8", name, "its byte-order mark's encoding")
        return body.decode("utf-8"), Decision("UTF-8", "UTF-8 (byte-order mark)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), Decision("UTF-16", "UTF-16 (byte-order mark)")
    lines = data.splitlines()
    decision = decide(lines, name, chosen=chosen)
    return data.decode(decision.encoding), decision
