"""Zip files from outside (shapefile zips, and the zip inside every .xlsx): every check that needs
no extraction runs first, then only the members asked for are read, with a cap on the bytes.

Refused before anything is extracted: a file over the size limit, member names that climb out of
the folder (``../``) or are absolute, links, encrypted members, and zip bombs — declared sizes
that add up past the limit or shrink more than ``max_ratio`` times. While reading, the bytes
actually produced are counted too (a forged header cannot smuggle more than the cap), and
every way a damaged zip fails inside :mod:`zipfile` (BadZipFile, zlib.error, EOFError,
IndexError, RuntimeError, NotImplementedError, …) becomes one :class:`BrokenFileError`.
"""

from __future__ import annotations

import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from geo.errors import ValidationError
from geo.settings import get_settings

MB = 1024 * 1024
CHUNK = 1 * MB


class UnsafeFileError(ValidationError):
    """A file refused because reading it could harm the machine or read other files."""


class BrokenFileError(ValidationError):
    """A file that is damaged, encrypted, or not what its name says."""


# Everything zipfile raises on damaged input (a truncated stream raises EOFError or zlib.error,
# a broken central directory IndexError or struct.error, encrypted members RuntimeError).
ZIP_FAILURES: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile, zlib.error, EOFError, IndexError, RuntimeError, NotImplementedError,
    struct.error, ValueError, OSError, KeyError,
)


@dataclass(frozen=True)
class Limits:
    """How big an imported file may be, packed and unpacked."""

    max_file_bytes: int = 200 * MB
    max_unpacked_bytes: int = 2048 * MB
    max_ratio: float = 200.0  # real data (XML, DBF) shrinks 5-30 times; bombs 1000 times and more
    max_members: int = 10_000

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(max_file_bytes=get_settings().import_max_mb * MB)


def check_size(path: Path, name: str, limits: Limits) -> None:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise UnsafeFileError(
            f"{name} is {size / MB:.0f} MB, over the import limit of "
            f"{limits.max_file_bytes / MB:.0f} MB; split it, or raise TRACKER_IMPORT_MAX_MB."
        )
    if size == 0:
        raise BrokenFileError(f"{name} is empty (0 bytes); export it again from its program.")


def zip_members(path: Path, name: str, limits: Limits) -> list[zipfile.ZipInfo]:
    """The members of the zip at ``path`` once every check that needs no extraction has passed."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except ZIP_FAILURES:
        raise BrokenFileError(
            f"{name} is not a readable zip (it is truncated or damaged); create it again."
        ) from None
    if len(infos) > limits.max_members:
        raise UnsafeFileError(f"{name} holds {len(infos)} files, more than {limits.max_members}; "
                              "zip only the files to import.")
    for info in infos:
        _check_member(info, name, limits)
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_unpacked_bytes:
        raise UnsafeFileError(
            f"{name} would unpack to {declared / MB:.0f} MB, over the limit of "
            f"{limits.max_unpacked_bytes / MB:.0f} MB (a zip bomb?); nothing was extracted."
        )
    return infos


def _check_member(info: zipfile.ZipInfo, name: str, limits: Limits) -> None:
    member = info.filename
    parts = PurePosixPath(member.replace("\\", "/")).parts
    if member.startswith(("/", "\\")) or (len(member) > 1 and member[1] == ":") or ".." in parts:
        raise UnsafeFileError(
            f"{name} holds a file with an unsafe path ({member_label(info)}) that points outside "
            "its folder; nothing was extracted — zip the files again without folders."
        )
    if "\x00" in member or stat.S_ISLNK(info.external_attr >> 16):
        raise UnsafeFileError(f"{name} holds a link or a malformed name ({member_label(info)}); "
                              "nothing was extracted — zip plain files only.")
    if info.flag_bits & 0x1:
        raise BrokenFileError(f"{name} is password-protected (encrypted); unzip it with its "
                              "password, zip it again without one and import that.")
    if info.file_size > MB and info.file_size > limits.max_ratio * max(info.compress_size, 1):
        raise UnsafeFileError(
            f"{name}: {member_label(info)} would unpack {info.file_size / max(info.compress_size, 1):.0f} "
            f"times its packed size (a zip bomb?); nothing was extracted."
        )


def member_label(info: zipfile.ZipInfo) -> str:
    """The member's name as its creator wrote it: Windows zips store GBK names without the UTF-8
    flag, which zipfile decodes as cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def read_member(path: Path, info: zipfile.ZipInfo, name: str, budget: int) -> bytes:
    """The bytes of one member, refused past ``budget`` bytes whatever its header declares."""
    chunks, total = [], 0
    try:
        with zipfile.ZipFile(path) as archive, archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                total += len(chunk)
                if total > budget:
                    raise UnsafeFileError(
                        f"{name}: {member_label(info)} unpacks to more than {budget / MB:.0f} MB, "
                        "more than its header declares or the limit allows; nothing was imported."
                    )
                chunks.append(chunk)
    except ZIP_FAILURES:
        raise BrokenFileError(
            f"{name}: {member_label(info)} cannot be unpacked (the zip is truncated or damaged); "
            "create the zip again."
        ) from None
    return b"".join(chunks)


def extract(path: Path, members: dict[str, zipfile.ZipInfo], dest: Path, name: str,
            limits: Limits) -> dict[str, Path]:
    """Write the chosen members into ``dest`` under the names given as keys (never the names
    stored in the zip), with the actual unpacked bytes capped; returns key → path."""
    budget = limits.max_unpacked_bytes
    written = {}
    for key, info in members.items():
        data = read_member(path, info, name, budget)
        budget -= len(data)
        target = dest / key
        target.write_bytes(data)
        written[key] = target
    return written
