"""Turn a table of text into typed columns, recording every cell that does not fit.

Parsing is vectorised: pandas finds the failing cells, and only those are turned into
messages, so a two-million-row travel table is checked in seconds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..codes import NEEDS, parse_needs, suggest, suggest_need
from ..errors import Problems
from ..read import RawTable
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


def _report(problems: Problems, raw: RawTable, column: str, mask: pd.Series,
            message: str | Callable[[str], str]) -> None:
    """One problem per failing cell, up to MAX_LISTED, then a count of the rest."""
    bad = rows_where(mask)
    values = raw.frame[column].to_numpy() if column in raw.frame else None
    for i in bad[:MAX_LISTED]:
        value = "" if values is None else values[i]
        text = message(value) if callable(message) else message
        problems.error(raw.label, text, row=raw.row_number(int(i)), column=column, value=value)
    if len(bad) > MAX_LISTED:
        first = raw.row_number(int(bad[MAX_LISTED]))
        problems.error(raw.label, f"{len(bad) - MAX_LISTED} more rows from row {first} have the "
                                  "same problem", column=column)


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
    words = text.str.lower().isin(_NOT_NUMBERS)
    bad = (text != "") & (values.isna() | words)
    _report(problems, raw, column.name, bad, f"is not a number; {_EXPECTED[column.type]}")
    values = values.where(~bad)
    if column.type in _WHOLE:
        fractional = values.notna() & np.isfinite(values) & (values != values.round())
        _report(problems, raw, column.name, fractional,
                f"is not a whole number; {_EXPECTED[column.type]}")
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
            _report(problems, raw, column.name, low,
                    f"is too small; expected a number of at least {_fmt(-NO_MAX_LIMIT)}{_unit(column)}")
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


def parse_column(raw: RawTable, column: Column, problems: Problems) -> pd.Series:
    """The typed values of one column; bad or blank cells become missing."""
    text = raw.frame[column.name]
    if column.default is not None:
        text = text.where(text != "", column.default)
    if column.required:
        _report(problems, raw, column.name, text == "",
                f"is empty; a value is required ({column.description.rstrip('.')})")
    if column.type in _EXPECTED:
        return _numeric(raw, column, text, problems)
    if column.type == "need":
        return _need(raw, column, text, problems)
    if column.type == "needs":
        return _needs(raw, column, text, problems)
    if column.type == "enum":
        return _enum(raw, column, text, problems)
    return text.where(text != "").astype("string")


def _check_header(raw: RawTable, table: Table, problems: Problems) -> bool:
    columns = list(raw.frame.columns)
    duplicated = {c for c in columns if columns.count(c) > 1}
    for name in sorted(duplicated):
        problems.error(raw.label, f"appears {columns.count(name)} times in the header; "
                                  "expected each column once", column=name)
    lowered = {c.lower(): c for c in columns}
    missing = [c for c in table.columns if c.required and c.name not in columns]
    for column in missing:
        near = lowered.get(column.name.lower()) or suggest(column.name, columns, cutoff=0.75)
        hint = f"; found '{near}': did you mean {column.name}?" if near else ""
        problems.error(raw.label, f"is missing; expected a column named {column.name} "
                                  f"({column.description.rstrip('.')}){hint}", column=column.name)
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
