"""A dataset as one Excel workbook: the template officers fill in, and the builder's xlsx.

``placeplan data template`` writes an empty dataset to fill in (an example row per
table) and ``placeplan data build --format xlsx`` writes a built one; both are laid out
here, so the two cannot drift:

* an ``About`` sheet first, saying how to fill the workbook in (placeplan reads only the
  sheets named like tables, so it is never read as data);
* one sheet per table of the data standard, in the standard's order, with the schema's
  columns as the header row (bold, frozen), each column's description, type, unit,
  whether it is required, default and allowed values as the header cell's comment, and a
  drop-down list on every coded column (allowed values, need codes);
* every value written as data: text a spreadsheet would run as a formula stays text
  (:mod:`placeplan.formulas`), ids and other text columns are text cells (so ``00123``
  keeps its zeros) and numbers are numbers;
* the same tables give the same bytes: the dates openpyxl stamps are fixed.

The reader (:func:`placeplan.read.read_sheets`) reads the workbook back as any officer's.
"""

from __future__ import annotations

import io
import math
import os
import re
import zipfile
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .codes import ALL_NEEDS, NEEDS
from .docs import rule_words, type_words
from .errors import OutputError, Problems
from .formulas import needs_quote
from .outputs_io import file_in_the_way, write_bytes_atomic
from .read import ABOUT_SHEET
from .schema import Column, Table, tables

#: Every date inside the workbook (zip entries, created and modified): a fixed one, so the
#: same tables give the same bytes on any day.
STAMP = date(2025, 1, 1)
#: Column types written as numbers; every other column is text.
NUMERIC_TYPES = ("integer", "number", "fraction", "year", "ncy")
#: The last row a validation list covers: the whole column, so rows officers add are checked.
LAST_ROW = 1_048_576
#: Rows looked at to size a column (a built table can have tens of thousands).
WIDTH_ROWS = 300

REQUIRED_FILL = PatternFill("solid", fgColor="DDE3EA")
OPTIONAL_FILL = PatternFill("solid", fgColor="F2F4F7")
TEXT_FORMAT = "@"

#: The example rows of each table: one, but for travel, which needs a row from each zone
#: to every site and option. They refer to each other as real rows must (the zone is the
#: demand's, travel's and population's; the site and the option are travel's
#: destinations), so that the template as written is a valid dataset.
EXAMPLE_ROWS: dict[str, tuple[dict[str, object], ...]] = {
    "zones": (
        {
            "zone_id": "E01000001",
            "name": "Example zone (an LSOA)",
            "x": 532100,
            "y": 181600,
            "la_code": "201",
            "population_0_15": 180,
            "population_16_24": 160,
            "population_total": 1500,
        },
    ),
    "demand": ({"zone_id": "E01000001", "need": "ASD", "ncy": 7, "pupils": 3, "setting": "special"},),
    "sites": (
        {
            "site_id": "S001",
            "name": "Example Special School",
            "kind": "special",
            "x": 532500,
            "y": 181200,
            "needs": "ASD;SLCN",
            "ncy_min": 0,
            "ncy_max": 14,
            "capacity": 100,
            "on_roll": 96,
            "capacity_source": "commissioned",
            "annual_cost_per_place": 25000,
            "la_code": "201",
            "urn": "100000",
            "notes": "An example row: replace it with your own",
        },
    ),
    "candidates": (
        {
            "option_id": "O001",
            "name": "Example SRP at Example Primary School",
            "kind": "srp",
            "site_id": "100001",
            "x": 531800,
            "y": 181900,
            "needs": "ASD",
            "ncy_min": 0,
            "ncy_max": 6,
            "min_places": 8,
            "max_places": 16,
            "place_step": 4,
            "capital_fixed": 150000,
            "capital_per_place": 20000,
            "annual_cost_per_place": 15000,
            "annual_fixed_cost": 0,
            "host_on_roll": 420,
            "host_selective": "no",
            "host_ncy_min": 0,
            "host_ncy_max": 6,
            "earliest_year": 2026,
            "host_first_preference_ratio": 1.1,
            "deliverability": 0.8,
            "notes": "An example row: replace it with your own",
        },
    ),
    "travel": (
        {"zone_id": "E01000001", "site_id": "S001", "minutes": 12, "km": 4.5},
        {"zone_id": "E01000001", "site_id": "O001", "minutes": 8, "km": 2.5},
    ),
    "population": ({"zone_id": "E01000001", "year": 2024, "age": 11, "count": 20},),
    "history": ({"year": 2024, "setting": "special", "need": "ASD", "ncy": 7, "pupils": 3},),
}


# --- what each column says about itself --------------------------------------------------


def choices(column: Column) -> tuple[str, ...]:
    """The values a drop-down list offers for a coded column; none for other columns."""
    if column.type == "enum":
        return column.allowed
    if column.type == "need":
        return tuple(NEEDS)
    return ()


def header_comment(column: Column) -> str:
    """What the header cell's comment says: the description, then the facts of the
    standard a person filling the column in needs."""
    lines = [column.description.strip(), "", f"Type: {type_words(column, markdown=False)}"]
    if column.unit:
        lines.append(f"Unit: {column.unit}")
    lines.append("Required: yes" if column.required else "Required: no (may be left blank)")
    if column.default is not None:
        lines.append(f"Default when blank: {column.default}")
    if rules := rule_words(column, markdown=False):
        lines.append(f"Rules: {rules}")
    if values := choices(column):
        lines.append(f"Allowed: {', '.join(values)} (pick from the list)")
    if column.type == "needs":
        # A list offers one value per cell; 'ASD;SLCN' is not one of them, so a list
        # would refuse the cells the standard allows.
        lines.append(
            f"Allowed: need codes ({', '.join(NEEDS)}) separated by ';', for example ASD;SLCN, "
            f"or {ALL_NEEDS}. A cell may hold several codes, so no drop-down list checks it: "
            "placeplan validate does."
        )
    return "\n".join(lines)


def _comment(column: Column) -> Comment:
    text = header_comment(column)
    # Comments open at a fixed size: make it fit the text (about 60 characters a line).
    lines = sum(max(1, math.ceil(len(line) / 60)) for line in text.split("\n"))
    return Comment(text, "placeplan", width=360, height=max(80, 15 * lines + 10))


def _validation(column: Column, letter: str) -> DataValidation | None:
    values = choices(column)
    if not values:
        return None
    return DataValidation(
        type="list",
        formula1='"' + ",".join(values) + '"',
        allow_blank=not column.required,
        showErrorMessage=True,
        errorTitle=f"Not a {column.name}",
        error=f"Expected one of: {', '.join(values)}",
        sqref=f"{letter}2:{letter}{LAST_ROW}",
    )


# --- cells ---------------------------------------------------------------------------------


def _blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _number(text: str) -> int | float | None:
    """Text that is plainly a number, as one (not '1_000', 'nan' or 'inf')."""
    text = text.strip()
    if _INTEGER.match(text):
        return int(text)
    if _DECIMAL.match(text):
        return float(text)
    return None


def cell_value(value: object, column: Column | None) -> object:
    """A table's value as the workbook holds it: numbers as numbers in numeric columns,
    text as the CSV writer would write it everywhere else (so ids stay text), None blank.
    A value that is not a number in a numeric column is kept as text, for validation to
    report as written."""
    if _blank(value):
        return None
    item = getattr(value, "item", None)  # a numpy scalar, as pandas gives: its Python value
    if callable(item):
        value = item()
    if column is not None and column.type in NUMERIC_TYPES and not isinstance(value, bool):
        if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
            return value
        if (number := _number(str(value))) is not None:
            return number
    return str(value)


def keep_text_as_text(sheet: Worksheet) -> None:
    """Names are data: a cell whose text a spreadsheet would run as a formula is stored as
    text and marked so that the spreadsheet keeps it text when it is edited (the
    apostrophe prefix, shown nowhere). The plan's workbook does the same with this."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and needs_quote(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True


# --- sheets --------------------------------------------------------------------------------


def _header(sheet: Worksheet, names: list[str], columns: list[Column | None]) -> None:
    """The header row: bold and frozen, each schema column with its comment, its list (a
    coded column) and, for text columns, the text format (typed into, an id 00123 keeps its
    zeros and 1/2 does not become a date)."""
    for number, (name, column) in enumerate(zip(names, columns), start=1):
        cell = sheet.cell(row=1, column=number, value=name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top")
        cell.fill = REQUIRED_FILL if column is not None and column.required else OPTIONAL_FILL
        if column is None:
            continue  # a column beyond the standard: the reader warns about it
        letter = get_column_letter(number)
        cell.comment = _comment(column)
        if column.type not in NUMERIC_TYPES:
            sheet.column_dimensions[letter].number_format = TEXT_FORMAT
        if (rule := _validation(column, letter)) is not None:
            sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"


def _rows(sheet: Worksheet, frame: pd.DataFrame, names: list[str], columns: list[Column | None]) -> None:
    """The table's rows under the header, a blank column where the frame has none."""
    cells = [
        [cell_value(v, c) for v in frame[n]] if n in frame.columns else [None] * len(frame)
        for n, c in zip(names, columns)
    ]
    for row in zip(*cells):
        sheet.append(row)
    for number, column in enumerate(columns, start=1):
        if column is not None and column.type not in NUMERIC_TYPES:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=number, max_col=number):
                cell.number_format = TEXT_FORMAT


def _widths(sheet: Worksheet, frame: pd.DataFrame, names: list[str]) -> None:
    """Each column as wide as its header and first rows, within reason."""
    for number, name in enumerate(names, start=1):
        values = frame[name].iloc[:WIDTH_ROWS] if name in frame.columns else []
        longest = max([len(name) + 3, *(len(str(v)) for v in values if not _blank(v))])
        sheet.column_dimensions[get_column_letter(number)].width = min(40, max(10, longest) + 2)


def _table_sheet(book: Workbook, table: Table, frame: pd.DataFrame) -> None:
    """One table: the schema's columns in order (then any the frame has beyond them) as
    the header, then the rows."""
    sheet = book.create_sheet(table.name)
    known = {c.name: c for c in table.columns}
    names = table.names + [str(c) for c in frame.columns if c not in known]
    columns = [known.get(n) for n in names]
    _header(sheet, names, columns)
    _rows(sheet, frame, names, columns)
    _widths(sheet, frame, names)
    keep_text_as_text(sheet)


def _about_sheet(book: Workbook, lines: Iterable[str]) -> None:
    """Words for whoever opens the workbook, one line a row so that a block of lines (the
    dataset.toml text) can be copied out as lines."""
    sheet = book.active
    assert sheet is not None
    sheet.title = ABOUT_SHEET
    for number, line in enumerate(lines, start=1):
        cell = sheet.cell(row=number, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")  # a built description runs long
        if number == 1:
            cell.font = Font(bold=True, size=14)
        elif line.endswith(":") and not line.startswith((" ", "#")):
            cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 120
    keep_text_as_text(sheet)


def coded_columns() -> list[str]:
    """The names of the columns with a drop-down list, in the standard's order."""
    names = [c.name for t in tables().values() for c in t.columns if choices(c)]
    return list(dict.fromkeys(names))


def fill_in_lines(*, template: bool) -> list[str]:
    """How to fill a dataset workbook in: the template, or a built dataset to change."""
    required = [t.name for t in tables().values() if t.required]
    optional = [t.name for t in tables().values() if not t.required]
    rows = (
        "3. Replace the example rows with your own, one row per record, from row 2 down."
        if template
        else "3. Replace rows with your own where you have better figures (start with demand: your caseload)."
    )
    toml = "its lines are at the end of this sheet" if template else "placeplan data build wrote it, with README.md"
    return [
        "How to fill it in:",
        f"1. One sheet per table of the data standard: {', '.join(required)} (required) and "
        f"{', '.join(optional)} (optional). Keep the sheet names: placeplan finds each table by "
        "its sheet's name, and reads no other sheet (not this one).",
        "2. Keep the header row (row 1) as it is: the column names are how placeplan finds each column. "
        "Point at a header cell to read what the column holds: its type, unit, whether it is "
        "required, its default and the values allowed. Required columns have the darker header.",
        f"{rows} Rows refer to each other by id (a demand row's zone_id is a zone of the zones sheet; "
        "a travel row's site_id is a site or an option): change them together.",
        "4. An optional table may be left with only its header row, or its sheet deleted. "
        "Columns that are not required may be left blank.",
        f"5. Coded columns ({', '.join(coded_columns())}) have a drop-down list. A needs cell holds one "
        f"or more need codes separated by ';' (ASD;SLCN) or {ALL_NEEDS}: no list can check that, so type it.",
        "6. Save it as an Excel Workbook (.xlsx) in the dataset's folder, beside its dataset.toml, a text "
        f"file placeplan reads with it ({toml}).",
        "7. Check it: placeplan validate FOLDER. Every problem is listed with its sheet, row, column and value.",
        "The data standard in full: docs/data-standard.md, or placeplan schema.",
    ]


# --- the workbook --------------------------------------------------------------------------


def workbook_bytes(frames: Mapping[str, pd.DataFrame], about: Iterable[str], *, title: str) -> bytes:
    """The About sheet, then a sheet for each table of the standard in ``frames``, in the
    standard's order."""
    book = Workbook()
    _about_sheet(book, about)
    for name, table in tables().items():
        if name in frames:
            _table_sheet(book, table, frames[name])
    book.properties.title = title
    book.properties.subject = "A placeplan dataset (the data standard: docs/data-standard.md)"
    book.properties.creator = book.properties.lastModifiedBy = "placeplan"
    buffer = io.BytesIO()
    book.save(buffer)
    return repeatable(buffer.getvalue(), STAMP)


_STAMP_TAG = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def repeatable(data: bytes, day: date) -> bytes:
    """The workbook with every date inside it set to ``day``: the zip entries' times and
    the document's created/modified properties (openpyxl stamps the moment of saving),
    so the same tables give the same bytes (the plan's workbook, outputs/workbook.py, too)."""
    stamp = day.strftime("%Y-%m-%dT00:00:00Z").encode()
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _STAMP_TAG.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=(day.year, day.month, day.day, 0, 0, 0))
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            target.writestr(entry, content)
    return out.getvalue()


# --- the template --------------------------------------------------------------------------


def template_toml(workbook: str) -> str:
    """The dataset.toml to put beside the template: what the reader needs (a name and a base
    year), with the keys an officer should fill in."""
    return "\n".join(
        [
            "# dataset.toml: save these lines as a text file named dataset.toml beside the workbook.",
            'name = "Our council: specialist places"',
            'description = "Our caseload, provision and options (replace with what the dataset holds)"',
            'crs = "EPSG:27700"  # x and y as British National Grid eastings and northings',
            'base_year = "2024/25"  # the academic year of the counts: 2024/25 is the January 2025 census',
            'licence = ""',
            f'# workbook = "{workbook}"  # needed only when the folder holds more than one workbook',
            "",
            "[[sources]]",
            'name = "Our own caseload and provision"',
            "",
        ]
    )


def template_about(workbook: str) -> list[str]:
    """The template's About sheet: how to fill it in, then its dataset.toml, a line a row."""
    return [
        "A placeplan dataset to fill in",
        "This workbook is an empty dataset in placeplan's data standard, written by placeplan data template: "
        "each sheet after this one is a table, with an example row (travel: one to the site, one to the "
        "option) to show what goes where.",
        "",
        *fill_in_lines(template=True),
        "",
        "The dataset.toml to save beside this workbook (copy the lines below into a text editor, "
        "change name, description, base_year and sources, and save it as dataset.toml):",
        *template_toml(workbook).rstrip("\n").split("\n"),
    ]


def template_frames() -> dict[str, pd.DataFrame]:
    """Each table of the standard with its example rows, columns in the standard's order."""
    return {
        name: pd.DataFrame(
            [[row.get(c) for c in table.names] for row in EXAMPLE_ROWS[name]], columns=table.names, dtype=object
        )
        for name, table in tables().items()
    }


def template_bytes(workbook: str = "template.xlsx") -> bytes:
    """The template workbook, its About sheet naming it ``workbook``."""
    return workbook_bytes(template_frames(), template_about(workbook), title="placeplan dataset template")


def _check_template_target(path: Path) -> None:
    """Refuse, before writing, a target that is not a new workbook file: a folder, another
    kind of file, or a workbook a dataset reads (dataset.toml beside it)."""
    if path.is_dir():
        raise OutputError(
            f"cannot write the template to {path}: it is a folder; expected a workbook file, "
            f"for example {path / 'template.xlsx'}"
        )
    if (blocked := file_in_the_way(path)) is not None:
        raise OutputError(f"cannot write the template to {path}: {blocked} is a file, so the folder cannot be made")
    if path.suffix.lower() != ".xlsx":
        problems = Problems()
        problems.error(
            "--out",
            "is not an .xlsx file name; expected a workbook file name ending .xlsx, for example template.xlsx",
            value=str(path),
        )
        problems.raise_if_errors("data template")
    if path.exists() and (path.parent / "dataset.toml").is_file():
        raise OutputError(
            f"the output {path} is an input: the dataset in {path.parent} (dataset.toml is beside it) "
            "reads its sheets, and the template would replace them: choose a new file, for example "
            "in a folder of its own"
        )


def write_template(path: str | Path) -> Path:
    """Write the template workbook to ``path`` atomically; an OutputError (exit 2) when the
    path or the disk refuses."""
    path = Path(os.path.abspath(path))
    _check_template_target(path)
    write_bytes_atomic(path, template_bytes(path.name))
    return path
