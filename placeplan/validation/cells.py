"""Turn a table of text into typed columns, recording every cell that does not fit.

Parsing is vectorised: pandas finds the failing cells, and only those are turned into
messages, so a two-million-row travel table is checked in seconds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..codes import NEEDS, parse_needs, suggest, suggest_need
from ..errors import Problems
from ..read import ODD_CHARACTERS, RawTable
from ..schema import Column, Table

#: Beyond this many bad cells in one column for one rule, the rest are counted, not listed.
MAX_LISTED = 25

_EXPECTED = {
    "integer": "expected a whole number",
    "number": "expected a number",
    "fraction": "expected a number from 0 to 1",
    "year": "expected a year such as 2026",
    "ncy": "expected a National Curriculum year from -1 (nursery) to 20",
}


def rows_where(mask: pd.Series) -> np.ndarray:
    """Positions where a (possibly nullable) boolean mask is true; missing counts as false."""
    return np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool))


def _report(
    problems: Problems, raw: RawTable, column: str, mask: pd.Series, message: str | Callable[[str], str]
) -> None:
    """One problem per failing cell, up to MAX_LISTED, then a count of the rest."""
    bad = rows_where(mask)
    values = raw.frame[column].to_numpy() if column in raw.frame else None
    for i in bad[:MAX_LISTED]:
        value = "" if values is None else values[i]
        text = message(value) if callable(message) else message
        problems.error(raw.label, text, row=raw.row_number(int(i)), column=column, value=value)
    if len(bad) > MAX_LISTED:
        first = raw.row_number(int(bad[MAX_LISTED]))
        problems.error(
            raw.label, f"{len(bad) - MAX_LISTED} more rows from row {first} have the same problem", column=column
        )


#: Types whose bounds are a range of meaning (an NCY, a year, a fraction), shown whole in
#: messages; for counts and amounts the bound broken is shown ("0 or more", "up to ...").
_RANGES = ("ncy", "year", "fraction")
_WHOLE = ("integer", "year", "ncy")

#: The largest magnitude accepted in a numeric column whose schema declares no maximum.
#: Every count and amount of the standard declares its own, sensible, maximum in
#: placeplan/schema; this only keeps columns without one (coordinates) inside what float64
#: holds exactly as a whole number, so nothing downstream overflows or loses units.
NO_MAX_LIMIT = 1e15

#: Words that pandas would read as infinity or not-a-number: reported as not numbers.
_NOT_NUMBERS = ("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan")


def _numeric(raw: RawTable, column: Column, text: pd.Series, problems: Problems) -> pd.Series:
    # float64 throughout: pandas reads '10000000000000000000' as uint64 and '1e308' as a
    # float, and either would fail the cast to whole numbers; out-of-range values are
    # reported by _check_bounds and then dropped, so the cast below only ever sees values
    # within the column's bounds.
    values = pd.to_numeric(text.where(text != ""), errors="coerce").astype("float64")
    bad = (text != "") & values.isna()
    infinite = np.isinf(values.to_numpy())
    if infinite.any():  # 'inf' written out is not a number; '1e400' is one too large
        bad |= pd.Series(infinite, index=text.index) & text.str.lower().isin(_NOT_NUMBERS)
    _report(problems, raw, column.name, bad, f"is not a number; {_EXPECTED[column.type]}")
    values = values.where(~bad)
    if column.type in _WHOLE:
        fractional = values.notna() & np.isfinite(values) & (values != values.round())
        _report(problems, raw, column.name, fractional, f"is not a whole number; {_EXPECTED[column.type]}")
        values = values.where(~fractional)
    values = values.where(~_check_bounds(raw, column, values, problems))
    if column.type in _WHOLE:
        return values.round().astype("Int64")
    return values.astype("Float64")


def _fmt(value: float) -> str:
    """A bound as an officer reads it: 2026, -1, 0.5, 100,000."""
    if value == int(value):
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    return f"{value:g}"


def _unit(column: Column) -> str:
    return f" {column.unit}" if column.unit not in ("", "ratio") and column.type not in _RANGES else ""


def _low_text(column: Column) -> str:
    assert column.min is not None  # called only for a value below the column's lower bound
    if column.type in _RANGES and column.max is not None:
        return f"expected {_fmt(column.min)} to {_fmt(column.max)}{_unit(column)}"
    return f"expected {_fmt(column.min)} or more{_unit(column)}"


def _high_text(column: Column, limit: float) -> str:
    if column.type in _RANGES and column.min is not None:
        return f"expected {_fmt(column.min)} to {_fmt(limit)}{_unit(column)}"
    kind = "a whole number" if column.type in _WHOLE else "a number"
    return f"expected {kind} up to {_fmt(limit)}{_unit(column)}"


def _check_bounds(raw: RawTable, column: Column, values: pd.Series, problems: Problems) -> pd.Series:
    """Report values outside the column's bounds; return where they are. Values too large
    to write as a number at all ('1e400') arrive as infinity and are reported here too."""
    out = pd.Series(False, index=values.index)
    low_bound = -NO_MAX_LIMIT if column.min is None else column.min
    low = values.notna() & (values < low_bound)
    if low.any():
        if column.min is None:
            _report(
                problems,
                raw,
                column.name,
                low,
                f"is too small; expected a number of at least {_fmt(-NO_MAX_LIMIT)}{_unit(column)}",
            )
        else:
            what = "is negative" if column.min == 0 else "is too small"
            _report(problems, raw, column.name, low, f"{what}; {_low_text(column)}")
        out |= low
    limit = NO_MAX_LIMIT if column.max is None else column.max
    high = values.notna() & (values > limit)
    if high.any():
        _report(problems, raw, column.name, high, f"is too large; {_high_text(column, limit)}")
        out |= high
    return out


def _need(raw: RawTable, column: Column, text: pd.Series, problems: Problems) -> pd.Series:
    upper = text.str.upper()
    bad = (upper != "") & ~upper.isin(list(NEEDS))

    def message(value: str) -> str:
        guess = suggest_need(value)
        hint = f"; did you mean {guess}?" if guess else f"; expected one of {', '.join(NEEDS)}"
        return f"is not a need code{hint}"

    _report(problems, raw, column.name, bad, message)
    return upper.where(~bad & (upper != ""))


def _needs(raw: RawTable, column: Column, text: pd.Series, problems: Problems) -> pd.Series:
    parsed: list[object] = []
    bad_rows: dict[int, str] = {}
    cache: dict[str, tuple[list[str], list[str]]] = {}
    for i, cell in enumerate(text.to_numpy()):
        if cell == "":
            parsed.append(None)
            continue
        if cell not in cache:
            cache[cell] = parse_needs(cell)
        codes, unknown = cache[cell]
        if unknown or not codes:
            bad_rows[i] = unknown[0] if unknown else cell
            parsed.append(None)
        else:
            parsed.append(tuple(codes))
    mask = pd.Series(False, index=text.index)
    mask.iloc[list(bad_rows)] = True

    def message(value: str) -> str:
        part = next((p for p in parse_needs(value)[1]), value)
        guess = suggest_need(part)
        hint = f"did you mean {guess}?" if guess else "expected need codes separated by ';', or ALL"
        return f"has '{part}', which is not a need code; {hint}"

    _report(problems, raw, column.name, mask, message)
    return pd.Series(parsed, index=text.index, dtype=object)


def _enum(raw: RawTable, column: Column, text: pd.Series, problems: Problems) -> pd.Series:
    lower = text.str.lower()
    bad = (lower != "") & ~lower.isin(column.allowed)

    def message(value: str) -> str:
        guess = suggest(value, column.allowed)
        hint = f"did you mean {guess}?" if guess else f"expected one of {', '.join(column.allowed)}"
        return f"is not a valid {column.name}; {hint}"

    _report(problems, raw, column.name, bad, message)
    return lower.where(~bad & (lower != ""))


#: What Excel shows in a cell whose formula failed; saved into CSV files as text too.
EXCEL_ERRORS = (
    "#NULL!",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#N/A",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
)


def _unusable(raw: RawTable, column: Column, text: pd.Series, problems: Problems) -> pd.Series:
    """Cells that hold no value to check: Excel error values, and formulas a workbook
    holds without a saved result. Each is reported once, here, and then treated as blank
    without the 'is empty' message. In an optional text column a formula may rightly give
    an empty result (openpyxl cannot tell it from none), so there it is left blank."""
    if raw.may_hold_errors is None or column.name in raw.may_hold_errors:
        mask = text.isin(EXCEL_ERRORS)
    else:
        mask = pd.Series(False, index=text.index)
    _report(
        problems,
        raw,
        column.name,
        mask,
        "is an Excel error value: the formula behind it failed; expected a value (correct "
        "the formula, or type the value)",
    )
    formulas = raw.formulas.get(column.name, {})
    if column.type == "text" and not column.required:
        formulas = {}
    for i, formula in sorted(formulas.items())[:MAX_LISTED]:
        problems.error(
            raw.label,
            "is a formula with no saved result (the workbook was written by "
            "a program that never calculated it); expected a value: open "
            "the workbook in Excel and save it, or paste the values",
            row=raw.row_number(i),
            column=column.name,
            value=formula,
        )
    if len(formulas) > MAX_LISTED:
        problems.error(
            raw.label, f"{len(formulas) - MAX_LISTED} more formulas with no saved result", column=column.name
        )
    if formulas:
        mask = mask.copy()
        mask.iloc[list(formulas)] = True
    return mask


def _cleaned_ids(raw: RawTable, column: Column, problems: Problems) -> None:
    """Identifiers that held invisible characters or unusual spaces. They are read without
    them (so 'Z1<zero-width space>' matches Z1): nobody types such characters on purpose,
    they come with text pasted from web pages and documents, and a difference nobody can
    see must not decide whether pupils have a home zone. Each is warned about, showing the
    cell as written and as read, so that the source can be put right."""
    changed = raw.cleaned.get(column.name, {})
    for i, before in sorted(changed.items())[:MAX_LISTED]:
        after = raw.frame[column.name].iloc[i]
        odd = sorted(set(ODD_CHARACTERS.findall(before)))
        names = ", ".join(f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed').lower()}" for ch in odd)
        problems.warning(
            raw.label,
            f"has invisible characters ({names}); read as '{after}', the same {column.name} as '{after}' elsewhere",
            row=raw.row_number(i),
            column=column.name,
            value=before,
        )
    if len(changed) > MAX_LISTED:
        problems.warning(
            raw.label,
            f"{len(changed) - MAX_LISTED} more {column.name} cells with invisible characters",
            column=column.name,
        )


def _is_identifier(column: Column) -> bool:
    return column.type == "id" or column.name.endswith("_id")


def parse_column(raw: RawTable, column: Column, problems: Problems) -> pd.Series:
    """The typed values of one column; bad or blank cells become missing."""
    text = raw.frame[column.name]
    unusable = _unusable(raw, column, text, problems)
    if unusable.any():
        text = text.where(~unusable, "")
    if _is_identifier(column):
        _cleaned_ids(raw, column, problems)
    if column.default is not None:
        text = text.where((text != "") | unusable, column.default)
    if column.required and column.name not in raw.derived:
        _report(
            problems,
            raw,
            column.name,
            (text == "") & ~unusable,
            f"is empty; a value is required ({column.description.rstrip('.')})",
        )
    if column.type in _EXPECTED:
        return _numeric(raw, column, text, problems)
    if column.type == "need":
        return _need(raw, column, text, problems)
    if column.type == "needs":
        return _needs(raw, column, text, problems)
    if column.type == "enum":
        return _enum(raw, column, text, problems)
    if column.type == "text" and not _is_identifier(column) and column.name in raw.cleaned:
        text = _as_written(text, raw.cleaned[column.name])
    return text.where(text != "").astype("string")


def _as_written(text: pd.Series, cleaned: dict[int, str]) -> pd.Series:
    """Names and notes are data, shown as the officer wrote them: the invisible characters
    and unusual spaces the reader took out are put back (only the ends are trimmed)."""
    text = text.copy()
    positions = list(cleaned)
    text.iloc[positions] = [cleaned[i].strip() for i in positions]
    return text


def _check_header(raw: RawTable, table: Table, problems: Problems) -> bool:
    columns = list(raw.frame.columns)
    duplicated = {c for c in columns if columns.count(c) > 1}
    for name in sorted(duplicated):
        problems.error(
            raw.label, f"appears {columns.count(name)} times in the header; expected each column once", column=name
        )
    lowered = {c.lower(): c for c in columns}
    missing = [c for c in table.columns if c.required and c.name not in columns]
    for column in missing:
        near = lowered.get(column.name.lower()) or suggest(column.name, columns, cutoff=0.75)
        hint = f"; found '{near}': did you mean {column.name}?" if near else ""
        problems.error(
            raw.label,
            f"is missing; expected a column named {column.name} ({column.description.rstrip('.')}){hint}",
            column=column.name,
        )
    known = set(table.names)
    for name in columns:
        if name not in known and not name.startswith("_"):
            near = suggest(name, table.names, cutoff=0.75)
            hint = f"; did you mean {near}?" if near else " and is ignored"
            problems.warning(raw.label, f"is not in the data standard{hint}", column=name)
    return not missing and not duplicated


def parse_table(raw: RawTable, table: Table, problems: Problems) -> pd.DataFrame | None:
    """Typed frame with every schema column (optional absent ones filled with defaults)."""
    if not _check_header(raw, table, problems):
        return None
    if raw.frame.empty:
        if table.required:
            problems.error(raw.label, "has a header but no rows; expected at least one row")
        else:
            problems.warning(raw.label, "has a header but no rows and is ignored")
        return None
    out = pd.DataFrame(index=raw.frame.index)
    for column in table.columns:
        if column.name not in raw.frame.columns:
            raw.frame[column.name] = ""
        out[column.name] = parse_column(raw, column, problems)
    return out


_REASON = re.compile(r"^(.*)\[(.*)\]$")  # GEOS: 'Self-intersection[522000 170000]'


def check_geometry(raw: RawTable, problems: Problems) -> None:
    """Zone polygons from a GeoPackage: one polygon (or multipolygon) for each zone.

    A missing or empty geometry, or one that is not an area (a point, a line), is an error
    naming the zone. An invalid polygon (a self-intersecting 'bow-tie', a ring that touches
    itself) is repaired with ``shapely.make_valid`` and warned about, not refused: the
    polygons only draw the map (travel and the plan use the zone's point), the repair keeps
    every part of the area the boundary encloses (a bow-tie becomes its two triangles), and
    boundary files simplified by GIS tools often have such slips, which should not stop a
    plan. The warning names the zone, the row and where the boundary crosses itself, so it
    can be put right at source. A polygon with no area left after repair is an error.
    """
    import shapely

    if raw.geometry is None:
        return
    shapes = np.asarray(raw.geometry.to_numpy(), dtype=object)
    ids = raw.frame["zone_id"].to_numpy() if "zone_id" in raw.frame else np.full(len(shapes), "")

    def where(i: int | np.integer) -> str:
        return f" for zone {ids[i]}" if ids[i] else ""

    missing = shapely.is_missing(shapes) | shapely.is_empty(shapes)
    kind = shapely.get_type_id(shapes)
    area = np.isin(kind, (3, 6))  # Polygon, MultiPolygon
    for bad, text in ((missing, "is empty{}"), (~missing & ~area, "is a {kind}{}")):
        rows = np.flatnonzero(bad)
        for i in rows[:MAX_LISTED]:
            shown = text.format(where(i), kind=getattr(shapes[i], "geom_type", ""))
            problems.error(
                raw.label,
                f"{shown}; expected the zone's boundary as a polygon",
                row=raw.row_number(int(i)),
                column="geometry",
            )
        if len(rows) > MAX_LISTED:
            problems.error(
                raw.label,
                f"{len(rows) - MAX_LISTED} more rows from row "
                f"{raw.row_number(int(rows[MAX_LISTED]))} have the same "
                "problem",
                column="geometry",
            )
    invalid = np.flatnonzero(area & ~missing & ~shapely.is_valid(shapes))
    if not len(invalid):
        return
    fixed = shapes.copy()
    for n, i in enumerate(invalid):
        reason = _REASON.sub(lambda m: f"{m.group(1).lower()} at {m.group(2)}", shapely.is_valid_reason(shapes[i]))
        repaired = _polygonal(shapely.make_valid(shapes[i]))
        fixed[i] = repaired
        if n >= MAX_LISTED:
            continue
        if repaired is None:
            problems.error(
                raw.label,
                f"is not a valid polygon{where(i)} ({reason}) and has no area "
                "once repaired; expected the zone's boundary as a polygon",
                row=raw.row_number(int(i)),
                column="geometry",
            )
        else:
            parts = shapely.get_num_geometries(repaired)
            problems.warning(
                raw.label,
                f"is not a valid polygon{where(i)} ({reason}); repaired "
                f"with shapely.make_valid into {parts} part"
                f"{'s' if parts != 1 else ''} of the same area, which "
                "the map draws; correct the boundary to silence this",
                row=raw.row_number(int(i)),
                column="geometry",
            )
    if len(invalid) > MAX_LISTED:
        problems.warning(raw.label, f"{len(invalid) - MAX_LISTED} more invalid polygons repaired", column="geometry")
    raw.geometry = type(raw.geometry)(fixed, index=raw.geometry.index, crs=raw.geometry.crs)


def _polygonal(shape: object) -> object | None:
    """The area of a repaired shape (make_valid may add lines or points where the boundary
    collapsed); None when no area is left."""
    import shapely

    parts = [p for p in shapely.get_parts(shape) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    merged = shapely.union_all(parts)
    return merged if merged.area > 0 else None
