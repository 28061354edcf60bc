"""What a file is, told by its bytes, not its name: the allow-list of what the tracker imports.

Only a shapefile zip, a GeoPackage, GeoJSON, CSV and an .xlsx workbook pass, and only when the
name's extension agrees with the content. GDAL ever opens just two of them: the shapefile's
.shp/.shx/.dbf (checked by their headers here) and a GeoPackage whose SQLite schema holds only
tables, indexes, triggers and R-tree indexes (no views or other virtual tables that could make the
database read something else). Everything else — a VRT, KML, an XML or HTML file, an old .xls,
an SQLite file that is not a GeoPackage — is refused with a sentence saying what it is.
"""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

from geo.io.archive import BrokenFileError, UnsafeFileError

SHAPEFILE_ZIP, GEOPACKAGE, GEOJSON, CSV, XLSX = "shp", "gpkg", "geojson", "csv", "xlsx"
FORMAT_NAMES = {
    SHAPEFILE_ZIP: "Shapefile (zip)", GEOPACKAGE: "GeoPackage", GEOJSON: "GeoJSON", CSV: "CSV",
    XLSX: "Excel (.xlsx)",
}
EXTENSIONS = {
    ".zip": SHAPEFILE_ZIP, ".gpkg": GEOPACKAGE, ".geojson": GEOJSON, ".json": GEOJSON,
    ".csv": CSV, ".txt": CSV, ".xlsx": XLSX,
}
_GPKG_APPLICATION_IDS = (b"GPKG", b"GP10", b"GP11")
_SHP_MAGIC = (9994).to_bytes(4, "big")
_DBF_VERSIONS = {0x02, 0x03, 0x30, 0x31, 0x83, 0x8B, 0xF5}
HEAD_BYTES = 8192


def extension_format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix == ".shp":
        raise BrokenFileError(f"{name} is a bare .shp: zip it together with its .dbf, .shx, .prj "
                              "(and .cpg) files and import the zip.")
    if suffix not in EXTENSIONS:
        known = ", ".join(sorted(EXTENSIONS))
        raise BrokenFileError(f"{name} is not a kind of file the tracker imports; give one of {known}.")
    return EXTENSIONS[suffix]


def sniff(path: Path, name: str) -> str:
    """The format of the file at ``path`` (shown to users as ``name``), from its content."""
    expected = extension_format(name)
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    found = _content_format(path, head, name)
    if found != expected:
        raise BrokenFileError(
            f"{name} is named like {FORMAT_NAMES[expected]} but holds {FORMAT_NAMES[found]}; "
            f"rename it to end in the right extension or export it again."
        )
    if found == GEOPACKAGE:
        check_geopackage_schema(path, name)
    return found


def _content_format(path: Path, head: bytes, name: str) -> str:
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return XLSX if _is_workbook(path) else SHAPEFILE_ZIP
    if head.startswith(b"SQLite format 3\x00"):
        if head[68:72] in _GPKG_APPLICATION_IDS:
            return GEOPACKAGE
        raise BrokenFileError(f"{name} is an SQLite database but not a GeoPackage; export a .gpkg.")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise BrokenFileError(
            f"{name} is an old Excel .xls or a password-protected workbook; remove any password "
            "and save it as .xlsx (Excel 2007 and later), then import that."
        )
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        kind = "a VRT" if b"OGRVRTDataSource" in head or b"VRTDataset" in head else "XML or HTML"
        raise UnsafeFileError(
            f"{name} is {kind} text, which can make the reader open other files or web addresses; "
            "it is not imported — give the data itself as a shapefile zip, GeoPackage, GeoJSON, "
            "CSV or .xlsx."
        )
    if text.startswith((b"{", b"[")):
        return GEOJSON
    if b"\x00" in head:
        raise BrokenFileError(f"{name} is a binary file of a kind the tracker does not import; "
                              "give a shapefile zip, GeoPackage, GeoJSON, CSV or .xlsx.")
    return CSV


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except Exception:  # a damaged zip: the archive checks give the sentence later
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def check_shapefile_parts(parts: dict[str, Path], name: str) -> None:
    """The .shp and .shx start with the shapefile file code, the .dbf with a dBASE version."""
    for suffix in (".shp", ".shx"):
        with parts[suffix].open("rb") as handle:
            header = handle.read(100)
        if len(header) < 100 or header[:4] != _SHP_MAGIC:
            raise UnsafeFileError(
                f"the {suffix} file in {name} is not a shapefile (its header is wrong: another "
                "kind of file renamed?); it is not imported — export the shapefile again."
            )
    with parts[".dbf"].open("rb") as handle:
        first = handle.read(32)
    if len(first) < 32 or first[0] not in _DBF_VERSIONS:
        raise BrokenFileError(f"the .dbf file in {name} is not a dBASE table; export the "
                              "shapefile again.")


def check_geopackage_schema(path: Path, name: str) -> None:
    """Refuse views and virtual tables other than the R-tree spatial index."""
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        db = sqlite3.connect(uri, uri=True)
        try:
            rows = db.execute("SELECT type, name, coalesce(sql, '') FROM sqlite_master").fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        raise BrokenFileError(f"{name} is a damaged GeoPackage (its SQLite database cannot be "
                              "read); export it again.") from None
    for kind, table, sql in rows:
        virtual = sql.lstrip().upper().startswith("CREATE VIRTUAL TABLE")
        if kind == "view" or (virtual and " USING RTREE" not in sql.upper().replace("\n", " ")):
            raise UnsafeFileError(
                f"{name} holds {'a view' if kind == 'view' else 'a virtual table'} ({table}) that "
                "can make the reader run SQL or open other files; it is not imported — export "
                "plain tables only."
            )
