"""A dataset folder: ``dataset.toml`` plus the tables of the data standard, loaded and checked.

``load_dataset`` never raises on the first problem: it reads every table, checks every
rule, and raises one :class:`~placeplan.errors.InputError` listing them all.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .codes import suggest
from .errors import Problems, value_kind
from .read import (
    ABOUT_SHEET,
    CSV_SUFFIX,
    GPKG_SUFFIX,
    WORKBOOK_SUFFIXES,
    RawTable,
    first_bad_line,
    guess_encoding,
    read_csv,
    read_gpkg,
    read_sheets,
)
from .schema import tables
from .validation import check_geometry, check_relations, parse_table

if TYPE_CHECKING:
    from geopandas import GeoSeries

log = logging.getLogger(__name__)

META_FILE = "dataset.toml"
#: Spreadsheets placeplan does not read, named when a table is missing so the fix is clear.
UNREAD_WORKBOOKS = (".xls", ".xlsb", ".ods", ".numbers")
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
    geometry: GeoSeries | None = None  # zone polygons, when zones came from a GeoPackage
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


def _text_setting(raw: dict, key: str, problems: Problems, example: str) -> str | None:
    """A setting that must be text; None (with a problem) when it is something else."""
    value = raw.get(key)
    if value is None or isinstance(value, str):
        return value
    problems.error(
        META_FILE, f"is {value_kind(value)}; expected text, for example {key} = {example}", key=key, value=value
    )
    return None


def _read_toml(path: Path, problems: Problems) -> dict | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.error(META_FILE, f"could not be opened: {exc.strerror or exc}")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        encoding = guess_encoding(data)
        if encoding.startswith("UTF-16"):
            problems.error(
                META_FILE,
                f"is not UTF-8 text: it looks like {encoding}; expected UTF-8 (in Notepad: Save as, Encoding UTF-8)",
            )
            return None
        line, shown = first_bad_line(data)
        problems.error(
            META_FILE,
            f"is not UTF-8 text: line {line} looks like {encoding}; "
            "expected UTF-8 (in Notepad: Save as, Encoding UTF-8)",
            value=shown or None,
        )
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.error(META_FILE, f"is not valid TOML: {exc}")
        return None


def _read_meta(folder: Path, problems: Problems) -> tuple[DatasetMeta | None, dict]:
    """dataset.toml, with every setting checked for its type as well as its value. The
    dict returned holds only settings of the right type, so locating tables never trips
    on a wrong one (its problem is already recorded)."""
    path = folder / META_FILE
    if not path.is_file():
        problems.error(
            str(path),
            "is missing; expected a dataset.toml naming the dataset, its coordinate reference system and base year",
        )
        return None, {}
    raw = _read_toml(path, problems)
    if raw is None:
        return None, {}
    for key in raw:
        if key not in META_KEYS:
            guess = suggest(key, META_KEYS)
            hint = f"did you mean {guess}?" if guess else f"expected one of {', '.join(META_KEYS)}"
            problems.error(META_FILE, f"is not a dataset setting; {hint}", key=key)
    clean: dict = {}
    name = _text_setting(raw, "name", problems, '"Kingston and Richmond"')
    if name is not None and not name.strip():
        problems.error(META_FILE, "is empty; expected the dataset's name", key="name", value="")
    elif "name" not in raw:
        problems.error(
            META_FILE,
            'is missing; expected the dataset\'s name, for example name = "Kingston and Richmond"',
            key="name",
        )
    description = _text_setting(raw, "description", problems, '"Open data, January 2025"')
    licence = _text_setting(raw, "licence", problems, '"OGL-UK-3.0"')
    crs = _text_setting(raw, "crs", problems, '"EPSG:27700"')
    clean["crs"] = crs if crs is not None or "crs" in raw else "EPSG:27700"  # None: unusable
    if crs is not None and _usable_crs(clean) is None:
        problems.error(
            META_FILE,
            "is not a coordinate reference system pyproj knows; expected for example EPSG:27700",
            key="crs",
            value=crs,
        )
    base_year = _base_year(raw, problems)
    sources = _sources(raw.get("sources", []), problems)
    for key in ("workbook", "files"):
        if key in raw:
            clean[key] = raw[key]
    if problems.errors or name is None or base_year is None:
        return None, clean
    meta = DatasetMeta(
        name=name,
        description=description or "",
        crs=crs or "EPSG:27700",
        base_year=base_year,
        licence=licence or "",
        sources=tuple(sources),
    )
    return meta, clean


def _base_year(raw: dict, problems: Problems) -> int | None:
    value = raw.get("base_year", "")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        problems.error(
            META_FILE,
            f'is {value_kind(value)}; expected an academic year as text, for example base_year = "2024/25"',
            key="base_year",
            value=value,
        )
        return None
    base_year = parse_base_year(value)
    if base_year is None:
        problems.error(
            META_FILE, 'is not an academic year; expected for example "2024/25"', key="base_year", value=value
        )
    return base_year


def _sources(value: object, problems: Problems) -> list[Source]:
    if not isinstance(value, list):
        problems.error(
            META_FILE,
            f"is {value_kind(value)}; expected [[sources]] tables, each with at least a name",
            key="sources",
            value=value,
        )
        return []
    sources = []
    for i, source in enumerate(value):
        if not isinstance(source, dict) or not isinstance(source.get("name"), str):
            problems.error(META_FILE, "expected a table with at least a name", key=f"sources[{i}]", value=source)
            continue
        for key, item in source.items():
            if key in Source.__annotations__ and not isinstance(item, str):
                problems.error(
                    META_FILE, f"is {value_kind(item)}; expected text", key=f"sources[{i}].{key}", value=item
                )
        sources.append(Source(**{k: str(v) for k, v in source.items() if k in Source.__annotations__}))
    return sources


def _inside(folder: Path, value: str, key: str, problems: Problems) -> Path | None:
    """The path a dataset.toml setting names, when it is inside the dataset folder. A
    dataset is one folder that can be copied or zipped whole, so ``../`` and absolute
    paths elsewhere are refused, with the path they lead to."""
    base = Path(os.path.abspath(folder))
    target = Path(os.path.normpath(base / value))
    if target != base and base not in target.parents:
        problems.error(
            META_FILE,
            f"points outside the dataset folder, to {target}; expected a file in {base}",
            key=key,
            value=value,
        )
        return None
    return target


def _files(folder: Path, raw_meta: dict, problems: Problems) -> dict[str, Path]:
    """The [files] table: a file name for each table not named after it."""
    files = raw_meta.get("files", {})
    if not isinstance(files, dict):
        problems.error(
            META_FILE,
            f'is {value_kind(files)}; expected a table of file names, for example [files] demand = "caseload.csv"',
            key="files",
            value=files,
        )
        return {}
    names = list(tables())
    out = {}
    for name, value in files.items():
        key = f"files.{name}"
        if name not in names:
            guess = suggest(name, names)
            hint = f"did you mean {guess}?" if guess else f"expected one of {', '.join(names)}"
            problems.error(META_FILE, f"is not a table of the data standard; {hint}", key=key)
        elif not isinstance(value, str) or not value.strip():
            problems.error(
                META_FILE,
                f"is {'empty' if isinstance(value, str) else value_kind(value)}; "
                f"expected a file name, for example {name} = "
                f'"{name}-2025.csv"',
                key=key,
                value=value,
            )
        elif Path(value).suffix.lower() in WORKBOOK_SUFFIXES:
            problems.error(
                META_FILE,
                "is a workbook; expected a CSV file (a workbook's sheets are "
                "found by name: set workbook = and name the sheet "
                f"{name})",
                key=key,
                value=value,
            )
        elif (path := _inside(folder, value, key, problems)) is not None:
            out[name] = path
    return out


def _workbooks(folder: Path, raw_meta: dict, problems: Problems) -> list[Path]:
    """The workbook dataset.toml names, or every workbook in the folder. Office's lock
    files (``~$name.xlsx``, there while a workbook is open in Excel) and macOS's ``._``
    files are not workbooks and are skipped."""
    if "workbook" not in raw_meta:
        found = sorted(
            p
            for p in folder.iterdir()
            if p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith(("~$", "._")) and p.is_file()
        )
        for lock in folder.glob("~$*"):
            log.info("skipped %s: an Office lock file (the workbook is open in Excel)", lock.name)
        return found
    value = raw_meta["workbook"]
    if not isinstance(value, str) or not value.strip():
        problems.error(
            META_FILE,
            f"is {'empty' if isinstance(value, str) else value_kind(value)}; "
            "expected the file name of a workbook in the folder, for example "
            'workbook = "send-data.xlsx"',
            key="workbook",
            value=value,
        )
        return []
    if Path(value).suffix.lower() not in WORKBOOK_SUFFIXES:
        problems.error(
            META_FILE, "is not an Excel workbook; expected an .xlsx (or .xlsm) file", key="workbook", value=value
        )
        return []
    path = _inside(folder, value, "workbook", problems)
    if path is None:
        return []
    if not path.is_file():
        problems.error(META_FILE, "names a workbook that does not exist", key="workbook", value=value)
        return []
    return [path]


def _locate(folder: Path, raw_meta: dict, problems: Problems) -> tuple[dict[str, RawTable], str | None]:
    """Find each table as CSV, GeoPackage (zones) or a workbook sheet; read it as text."""
    names = list(tables())
    explicit = _files(folder, raw_meta, problems)
    sheets: dict[str, RawTable] = {}
    books: dict[str, list[str]] = {}  # workbook name -> every sheet in it
    for book in _workbooks(folder, raw_meta, problems):
        found_sheets, books[book.name] = read_sheets(book, names, problems)
        for name, sheet in found_sheets.items():
            if name in sheets:
                problems.error(
                    sheet.label,
                    f"is a second sheet for {name}, beside "
                    f"{sheets[name].label}; expected one (name the "
                    "workbook to read with workbook = in dataset.toml)",
                )
            sheets[name] = sheet
    found: dict[str, RawTable] = {}
    missing: list[str] = []
    zones_crs = None
    files = raw_meta.get("files")
    named = files if isinstance(files, dict) else {}
    for name in names:
        candidates: list[Path | RawTable] = []
        if name in explicit:
            candidates.append(explicit[name])
        elif name in named:
            continue  # named in [files], wrongly: that problem is reported already
        else:
            candidates += [p for p in (folder / f"{name}{CSV_SUFFIX}", folder / f"{name}{GPKG_SUFFIX}") if p.is_file()]
        if name in sheets:
            candidates.append(sheets[name])
        if len(candidates) > 1:
            shown = ", ".join(c.label if isinstance(c, RawTable) else c.name for c in candidates)
            problems.error(name, f"is given more than once ({shown}); expected one file or sheet")
            continue
        if not candidates:
            if tables()[name].required:
                missing.append(name)
            continue
        source = candidates[0]
        if isinstance(source, RawTable):
            found[name] = source
        elif not source.is_file():
            shown = str(source.relative_to(os.path.abspath(folder)))
            if source.is_dir():
                problems.error(shown, f"is a folder (named for {name} in dataset.toml); expected a CSV file")
            else:
                problems.error(shown, f"is missing (named for {name} in dataset.toml)")
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
    _report_missing(folder, missing, books, set(sheets), problems)
    return found, zones_crs


def _report_missing(
    folder: Path, missing: list[str], books: dict[str, list[str]], used: set[str], problems: Problems
) -> None:
    """A required table found nowhere: say which workbook sheets and files there are, and
    which of them was probably meant ('Demand 2025' for demand, or the only spare sheet)."""
    files = sorted(p.name for p in folder.iterdir() if p.is_file())
    unread = [f for f in files if Path(f).suffix.lower() in UNREAD_WORKBOOKS and not f.startswith("~$")]
    for name in missing:
        text = f"is missing; expected the {name} table as {name}.csv or a sheet named {name} in a workbook"
        near = [f for f in files if f.lower() in (f"{name}{CSV_SUFFIX}", f"{name}{GPKG_SUFFIX}")]
        if near:
            text += f"; found {near[0]}: file names are matched exactly, rename it {name}{Path(near[0]).suffix.lower()}"
        if unread and not books:
            text += f"; found {', '.join(unread)}, which placeplan does not read: save it as an Excel Workbook (.xlsx)"
        for book, sheet_names in books.items():
            # the About sheet of placeplan's workbooks is notes: never the table that is missing
            spare = [s for s in sheet_names if s.strip().lower() not in used and s.strip() != ABOUT_SHEET]
            guess = next((s for s in spare if name in s.lower()), None) or suggest(name, spare, cutoff=0.75)
            if guess is None and len(spare) == 1 and len(missing) == 1:
                guess = spare[0]
            text += f"; {book} has sheets {', '.join(repr(s) for s in sheet_names) or '(none)'}"
            if guess is not None:
                text += f": is '{guess}' the {name} table? Rename the sheet {name}"
        problems.error(f"{name}{CSV_SUFFIX}", text)


def _points_from_geometry(raw: RawTable) -> None:
    """Zones from a GeoPackage may leave x and y out: take a point inside each polygon
    (left blank where there is no polygon: check_geometry has said so)."""
    if raw.geometry is None:
        return
    usable = ~(raw.geometry.isna() | raw.geometry.is_empty).to_numpy()
    points = raw.geometry.representative_point()
    for axis, values in (("x", points.x), ("y", points.y)):
        if axis not in raw.frame.columns:
            raw.frame[axis] = [f"{v:.1f}" if ok else "" for v, ok in zip(values, usable)]
            raw.derived.add(axis)


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
        check_geometry(raws["zones"], problems)
        _points_from_geometry(raws["zones"])
        if meta is not None and zones_crs is not None and not _same_crs(zones_crs, meta.crs):
            problems.error(
                raws["zones"].label, f"is in {zones_crs} but dataset.toml declares {meta.crs}; expected the same CRS"
            )
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

    crs = raw_meta.get("crs", "EPSG:27700")
    if not isinstance(crs, str):
        return None
    try:
        CRS.from_user_input(crs)
    except Exception:  # pyproj's CRSError, or a TypeError for odd values
        return None
    return crs


def _same_crs(a: str, b: str) -> bool:
    from pyproj import CRS

    return CRS.from_user_input(a) == CRS.from_user_input(b)
