"""A dataset folder: ``dataset.toml`` plus the tables of the data standard, loaded and checked.

``load_dataset`` never raises on the first problem: it reads every table, checks every
rule, and raises one :class:`~placeplan.errors.InputError` listing them all.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .codes import suggest
from .errors import Problems
from .read import CSV_SUFFIX, GPKG_SUFFIX, RawTable, read_csv, read_gpkg, read_sheets
from .schema import tables
from .validation import check_relations, parse_table

log = logging.getLogger(__name__)

META_FILE = "dataset.toml"
META_KEYS = ("name", "description", "crs", "base_year", "licence", "sources", "workbook", "files")
_YEAR = re.compile(r"^(\d{4})(?:/(\d{2}))?$")


@dataclass(frozen=True)
class Source:
    name: str
    licence: str = ""
    url: str = ""
    attribution: str = ""


@dataclass(frozen=True)
class DatasetMeta:
    name: str
    description: str
    crs: str
    base_year: int  # the calendar year the base academic year starts: 2024 = 2024/25
    licence: str
    sources: tuple[Source, ...]

    @property
    def base_year_label(self) -> str:
        return f"{self.base_year}/{(self.base_year + 1) % 100:02d}"


@dataclass
class Dataset:
    """Typed, validated tables keyed by table name, and the folder's metadata."""

    path: Path
    meta: DatasetMeta
    tables: dict[str, pd.DataFrame]
    geometry: object | None = None  # zone polygons, when zones came from a GeoPackage
    warnings: list = field(default_factory=list)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def has(self, name: str) -> bool:
        return name in self.tables


def parse_base_year(value: object) -> int | None:
    """'2024/25' or 2024 -> 2024; None when it is not an academic year."""
    match = _YEAR.match(str(value).strip())
    if not match:
        return None
    start = int(match.group(1))
    if match.group(2) is not None and int(match.group(2)) != (start + 1) % 100:
        return None
    return start


def _read_meta(folder: Path, problems: Problems) -> tuple[DatasetMeta | None, dict]:
    path = folder / META_FILE
    if not path.is_file():
        problems.error(str(path), "is missing; expected a dataset.toml naming the dataset, "
                                  "its coordinate reference system and base year")
        return None, {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.error(META_FILE, f"is not valid TOML: {exc}")
        return None, {}
    for key in raw:
        if key not in META_KEYS:
            guess = suggest(key, META_KEYS)
            hint = f"did you mean {guess}?" if guess else f"expected one of {', '.join(META_KEYS)}"
            problems.error(META_FILE, f"is not a dataset setting; {hint}", key=key)
    crs = str(raw.get("crs", "EPSG:27700"))
    try:
        from pyproj import CRS

        CRS.from_user_input(crs)
    except Exception:
        problems.error(META_FILE, "is not a coordinate reference system pyproj knows; "
                                  "expected for example EPSG:27700", key="crs", value=crs)
    base_year = parse_base_year(raw.get("base_year", ""))
    if base_year is None:
        problems.error(META_FILE, "is not an academic year; expected for example \"2024/25\"",
                       key="base_year", value=raw.get("base_year", ""))
    if not str(raw.get("name", "")).strip():
        problems.error(META_FILE, "is empty; expected the dataset's name", key="name", value="")
    sources = []
    for i, source in enumerate(raw.get("sources", [])):
        if not isinstance(source, dict) or "name" not in source:
            problems.error(META_FILE, "expected a table with at least a name",
                           key=f"sources[{i}]", value=source)
            continue
        sources.append(Source(**{k: str(v) for k, v in source.items() if k in Source.__annotations__}))
    if problems.errors:
        return None, raw
    meta = DatasetMeta(name=str(raw["name"]), description=str(raw.get("description", "")),
                       crs=crs, base_year=base_year or 0, licence=str(raw.get("licence", "")),
                       sources=tuple(sources))
    return meta, raw


def _locate(folder: Path, raw_meta: dict, problems: Problems) -> tuple[dict[str, RawTable], str | None]:
    """Find each table as CSV, GeoPackage (zones) or a workbook sheet; read it as text."""
    names = list(tables())
    explicit = raw_meta.get("files", {}) or {}
    workbooks = [folder / raw_meta["workbook"]] if "workbook" in raw_meta else sorted(folder.glob("*.xlsx"))
    sheets: dict[str, RawTable] = {}
    for book in workbooks:
        if not book.is_file():
            problems.error(META_FILE, "names a workbook that does not exist", key="workbook",
                           value=book.name)
            continue
        for name, sheet in read_sheets(book, names, problems).items():
            if name in sheets:
                problems.error(book.name, f"has a second sheet for {name}; expected one",
                               key=name)
            sheets[name] = sheet
    found: dict[str, RawTable] = {}
    zones_crs = None
    for name in names:
        candidates = []
        if name in explicit:
            candidates.append(folder / explicit[name])
        else:
            candidates += [p for p in (folder / f"{name}{CSV_SUFFIX}", folder / f"{name}{GPKG_SUFFIX}")
                           if p.is_file()]
        if name in sheets:
            candidates.append(sheets[name])
        if len(candidates) > 1:
            shown = ", ".join(c.label if isinstance(c, RawTable) else c.name for c in candidates)
            problems.error(name, f"is given more than once ({shown}); expected one file or sheet")
            continue
        if not candidates:
            if tables()[name].required:
                problems.error(f"{name}{CSV_SUFFIX}", f"is missing; expected the {name} table as "
                                                     f"{name}.csv or a sheet named {name} in a workbook")
            continue
        source = candidates[0]
        if isinstance(source, RawTable):
            found[name] = source
        elif not source.is_file():
            problems.error(source.name, f"is missing (named for {name} in dataset.toml)")
        elif source.suffix.lower() == GPKG_SUFFIX:
            if not tables()[name].geometry:
                problems.error(source.name, f"is a GeoPackage; expected {name} as CSV or a sheet")
                continue
            table, zones_crs = read_gpkg(source, name, problems)
            if table is not None:
                found[name] = table
        else:
            table = read_csv(source, name, problems)
            if table is not None:
                found[name] = table
    return found, zones_crs


def _points_from_geometry(raw: RawTable) -> None:
    """Zones from a GeoPackage may leave x and y out: take a point inside each polygon."""
    if raw.geometry is None:
        return
    points = raw.geometry.representative_point()
    for axis, values in (("x", points.x), ("y", points.y)):
        if axis not in raw.frame.columns:
            raw.frame[axis] = [f"{v:.1f}" for v in values]


def load_dataset(folder: str | Path) -> Dataset:
    """Read and check a dataset folder; raise one InputError listing every problem."""
    folder = Path(folder)
    problems = Problems()
    if not folder.is_dir():
        problems.error(str(folder), "is not a folder; expected a dataset folder with dataset.toml")
        problems.raise_if_errors(f"dataset {folder}")
    meta, raw_meta = _read_meta(folder, problems)
    raws, zones_crs = _locate(folder, raw_meta, problems)
    if "zones" in raws:
        _points_from_geometry(raws["zones"])
        if meta is not None and zones_crs is not None and not _same_crs(zones_crs, meta.crs):
            problems.error(raws["zones"].label, f"is in {zones_crs} but dataset.toml declares "
                                                f"{meta.crs}; expected the same CRS")
    frames = {}
    for name, raw in raws.items():
        frame = parse_table(raw, tables()[name], problems)
        if frame is not None:
            frames[name] = frame
            log.info("read %s: %d rows", raw.label, len(frame))
    # Cross-table rules run even when dataset.toml has a problem, so one run reports all;
    # only the England extent check needs a CRS, and it is skipped when none is usable.
    crs = meta.crs if meta is not None else _usable_crs(raw_meta) if raw_meta else None
    check_relations(frames, {n: raws[n] for n in frames}, crs, problems)
    problems.raise_if_errors(f"dataset {folder}")
    assert meta is not None
    geometry = raws["zones"].geometry if "zones" in raws else None
    return Dataset(folder, meta, frames, geometry=geometry, warnings=problems.warnings)


def _usable_crs(raw_meta: dict) -> str | None:
    """The CRS dataset.toml declares (or the default), when pyproj knows it."""
    from pyproj import CRS

    crs = str(raw_meta.get("crs", "EPSG:27700"))
    try:
        CRS.from_user_input(crs)
    except Exception:  # pyproj's CRSError, or a TypeError for odd values
        return None
    return crs


def _same_crs(a: str, b: str) -> bool:
    from pyproj import CRS

    return CRS.from_user_input(a) == CRS.from_user_input(b)
