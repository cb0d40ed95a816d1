"""Read a dataset's tables as text, exactly as the officer wrote them.

Every cell is read as a string so that validation can report the value that was in the
file, not what a parser made of it. Files are opened read-only and never written.
Row numbers are those a spreadsheet shows: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import re
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
    rows: tuple[int, ...] | None = None  # file row of each frame row, when blank rows were dropped

    def row_number(self, index: int) -> int:
        if self.rows is not None:
            return self.rows[index]
        return index + self.first_row


def _strip(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.fillna("").astype(str)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip())


def _with_header(grid: pd.DataFrame, name: str, label: str) -> RawTable:
    """A table read without a header (so repeated column names survive, where pandas would
    rename the second 'pupils' to 'pupils.1'): row 1 becomes the header, wholly blank rows
    are dropped, and each remaining row keeps its file row number."""
    grid = _strip(grid)
    header = list(grid.iloc[0]) if len(grid) else []
    body = grid.iloc[1:]
    keep = [i for i, h in enumerate(header) if h != "" or (body.iloc[:, i] != "").any()]
    body = body.iloc[:, keep]
    body.columns = [header[i] or f"(no name, column {i + 1})" for i in keep]
    filled = (body != "").any(axis=1).to_numpy() if len(body.columns) else []
    rows = tuple(int(n) + 1 for n, f in zip(body.index, filled) if f)  # grid row 0 is file row 1
    body = body[filled] if len(body.columns) else body.iloc[:0]
    return RawTable(name, label, body.reset_index(drop=True), rows=rows)


_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


def _parser_problem(label: str, exc: Exception, problems: Problems) -> None:
    """pandas' tokenizer message, put the way the rest of the report is."""
    text = str(exc)
    if match := _FIELDS.search(text):
        expected, line, saw = (int(g) for g in match.groups())
        problems.error(label, f"has {saw} values; expected {expected}, one for each column of "
                              "the header (a value containing a comma must be in double quotes)",
                       row=line)
    elif match := _OPEN_QUOTE.search(text):
        problems.error(label, "has a double quote that is never closed; expected quotes in "
                              "pairs around a value", row=int(match.group(1)) + 1)
    else:
        problems.error(label, f"could not be read as CSV: {text}".strip())


def _first_bad_line(path: Path) -> tuple[int, str]:
    """The first line that is not UTF-8, and its text as Windows-1252 (what Excel's plain
    'CSV' writes), so the officer can see which value has the odd character."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number, line.decode("cp1252", errors="replace").rstrip("\r\n")
    return 1, ""


def read_csv(path: Path, name: str, problems: Problems) -> RawTable | None:
    label = path.name
    try:
        grid = pd.read_csv(path, header=None, dtype=str, keep_default_na=False,
                           encoding="utf-8-sig", skipinitialspace=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        problems.error(label, "is empty; expected a header row naming the columns")
        return None
    except UnicodeDecodeError:
        line, text = _first_bad_line(path)
        problems.error(label, "is not UTF-8 text; expected a file saved as 'CSV UTF-8' from "
                              "Excel", row=line, value=text)
        return None
    except pd.errors.ParserError as exc:
        _parser_problem(label, exc, problems)
        return None
    except OSError as exc:
        problems.error(label, f"could not be opened: {exc.strerror or exc}")
        return None
    return _with_header(grid, name, label)


def read_sheets(path: Path, names: list[str], problems: Problems) -> dict[str, RawTable]:
    """Every sheet of an XLSX workbook that is named like a table of the standard."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many unrelated types for a bad workbook
        problems.error(path.name, f"could not be read as an Excel workbook: {exc}")
        return {}
    found = {}
    for sheet, frame in sheets.items():
        name = str(sheet).strip().lower()
        if name in names:
            found[name] = _with_header(frame, name, f"{path.name}, sheet {sheet}")
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
