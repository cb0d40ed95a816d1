"""Read a dataset's tables as text, exactly as the officer wrote them.

Every cell is read as a string so that validation can report the value that was in the
file, not what a parser made of it. Files are opened read-only and never written.
Row numbers are those a spreadsheet shows: the header is row 1, the first record row 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import Problems

#: Table file endings we look for, in order. GeoPackage is accepted for zones only.
CSV_SUFFIX = ".csv"
GPKG_SUFFIX = ".gpkg"


@dataclass
class RawTable:
    """A table as text, with where it came from so problems can point back to it."""

    name: str
    label: str            # e.g. "demand.csv" or "dataset.xlsx, sheet demand"
    frame: pd.DataFrame   # every cell a stripped string; "" means blank
    first_row: int = 2    # file row of frame row 0
    geometry: object | None = None  # a GeoSeries for zones read from GeoPackage

    def row_number(self, index: int) -> int:
        return index + self.first_row


def _strip(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.fillna("").astype(str)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip())


def _line_of_byte(path: Path, position: int) -> int:
    with path.open("rb") as handle:
        return handle.read(position).count(b"\n") + 1


def read_csv(path: Path, name: str, problems: Problems) -> RawTable | None:
    label = path.name
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                            skipinitialspace=False)
    except pd.errors.EmptyDataError:
        problems.error(label, "is empty; expected a header row naming the columns")
        return None
    except UnicodeDecodeError as exc:
        line = _line_of_byte(path, exc.start)
        problems.error(label, f"is not UTF-8 text (a byte at line {line} cannot be read); "
                              "save it as 'CSV UTF-8' from Excel")
        return None
    except pd.errors.ParserError as exc:
        problems.error(label, f"could not be read as CSV: {exc}".strip())
        return None
    except OSError as exc:
        problems.error(label, f"could not be opened: {exc.strerror or exc}")
        return None
    return RawTable(name, label, _strip(frame))


def read_sheets(path: Path, names: list[str], problems: Problems) -> dict[str, RawTable]:
    """Every sheet of an XLSX workbook that is named like a table of the standard."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many unrelated types for a bad workbook
        problems.error(path.name, f"could not be read as an Excel workbook: {exc}")
        return {}
    found = {}
    for sheet, frame in sheets.items():
        name = str(sheet).strip().lower()
        if name in names:
            found[name] = RawTable(name, f"{path.name}, sheet {sheet}", _strip(frame))
    return found


def read_gpkg(path: Path, name: str, problems: Problems) -> tuple[RawTable | None, str | None]:
    """A GeoPackage layer as text columns plus its geometry; also returns its CRS."""
    import geopandas as gpd  # imported here: only GeoPackage inputs need it

    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        problems.error(path.name, f"could not be read as a GeoPackage: {exc}")
        return None, None
    geometry = frame.geometry
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    crs = frame.crs.to_string() if frame.crs is not None else None
    return RawTable(name, path.name, _strip(attributes), geometry=geometry), crs
