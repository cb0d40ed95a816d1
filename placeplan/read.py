"""Read a dataset's tables as text, exactly as the officer wrote them.

Every cell is read as a string so that validation can report the value that was in the
file, not what a parser made of it. Files are opened read-only and never written.
Row numbers are those a spreadsheet shows: the header is row 1, the first record row 2.

What is read, and what is refused with a message saying so:

* CSV must be UTF-8 and comma-separated. A file split by semicolons or tabs (what Excel
  writes in some locales, or as 'Text (Tab delimited)') is refused, naming the separator
  found: guessing would also mean guessing the decimal separator.
* A title above the header (``Demand 2025`` in A1, the header on row 3) is accepted, in
  CSV files and sheets alike, with a warning naming both rows; row numbers stay those of
  the file. The header is the first of the first ten rows naming at least half of the
  table's required columns, when row 1 names none.
* Workbooks are ``.xlsx`` or ``.xlsm``; only cell values are read (openpyxl never runs
  macros). Formulas are read as the result Excel saved; a formula with no saved result
  (a workbook written by a program that never calculated it) is reported with its sheet,
  row and column.
* Invisible characters (zero-width spaces, soft hyphens, byte-order marks) are removed
  from every cell and unusual spaces (non-breaking, thin) become plain spaces, so ids,
  codes and numbers match and parse; the cells changed are kept as written in
  :attr:`RawTable.cleaned`, so that validation can warn about changed ids and give names
  and notes back as they were written.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .errors import Problems

if TYPE_CHECKING:
    from geopandas import GeoSeries

#: Table file endings we look for, in order. GeoPackage is accepted for zones only.
CSV_SUFFIX = ".csv"
GPKG_SUFFIX = ".gpkg"
#: Workbooks read for sheets named like tables; .xlsm is read for its values only.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: The sheet of notes placeplan's own dataset workbooks open with (the template's, a
#: built one's): never read as a table, nor guessed to be a missing one.
ABOUT_SHEET = "About"
#: Rows searched for a header when row 1 is not one.
HEADER_SEARCH_ROWS = 10

_INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"  # removed
_ODD_SPACES = "\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"  # become a plain space
ODD_CHARACTERS = re.compile(f"[{_INVISIBLE}{_ODD_SPACES}]")


@dataclass
class RawTable:
    """A table as text, with where it came from so problems can point back to it."""

    name: str
    label: str  # e.g. "demand.csv" or "dataset.xlsx, sheet demand"
    frame: pd.DataFrame  # every cell a stripped string; "" means blank
    first_row: int = 2  # file row of frame row 0
    geometry: GeoSeries | None = None  # zones read from GeoPackage
    rows: tuple[int, ...] | None = None  # file row of each frame row, when blank rows were dropped
    #: column -> {frame position: the cell as written}, for cells whose invisible
    #: characters or unusual spaces were removed
    cleaned: dict[str, dict[int, str]] = field(default_factory=dict)
    #: column -> {frame position: formula}, for workbook formulas with no saved result
    #: (their cells are blank in ``frame``)
    formulas: dict[str, dict[int, str]] = field(default_factory=dict)
    #: columns placeplan filled in itself (x and y from zone polygons)
    derived: set[str] = field(default_factory=set)
    #: columns with a '#' somewhere, the only ones that can hold Excel error values
    #: (None: not known, check every column)
    may_hold_errors: set[str] | None = None

    def row_number(self, index: int) -> int:
        if self.rows is not None:
            return self.rows[index]
        return index + self.first_row


def _clean_column(col: pd.Series) -> tuple[pd.Series, dict[int, str], bool]:
    """Stripped text; invisible characters removed and unusual spaces made plain; and
    whether any cell holds a '#' (as Excel's error values do). The search runs once over
    the joined column, so clean columns cost one pass."""
    joined = "\x00".join(col.to_numpy())
    hashes = "#" in joined
    if not ODD_CHARACTERS.search(joined):
        return col.str.strip(), {}, hashes
    odd = col.str.contains(ODD_CHARACTERS.pattern, regex=True).to_numpy()
    before = col[odd]
    fixed = before.str.replace(f"[{_INVISIBLE}]", "", regex=True).str.replace(f"[{_ODD_SPACES}]", " ", regex=True)
    out = col.str.strip()
    out[odd] = fixed.str.strip()
    positions = np.flatnonzero(odd)
    return out, {int(i): str(v) for i, v in zip(positions, before.to_numpy())}, hashes


def _strip(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, dict[int, str]], set[int]]:
    """Every cell as stripped text; also the cells cleaned, and the columns holding a '#',
    by column position."""
    frame = frame.fillna("").astype(str)
    frame.columns = [ODD_CHARACTERS.sub("", str(c)).strip() for c in frame.columns]
    cleaned, hashes = {}, set()
    for i in range(frame.shape[1]):
        column, changed, hashed = _clean_column(frame.iloc[:, i])
        frame.isetitem(i, column)
        if changed:
            cleaned[i] = changed
        if hashed:
            hashes.add(i)
    return frame, cleaned, hashes


def header_index(rows: list[list[str]], columns: tuple[str, ...]) -> int:
    """Where the header is among the first rows (0 is row 1): row 1 when it names any of
    ``columns`` (or nothing better is found), else the first row naming at least half."""
    wanted = {c.lower() for c in columns}
    if not wanted:
        return 0

    def named(row: list[str]) -> int:
        return len(wanted & {str(c).strip().lower() for c in row})

    if not rows or named(rows[0]):
        return 0
    for i, row in enumerate(rows[1:HEADER_SEARCH_ROWS], start=1):
        if 2 * named(row) >= len(wanted):
            return i
    return 0


def _title_warning(label: str, above: list[list[str]], header_row: int, problems: Problems) -> None:
    """The rows above a header found below row 1: accepted, and said so, so the officer
    knows which row was taken for the header."""
    title = " ".join(str(c).strip() for row in above for c in row if str(c).strip())
    rows = {2: "row 1 is", 3: "rows 1 and 2 are"}.get(header_row, f"rows 1 to {header_row - 1} are")
    if title:
        problems.warning(
            label,
            f"is above the header, which is on row {header_row}; {rows} read "
            "as a title and skipped (expected the header on row 1)",
            row=1,
            value=title,
        )
    else:
        problems.warning(
            label,
            f"is blank and the header is on row {header_row}; {rows} skipped (expected the header on row 1)",
            row=1,
        )


def _with_header(grid: pd.DataFrame, name: str, label: str, *, header: int = 0, offset: int = 0) -> RawTable:
    """A table read without a header (so repeated column names survive, where pandas would
    rename the second 'pupils' to 'pupils.1'): row ``header`` becomes the header, wholly
    blank rows are dropped, and each remaining row keeps its file row number (grid row 0
    is file row ``offset + 1``)."""
    grid, cleaned, hashes = _strip(grid)
    names = list(grid.iloc[header]) if len(grid) > header else []
    body = grid.iloc[header + 1 :]
    keep = [i for i, h in enumerate(names) if h != "" or (body.iloc[:, i] != "").any()]
    body = body.iloc[:, keep]
    body.columns = [names[i] or f"(no name, column {i + 1})" for i in keep]
    filled = (body != "").any(axis=1).to_numpy() if len(body.columns) else np.zeros(len(body), bool)
    grid_rows = np.asarray(body.index)[np.flatnonzero(filled)]  # grid rows kept, in order
    rows = tuple((grid_rows + 1 + offset).tolist())
    body = body[filled] if len(body.columns) else body.iloc[:0]
    raw = RawTable(name, label, body.reset_index(drop=True), rows=rows)
    raw.may_hold_errors = {body.columns[k] for k, j in enumerate(keep) if j in hashes}
    # cleaned cells, re-keyed from grid rows to frame positions (header cells are not kept)
    for j, column in zip(keep, body.columns):
        if cleaned.get(j):
            at = np.searchsorted(grid_rows, list(cleaned[j]))
            changed = {
                int(p): v for p, (g, v) in zip(at, cleaned[j].items()) if p < len(grid_rows) and grid_rows[p] == g
            }
            if changed:
                raw.cleaned[column] = changed
    return raw


# --- encodings ---------------------------------------------------------------------------


def guess_encoding(data: bytes) -> str:
    """What text that is not UTF-8 most likely is, in words for a message."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 (it starts with a UTF-16 byte-order mark, as Excel's 'Unicode Text' does)"
    if data[:200].count(b"\x00") * 4 >= len(data[:200]) > 0:
        return "UTF-16 (every other byte is zero)"
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return "Latin-1 or another 8-bit encoding"
    return "Windows-1252 (what Excel and Notepad save as 'ANSI')"


def _is_utf16(data: bytes) -> bool:
    return guess_encoding(data).startswith("UTF-16")


def first_bad_line(data: bytes) -> tuple[int, str]:
    """The first line that is not UTF-8, and its text as Windows-1252 (what Excel's plain
    'CSV' writes), so the officer can see which value has the odd character."""
    for number, line in enumerate(data.splitlines(), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return number, line.decode("cp1252", errors="replace")
    return 1, ""


# --- CSV ----------------------------------------------------------------------------------

_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
_SEPARATORS = {";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}
_HEAD_BYTES = 1 << 16


def _parser_problem(label: str, exc: Exception, problems: Problems) -> None:
    """pandas' tokenizer message, put the way the rest of the report is."""
    text = str(exc)
    if match := _FIELDS.search(text):
        expected, line, saw = (int(g) for g in match.groups())
        problems.error(
            label,
            f"has {saw} values; expected {expected}, one for each column of "
            "the header (a value containing a comma must be in double quotes)",
            row=line,
        )
    elif match := _OPEN_QUOTE.search(text):
        problems.error(
            label,
            "has a double quote that is never closed; expected quotes in pairs around a value",
            row=int(match.group(1)) + 1,
        )
    else:
        problems.error(label, f"could not be read as CSV: {text}".strip())


def _records(text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """The first records of a CSV text, and the line each one ends on."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    records, ends = [], []
    try:
        for record in reader:
            records.append(record)
            ends.append(reader.line_num)
            if len(records) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass
    return records, ends


def _layout(
    head: bytes, columns: tuple[str, ...], label: str, problems: Problems
) -> tuple[int, list[list[str]]] | None:
    """Lines to skip before the header, and the records skipped; None (with a problem)
    when the file is split by something other than commas."""
    text = head.decode("utf-8-sig", errors="replace")
    records, ends = _records(text, ",")
    index = header_index(records, columns)
    if columns and records and not any(_names_any(r, columns) for r in records):
        for sep, words in _SEPARATORS.items():
            if sep not in text:
                continue
            split, split_ends = _records(text, sep)
            at = next((i for i, r in enumerate(split) if _names_any(r, columns)), None)
            if at is not None:
                problems.error(
                    label,
                    f"is split by {words}, not commas; expected a comma-separated "
                    "file (in Excel: Save as 'CSV UTF-8 (Comma delimited)')",
                    row=(split_ends[at - 1] + 1) if at else 1,
                    value=sep.join(split[at]),
                )
                return None
    if index == 0:
        return 0, []
    return ends[index - 1], records[:index]


def _names_any(row: list[str], columns: tuple[str, ...]) -> bool:
    wanted = {c.lower() for c in columns}
    return bool(wanted & {c.strip().lower() for c in row})


def _required_columns(name: str) -> tuple[str, ...]:
    from .schema import tables  # the schema is data; imported late to keep read.py light

    table = tables().get(name)
    return tuple(c.name for c in table.columns if c.required) if table else ()


def read_csv(path: Path, name: str, problems: Problems, *, columns: tuple[str, ...] | None = None) -> RawTable | None:
    """A CSV file as text. ``columns`` (by default the table's required columns in the
    data standard) are what a header row looks like, to find one below a title."""
    label = path.name
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError as exc:
        problems.error(label, f"could not be opened: {exc.strerror or exc}")
        return None
    if _is_utf16(head):
        problems.error(
            label,
            f"is not UTF-8 text: it looks like {guess_encoding(head)}; expected a file saved as 'CSV UTF-8' from Excel",
        )
        return None
    layout = _layout(head, _required_columns(name) if columns is None else columns, label, problems)
    if layout is None:
        return None
    skip, title = layout
    if skip:
        _title_warning(label, title, skip + 1, problems)
    try:
        grid = pd.read_csv(
            path,
            header=None,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            skipinitialspace=False,
            skip_blank_lines=False,
            skiprows=skip,
        )
    except pd.errors.EmptyDataError:
        problems.error(label, "is empty; expected a header row naming the columns")
        return None
    except UnicodeDecodeError:
        line, text = first_bad_line(path.read_bytes())
        problems.error(
            label, "is not UTF-8 text; expected a file saved as 'CSV UTF-8' from Excel", row=line, value=text
        )
        return None
    except pd.errors.ParserError as exc:
        _parser_problem(label, exc, problems)
        return None
    except OSError as exc:
        problems.error(label, f"could not be opened: {exc.strerror or exc}")
        return None
    return _with_header(grid, name, label, offset=skip)


# --- Excel --------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    """A workbook value as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _sheet_rows(sheet) -> list[list[str]]:
    sheet.reset_dimensions()  # declared dimensions can be wrong; read what is there
    return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")


def _has_formulas(path: Path) -> bool:
    """Whether any worksheet holds a formula, found in the XML without parsing it, so
    workbooks of plain values (the usual case) are read only once."""
    with zipfile.ZipFile(path) as archive:
        for part in archive.namelist():
            if part.startswith("xl/worksheets/") and part.endswith(".xml"):
                with archive.open(part) as handle:
                    tail = b""
                    while chunk := handle.read(1 << 20):
                        if _FORMULA_TAG.search(tail + chunk):
                            return True
                        tail = chunk[-8:]
    return False


def _formulas(path: Path, sheets: list[str]) -> dict[str, dict[tuple[int, int], str]]:
    """Every formula cell of the given sheets, by (grid row, column), as written."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    try:
        out = {}
        for title in sheets:
            sheet = book[title]
            sheet.reset_dimensions()
            cells = {}
            for r, row in enumerate(sheet.iter_rows(values_only=True)):
                for c, value in enumerate(row):
                    if isinstance(value, str) and value.startswith("="):
                        cells[(r, c)] = value
                    elif value is not None and type(value).__name__ in ("ArrayFormula", "DataTableFormula"):
                        cells[(r, c)] = str(getattr(value, "text", "") or "=(array formula)")
            out[title] = cells
        return out
    finally:
        book.close()


def read_sheets(path: Path, names: list[str], problems: Problems) -> tuple[dict[str, RawTable], list[str]]:
    """Every sheet of a workbook named like a table of the standard (any case, spaces
    around ignored), and the names of all its sheets for messages about missing ones."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many unrelated types for a bad workbook
        problems.error(path.name, f"could not be read as an Excel workbook: {exc}")
        return {}, []
    try:
        titles = list(book.sheetnames)
        matched = {t: t.strip().lower() for t in titles if t.strip().lower() in names}
        grids = {t: _sheet_rows(book[t]) for t in matched}
    except Exception as exc:  # a damaged sheet part
        problems.error(path.name, f"could not be read as an Excel workbook: {exc}")
        return {}, titles if "titles" in locals() else []
    finally:
        book.close()
    if path.suffix.lower() == ".xlsm":
        problems.warning(
            path.name,
            "is a macro-enabled workbook: its cell values are read as Excel last saved them, its macros are never run",
        )
    formulas = _formulas(path, list(matched)) if matched and _has_formulas(path) else {}
    found = {}
    for title, name in matched.items():
        label = f"{path.name}, sheet {title}"
        rows = grids[title]
        uncomputed = {
            rc: f
            for rc, f in formulas.get(title, {}).items()
            if rc[0] < len(rows) and (rc[1] >= len(rows[rc[0]]) or rows[rc[0]][rc[1]] == "")
        }
        for (r, c), formula in uncomputed.items():  # kept visible so the row is not dropped
            rows[r] += [""] * (c + 1 - len(rows[r]))
            rows[r][c] = formula
        header = header_index(rows[:HEADER_SEARCH_ROWS], _required_columns(name))
        if header:
            _title_warning(label, rows[:header], header + 1, problems)
        width = max((len(row) for row in rows), default=0)
        rows = [list(row) + [""] * (width - len(row)) for row in rows]
        raw = _with_header(pd.DataFrame(rows, dtype=object), name, label, header=header)
        _mark_formulas(raw, rows[header] if len(rows) > header else [], uncomputed)
        found[name] = raw
    return found, titles


def _mark_formulas(raw: RawTable, header: list[str], uncomputed: dict[tuple[int, int], str]) -> None:
    """Blank the cells of formulas with no saved result, and remember them for the report."""
    if not uncomputed:
        return
    position = {row: i for i, row in enumerate(raw.rows or ())}
    for (r, c), formula in uncomputed.items():
        column = str(header[c]).strip() if c < len(header) else ""
        if (r + 1) in position and column in raw.frame.columns:
            i = position[r + 1]
            raw.frame.iloc[i, list(raw.frame.columns).index(column)] = ""
            raw.formulas.setdefault(column, {})[i] = formula


# --- GeoPackage ---------------------------------------------------------------------------


def _layer(path: Path, name: str, problems: Problems) -> str | None:
    """The layer to read: the only one, else the one named like the table."""
    import pyogrio

    layers = [str(n) for n, _ in pyogrio.list_layers(path)]
    if len(layers) == 1:
        return layers[0]
    shown = ", ".join(layers)
    if not layers:
        problems.error(path.name, f"has no layers; expected a layer of {name} polygons")
        return None
    same = [n for n in layers if n.strip().lower() == name]
    if len(same) == 1:
        problems.warning(
            path.name, f"has {len(layers)} layers ({shown}); the layer named {name} is read and the others are ignored"
        )
        return same[0]
    problems.error(path.name, f"has {len(layers)} layers ({shown}); expected one layer, or one named {name}")
    return None


def read_gpkg(path: Path, name: str, problems: Problems) -> tuple[RawTable | None, str | None]:
    """A GeoPackage layer as text columns plus its geometry; also returns its CRS."""
    import geopandas as gpd  # imported here: only GeoPackage inputs need it

    try:
        layer = _layer(path, name, problems)
        if layer is None:
            return None, None
        frame = gpd.read_file(path, layer=layer)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        problems.error(path.name, f"could not be read as a GeoPackage: {exc}")
        return None, None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.active_geometry_name is None:
        problems.error(path.name, f"has no geometry in layer {layer}; expected {name} polygons")
        return None, None
    geometry = frame.geometry
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    crs = frame.crs.to_string() if frame.crs is not None else None
    text, cleaned, hashes = _strip(attributes)
    raw = RawTable(name, path.name, text, geometry=geometry)
    raw.cleaned = {text.columns[j]: changed for j, changed in cleaned.items()}
    raw.may_hold_errors = {text.columns[j] for j in hashes}
    return raw, crs
