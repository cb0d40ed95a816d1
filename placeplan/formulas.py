"""Text a spreadsheet would run as a formula, made inert.

Names are data: a site named ``=HYPERLINK("http://...")`` or ``@SUM(A1)`` must reach an
officer's Excel as text. Following OWASP's guidance on CSV injection, every text cell that
starts with a character a spreadsheet reads as the start of a formula (``=``, ``+``, ``-``,
``@``, a tab or a carriage return, and their full-width forms, which some spreadsheets
treat alike) is written with a leading apostrophe, so it shows as text and cannot be
evaluated. Plain numbers (``-12``, ``+3.5``) are left alone: they are not formulas.

The apostrophe is added only where it is needed, and :func:`restore` takes exactly one
off again (a name that itself begins with apostrophes and then such a character keeps
them), so placeplan reads its own CSV files back unchanged.
"""

from __future__ import annotations

import re

import pandas as pd

#: Characters that start a formula in Excel, LibreOffice or Google Sheets.
TRIGGERS = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"
_NEEDS = re.compile(f"^'*[{re.escape(TRIGGERS)}]")
_RESTORE = re.compile(f"^'+[{re.escape(TRIGGERS)}]")
_NUMBER = re.compile(r"^[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula as it stands."""
    return bool(text) and text[0] in TRIGGERS and not _NUMBER.match(text)


def needs_quote(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula."""
    return bool(_NEEDS.match(text)) and not _NUMBER.match(text)


def inert(value: object) -> object:
    """``value`` as a spreadsheet must get it: text that could start a formula gets a
    leading apostrophe; anything else is returned as it is."""
    if isinstance(value, str) and needs_quote(value):
        return "'" + value
    return value


def restore(value: object) -> object:
    """The text :func:`inert` was given."""
    if isinstance(value, str) and _RESTORE.match(value) and not _NUMBER.match(value[1:]):
        return value[1:]
    return value


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype)]


def _each_text(frame: pd.DataFrame, change) -> pd.DataFrame:
    out = frame.copy()
    for column in _text_columns(out):
        out[column] = out[column].map(change)
    out.columns = [change(c) for c in out.columns]
    return out


def inert_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell (and header) of ``frame`` made inert."""
    return _each_text(frame, inert)


def restore_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame read from a CSV placeplan wrote, with every inert cell given back."""
    return _each_text(frame, restore)
