"""Where exports are built, and how a finished file is put in place.

An export can hold ID numbers and phones, and may be killed half-way (kill -9, a full disk, a
closed terminal). So:

- Files are built in a **private run folder** (mode 0700) under the user's own temporary root
  ``<tmp>/tracker-exports-<uid>`` (mode 0700; refused if it is not ours or open to others),
  never beside the target. The run folder is removed when the export ends in any way Python sees
  (``finally``, ``atexit``; the CLI turns SIGTERM into an interrupt).
- ``kill -9`` cannot be seen: the run folder of such a process stays until the next export
  **sweeps** it — only folders named by this module, and only when their process is gone (or
  they are older than :data:`STALE_AFTER`, in case the process id was reused).
- :func:`publish` moves the finished file into place **atomically**: a rename within one file
  system; across file systems a copy into a hidden part file beside the target (swept the same
  way) that is then renamed. The target appears whole or not at all. Without ``overwrite`` an
  existing target is never replaced (a hard link refuses atomically). Private files get mode 0600.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import os
import re
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from geo.errors import DataExistsError, StorageError

ROOT_PREFIX = "tracker-exports-"
RUN_PREFIX = "run-"
PART_MARK = ".tracker-part-"
STALE_AFTER = 24 * 3600  # seconds: a folder this old is swept even if its process id lives on
_RUN_NAME = re.compile(rf"^{RUN_PREFIX}(\d+)-[0-9a-f]+$")
_PART_NAME = re.compile(rf"^\..*{re.escape(PART_MARK)}(\d+)-[0-9a-f]+$")
_LIVE: set[Path] = set()  # run folders and part files of this process, removed at exit


def temp_root() -> Path:
    """This user's private temporary root, created 0700; refused unless ours and closed."""
    root = Path(tempfile.gettempdir()) / f"{ROOT_PREFIX}{os.geteuid()}"
    with contextlib.suppress(FileExistsError):
        root.mkdir(mode=0o700)
    info = os.lstat(root)
    if (not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid()
            or info.st_mode & 0o077):
        raise StorageError(
            f"the temporary folder {str(root)!r} is not a private folder of this user (it must be "
            "a folder you own with mode 0700); remove it or set TMPDIR to another folder.")
    return root


@contextlib.contextmanager
def run_folder(capture_temp: bool = False) -> Iterator[Path]:
    """A fresh private folder for one export; removed on the way out, whatever happens.

    ``capture_temp`` also points the process's ``tempfile`` default into it while the export is
    written (libraries' own temporary files then cannot be left in the shared /tmp). It changes
    a process-wide default, so only single-threaded callers (the CLI) may use it.
    """
    root = temp_root()
    sweep(root, _RUN_NAME)
    folder = root / f"{RUN_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir(mode=0o700)
    _LIVE.add(folder)
    previous = tempfile.tempdir
    if capture_temp:
        tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        if capture_temp:
            tempfile.tempdir = previous
        _remove(folder)


def publish(staged: Path, target: Path, *, overwrite: bool, private: bool) -> None:
    """Put the finished ``staged`` file at ``target`` atomically (see the module docstring)."""
    if private:
        os.chmod(staged, 0o600)
    try:
        _place(staged, target, overwrite)
        return
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
    sweep(target.parent, _PART_NAME)
    part = target.parent / f".{target.name[:100]}{PART_MARK}{os.getpid()}-{secrets.token_hex(4)}"
    _LIVE.add(part)
    try:
        _copy(staged, part, 0o600 if private else 0o666)
        _place(part, target, overwrite)
    finally:
        _remove(part)


def _place(source: Path, target: Path, overwrite: bool) -> None:
    if overwrite:
        os.replace(source, target)
        return
    try:
        os.link(source, target)  # fails if target exists: no check-then-write race
    except FileExistsError:
        raise exists_error(target) from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EMLINK):
            raise
        if target.exists():  # a file system without hard links: check, then rename
            raise exists_error(target) from None
        os.replace(source, target)
        return
    os.unlink(source)


def exists_error(target: str | Path) -> DataExistsError:
    return DataExistsError(f"{str(target)!r} exists already and was left as it was; give "
                           "--force to replace it, or choose another --out.")


def _copy(source: Path, part: Path, mode: int) -> None:
    descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as out, source.open("rb") as data:
        shutil.copyfileobj(data, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())


def sweep(folder: Path, pattern: re.Pattern[str]) -> list[Path]:
    """Remove what killed exports left in ``folder``: only names ``pattern`` matches, only when
    their process is gone or they are older than STALE_AFTER. Returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = pattern.match(entry.name)
        if not match or entry in _LIVE:
            continue
        try:
            age = time.time() - entry.lstat().st_mtime
        except OSError:
            continue
        if not _alive(int(match.group(1))) or age > STALE_AFTER:
            _remove(entry)
            removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path) -> None:
    _LIVE.discard(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@atexit.register
def _remove_live() -> None:
    for path in list(_LIVE):
        _remove(path)
