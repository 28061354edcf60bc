"""Import a bureau's file: the flow ``tracker import`` and the 导入 page share.

    report = run_import(engine, ImportRequest(path, "roads.zip", layer="roads"))   # a dry run
    report = run_import(engine, replace(request, commit=True))                      # the write

Every run does the whole import inside one transaction — read, map, check, write — and a dry run
(the default) rolls it back, so what it reports (rows inserted, updated, unchanged, conflicts with
edits made in the app, every problem) is exactly what the write would do. A commit with any
error writes nothing either. Each committed layer is logged with the file's SHA-256, and the
same file imported again into the same layer changes nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry

from geo import crs as geo_crs
from geo.errors import TrackerError, ValidationError
from geo.io import readers
from geo.io.archive import Limits
from geo.io.readers import Source
from geo.settings import get_settings
from layers import REGISTRY
from layers.accounts import active_actor
from layers.base import Layer
from layers.imports import households, log, writer
from layers.imports.geometry import place_geometry
from layers.imports.places import PlaceIndex
from layers.imports.staging import MappingOptions, Problem, Staged, stage
from layers.imports.writer import LayerOutcome, Overwrite
from views.i18n import t

Progress = Callable[[float, str], object]


class ImportRefused(TrackerError):
    """The user may not import into this layer (see :func:`authorize`)."""


@dataclass(frozen=True)
class ImportRequest:
    path: Path
    name: str  # the file's name as the user knows it (an upload's, not the temporary path's)
    layer: str = "all"  # a layer by name or label, or "all": each table to the layer it is named after
    table: str | None = None  # the sheet, GeoPackage table or .shp to read
    encoding: str | None = None
    crs: str | None = None
    from_gcj02: bool = False
    make_valid: bool = False
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    bureau: str | None = None
    save_mapping: bool = False
    overwrite: Overwrite = False
    commit: bool = False
    user: str | None = None


@dataclass
class LayerReport:
    layer: Layer
    table: str
    staged: Staged | None = None
    outcome: LayerOutcome | None = None
    skipped: str = ""  # why nothing was done (the same file was imported before)

    @property
    def problems(self) -> list[Problem]:
        found = list(self.staged.problems) if self.staged else []
        return found + (list(self.outcome.problems) if self.outcome else [])

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


@dataclass
class ImportReport:
    name: str
    sha256: str
    fmt: str
    layers: list[LayerReport]
    committed: bool = False
    dry_run: bool = True

    @property
    def errors(self) -> list[Problem]:
        return [p for report in self.layers for p in report.errors]


def authorize(bind: sa.Engine | sa.Connection, user: str, layers: list[Layer]) -> None:
    """Refuse (one sentence) an account that may not import into ``layers``: only the county
    administrator, or a department into its own layers (``Scope.may_import``). The account is
    read fresh, so a disabled one is refused."""
    if isinstance(bind, sa.Engine):
        with bind.connect() as conn:
            actor = active_actor(conn, user)
    else:
        actor = active_actor(bind, user)
    refused = [layer for layer in layers if not actor.scope.may_import(layer.name)]
    if refused:
        names = "、".join(f"{layer.zh} ({layer.name})" for layer in refused)
        raise ImportRefused(f"the account {user!r} may not import into {names}; the county "
                            "administrator, or the department that owns the layer, may.")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def run_import(bind: sa.Engine | sa.Connection, request: ImportRequest,
               progress: Progress | None = None, limits: Limits | None = None) -> ImportReport:
    """Read, map, check and write ``request.path`` in one transaction; keep it only on commit.

    ``bind``: an Engine (its own connection and transaction), or a Connection already in a
    transaction (the import then runs in a savepoint of it).
    """
    tell = progress or (lambda _f, _t: None)
    user = request.user or get_settings().user
    options = _options(request)
    tell(0.0, "checking the file")
    sha = file_sha256(request.path)
    with readers.open_source(request.path, request.name, encoding=request.encoding,
                             limits=limits) as source:
        pairs = pair_tables(source, request.layer, request.table)
        authorize(bind, user, [layer for layer, _ in pairs])
        report = ImportReport(request.name, sha, source.fmt, [], dry_run=not request.commit)
        with _transaction(bind) as (conn, transaction):
            for number, (layer, table) in enumerate(pairs):
                share = (number / len(pairs), (number + 1) / len(pairs))
                report.layers.append(_one_layer(conn, source, layer, table, request, options,
                                                user, sha, _scaled(tell, share)))
            _finish(conn, transaction, report, request, user)
    tell(1.0, "done")
    return report


@contextmanager
def _transaction(bind: sa.Engine | sa.Connection) -> Iterator[tuple[sa.Connection, Any]]:
    if isinstance(bind, sa.Connection):
        savepoint = bind.begin_nested()
        try:
            yield bind, savepoint
        finally:
            if savepoint.is_active:
                savepoint.rollback()
        return
    with bind.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn, transaction
        finally:
            if transaction.is_active:
                transaction.rollback()


def _options(request: ImportRequest) -> MappingOptions:
    epsg = None
    if request.crs:
        try:
            epsg = geo_crs.parse_source_epsg(request.crs)
        except geo_crs.CRSError as error:
            raise ValidationError(str(error)) from None
    return MappingOptions(columns=dict(request.columns), values=dict(request.values), crs=epsg,
                          from_gcj02=request.from_gcj02, make_valid=request.make_valid)


def _scaled(tell: Progress, share: tuple[float, float]) -> Progress:
    low, high = share
    return lambda fraction, text: tell(low + (high - low) * fraction, text)


def pair_tables(source: Source, layer: str, table: str | None) -> list[tuple[Layer, str]]:
    """Which table of the file goes to which layer, in the registry's (dependency) order."""
    if layer != "all":
        spec = REGISTRY.get(layer)
        if table is not None:
            return [(spec, source.choose(table))]
        named = tables_of(spec, source.tables)
        return [(spec, t) for t in named] if named else [(spec, source.choose(None))]
    pairs = [(spec, t) for spec in REGISTRY for t in tables_of(spec, source.tables)]
    if not pairs:
        raise ValidationError(
            f"no table of {source.name} ({', '.join(source.tables)}) is named after a layer; give "
            "--layer (in the app: 图层) to say which layer the file holds.")
    return pairs


def tables_of(layer: Layer, tables: list[str]) -> list[str]:
    """Tables named after ``layer`` (by name or label; water works exported as _point/_line)."""
    names = {layer.name.lower(), layer.zh, layer.en.lower()}
    found = [t for t in tables if t.lower() in names or t in names]
    found += [t for t in tables if t.lower() in (f"{layer.name}_point", f"{layer.name}_line",
                                                 f"{layer.name}_polygon")]
    return found


def _one_layer(conn: sa.Connection, source: Source, layer: Layer, table: str,
               request: ImportRequest, options: MappingOptions, user: str, sha: str,
               tell: Progress) -> LayerReport:
    report = LayerReport(layer, table)
    earlier = log.previous_import(conn, layer.name, sha, table)
    if earlier is not None:
        report.skipped = (f"{request.name} ({table}) was imported into {layer.name} on "
                          f"{earlier.imported_at:%Y-%m-%d %H:%M} by {earlier.imported_by}; "
                          "nothing changed")
        return report
    tell(0.05, f"reading {table}")
    data = source.read(table)
    dropped = 0
    if layer.name == "households":
        data, dropped = households.head_rows(data, options.columns)
    saved_columns, saved_values = (log.saved_mapping(conn, request.bureau, layer.name)
                                   if request.bureau else ({}, {}))
    tell(0.3, f"mapping {len(data.frame)} rows")
    staged = stage(layer, data, options, PlaceIndex.load(conn), saved_columns, saved_values)
    if dropped:
        staged.notes.append(f"{dropped} rows of other family members (与户主关系) were skipped")
    if layer.name == "households":
        households.apply_register(staged)
    place_geometry(staged, options, county_area(conn))
    report.staged = staged
    tell(0.5, f"checking and writing {layer.name}")
    total = max(len(staged.frame), 1)
    report.outcome = writer.write(
        conn, staged, user=user, overwrite=request.overwrite,
        last_import=log.last_import_time(conn, layer.name),
        progress=lambda n: tell(0.5 + 0.2 * min(n / total, 1.0), f"staging {layer.name}"))
    return report


def county_area(conn: sa.Connection) -> BaseGeometry | None:
    """The county outline(s) in the database, for the outside-the-county check."""
    county = REGISTRY.get("county").table
    wkb = conn.execute(sa.select(sa.func.ST_AsBinary(sa.func.ST_Union(county.c.geom)))).scalar()
    return shapely.from_wkb(bytes(wkb)) if wkb is not None else None


def _finish(conn: sa.Connection, transaction: Any, report: ImportReport,
            request: ImportRequest, user: str) -> None:
    """Log and keep a clean commit; roll back a dry run or anything with an error."""
    if not request.commit or report.errors:
        transaction.rollback()
        return
    for layer_report in report.layers:
        outcome, staged = layer_report.outcome, layer_report.staged
        if outcome is None or staged is None or not outcome.written:
            continue
        log.record_import(conn, _log_values(report, layer_report, staged, outcome, request, user))
        if request.save_mapping and request.bureau:
            _, kept_values = log.saved_mapping(conn, request.bureau, layer_report.layer.name)
            values = {f: {**kept_values.get(f, {}), **request.values.get(f, {})}
                      for f in {*kept_values, *request.values}}
            log.save_mapping(conn, request.bureau, layer_report.layer.name,
                             mapping_to_save(staged), values, user)
    transaction.commit()
    report.committed = True


def mapping_to_save(staged: Staged) -> dict[str, str]:
    """The columns as used this time (recognised or chosen), for the bureau's next file."""
    return {c.source: c.target for c in staged.choices
            if c.target is not None and c.how in ("chosen", "saved", "label", "synonym", "role",
                                                  "ignored")}


def _log_values(report: ImportReport, layer_report: LayerReport, staged: Staged,
                outcome: LayerOutcome, request: ImportRequest, user: str) -> dict[str, object]:
    encoding = staged.source.encoding
    return {
        "layer": layer_report.layer.name, "source_name": request.name,
        "source_table": layer_report.table, "sha256": report.sha256, "fmt": report.fmt,
        "bureau": request.bureau, "imported_by": user, "rows_read": outcome.rows,
        "inserted": outcome.inserted, "updated": outcome.updated, "unchanged": outcome.unchanged,
        "deleted": outcome.deleted, "app_edits_kept": outcome.kept,
        "app_edits_overwritten": outcome.overwritten, "crs": staged.crs_text or None,
        "encoding": encoding.how if encoding else None,
        "notes": "; ".join([*staged.notes, *outcome.notes]) or None,
    }


# --- the 导入 page: an upload is bytes, not a path ------------------------------------------------

@contextmanager
def uploaded_file(data: bytes, name: str) -> Iterator[Path]:
    """The upload in a private temporary folder under a safe name (only its extension is kept
    from what the browser sent); removed afterwards."""
    suffix = Path(name).suffix.lower()[:10]
    folder = Path(tempfile.mkdtemp(prefix="tracker-upload-"))
    try:
        path = folder / f"upload{suffix}"
        path.write_bytes(data)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def import_upload(engine: sa.Engine, data: bytes, request: ImportRequest,
                  progress: Progress | None = None) -> ImportReport:
    """``run_import`` of an upload (``request.path`` is ignored; ``request.name`` is the upload's)."""
    with uploaded_file(data, request.name) as path:
        return run_import(engine, replace(request, path=path), progress)


def upload_tables(data: bytes, name: str) -> list[str]:
    """The sheets, tables or shapefiles in an upload, to choose from."""
    with uploaded_file(data, name) as path, readers.open_source(path, name) as source:
        return list(source.tables)


def recent_imports_frame(conn: sa.Connection, lang: str = "zh") -> pd.DataFrame:
    rows = [[r.imported_at.strftime("%Y-%m-%d %H:%M"), r.imported_by, r.source_name,
             REGISTRY.get(r.layer).label(lang), r.inserted, r.updated, r.unchanged,
             r.app_edits_kept, r.sha256[:12]] for r in log.recent_imports(conn)]
    keys = ("im_col_when", "im_col_who", "im_col_file", "im_col_layer", "im_col_inserted",
            "im_col_updated", "im_col_unchanged", "im_col_kept", "im_col_sha")
    return pd.DataFrame(rows, columns=[t(k, lang) for k in keys])
