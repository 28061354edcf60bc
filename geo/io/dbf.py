"""The raw bytes of a DBF's character fields (and field names), to tell its text encoding.

Only character ("C") fields are taken: the header and numeric fields hold binary counts and
ASCII digits that say nothing about the text, and would make valid UTF-8 look invalid.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geo.io.archive import BrokenFileError

_HEADER = 32
_DESCRIPTOR = 32
MAX_SAMPLE_RECORDS = 200_000  # enough to decide; a bigger table is sampled from its start


def text_values(path: Path) -> list[bytes]:
    """Distinct non-blank values of every character field, plus the field names."""
    data = path.read_bytes()
    if len(data) < _HEADER:
        raise BrokenFileError("the .dbf file is truncated; export the shapefile again.")
    records = int.from_bytes(data[4:8], "little")
    header_len = int.from_bytes(data[8:10], "little")
    record_len = int.from_bytes(data[10:12], "little")
    fields, names, offset = [], [], 1  # byte 0 of a record is the deletion flag
    for start in range(_HEADER, min(header_len, len(data)) - _DESCRIPTOR + 1, _DESCRIPTOR):
        desc = data[start:start + _DESCRIPTOR]
        if desc[0] == 0x0D:
            break
        names.append(desc[:11].split(b"\x00", 1)[0])
        length = desc[16]
        if desc[11:12] == b"C":
            fields.append((offset, length))
        offset += length
    count = min(records, MAX_SAMPLE_RECORDS, max(0, (len(data) - header_len) // max(record_len, 1)))
    if not count or not fields:
        return names
    table = np.frombuffer(data, dtype=np.uint8, count=count * record_len,
                          offset=header_len).reshape(count, record_len)
    values: set[bytes] = set()
    for begin, length in fields:
        column = table[:, begin:begin + length]
        rows = np.flatnonzero((column >= 0x80).any(axis=1))  # ASCII values tell nothing
        values.update(bytes(column[r]).rstrip(b" \x00") for r in rows)
    return [*names, *sorted(values)]
