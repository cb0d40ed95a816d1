"""Problems found in inputs, and every exception placeplan raises on purpose.

Every check appends a :class:`Problem` to a :class:`Problems` list instead of raising, so
that one run reports everything wrong at once. The exceptions are one family under
:class:`PlacePlanError`; the CLI's table (:data:`placeplan.cli.EXIT_CODES`) turns each into
its exit code: 2 for what the user can fix, 3 when the rules admit no plan, 130 when
stopped, 1 for anything else (a bug in placeplan).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: Severity = "error"
    key: str | None = None  # a setting in a TOML file, where column names a table's column

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f", column {self.column}" if self.row is not None else f" column {self.column}"
        if self.key is not None:
            where += f" key {self.key}"
        shown = "" if self.value is None else f"{_quote(self.value)} "
        return printable(f"{where}: {shown}{self.message}")


def _quote(value: str) -> str:
    text = value if len(value) <= 120 else value[:117] + "..."
    return f"'{text}'"


_SHORT_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: every character that is not printable is
    shown as a Python-style escape, so a value from a file cannot move the cursor, change
    colours, ring the bell, reorder the line (bidi overrides) or hide itself.

    Escaped: C0 and C1 controls and DEL (ESC is shown as ``\\x1b``, a carriage return as
    ``\\r``), format characters (zero-width spaces, U+202E and the other bidi controls,
    byte-order marks, soft hyphens), line and paragraph separators, and spaces other than
    the plain space (a non-breaking space is ``\\xa0``). Letters of every script, accents
    and symbols are kept as they are.
    """
    if text.isprintable():  # the common case, checked in C
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    if ch in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def value_kind(value: object) -> str:
    """What a value read from TOML or JSON is, in words, for a message that found the
    wrong type ('is a list; expected text')."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, str):
        return "text in quotes"
    if isinstance(value, float):
        return "a number with a fraction" if math.isfinite(value) else "not a finite number"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (dt.date, dt.time, dt.datetime)):
        return "a date or time"
    return type(value).__name__


@dataclass
class Problems:
    """An ordered collection of problems, reported once at the end of a stage."""

    items: list[Problem] = field(default_factory=list)

    def error(
        self,
        file: str,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        key: str | None = None,
    ) -> None:
        self.items.append(Problem(file, message, row, column, _text(value), "error", key))

    def warning(
        self,
        file: str,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        key: str | None = None,
    ) -> None:
        self.items.append(Problem(file, message, row, column, _text(value), "warning", key))

    def extend(self, other: Problems) -> None:
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def raise_if_errors(self, what: str) -> None:
        if self.errors:
            raise InputError(what, self.errors, self.warnings)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


class PlacePlanError(Exception):
    """Base of every error placeplan raises on purpose."""


class InputError(PlacePlanError, ValueError):
    """Input files or a scenario are wrong; carries every problem found."""

    def __init__(self, what: str, problems: list[Problem], warnings: list[Problem] | None = None):
        self.what = what
        self.problems = problems
        self.warnings = warnings or []
        count = len(problems)
        super().__init__(f"{what}: {count} problem{'s' if count != 1 else ''} found")

    def report(self, limit: int = 200) -> str:
        lines = [str(self)]
        ordered = sorted(self.problems, key=lambda p: (p.file, p.row or 0))
        lines += [f"  - {p}" for p in ordered[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more of the same kinds")
        return "\n".join(lines)


class ScenarioError(InputError):
    """The scenario file, what it extends, or a --set override is wrong."""


class OutputError(PlacePlanError):
    """An output cannot be written where it was asked for: the folder would replace an
    input, holds files placeplan did not write, or the disk refuses (full, read-only).
    The user's to fix, so exit 2; what was there before is left as it was."""


class Interrupted(PlacePlanError):
    """The run was stopped (Ctrl-C); nothing new was written."""


class ProblemError(PlacePlanError, ValueError):
    """The arrays given to the optimiser core are inconsistent; lists every problem."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        count = len(self.problems)
        lines = [f"optimisation problem: {count} problem{'s' if count != 1 else ''} found"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class InfeasibleError(PlacePlanError):
    """The rules admit no plan; carries the shortfalls found (the core's
    :class:`~placeplan.optimise.core.Shortfall` records; empty when only the solver proved it)."""

    def __init__(self, message: str, shortfalls: Sequence[Any] = ()):
        self.shortfalls = tuple(shortfalls)
        super().__init__(message)


class NoPlanError(InfeasibleError):
    """The solve ended without a plan (rules admit none, or none found in the time)."""


class SolverError(PlacePlanError):
    """The solver refused the model or failed (for example CP-SAT on fractional demand)."""


class ProjectionError(PlacePlanError, ValueError):
    """The projection cannot run as the scenario asks (a method lacks the data it needs)."""


class BacktestError(PlacePlanError, ValueError):
    """The backtest cannot run as asked (no origin fits, a method needs what the file lacks)."""


class OpenDataError(PlacePlanError, ValueError):
    """The open-data folder is missing a file or a column the builder needs."""


class SweepError(PlacePlanError):
    """The Dask scheduler asked for could not be reached."""


class Unreadable(Exception):
    """A scenario path is not a file placeplan will read (missing, a folder, a device, too
    big); the scenario loader turns it into a :class:`ScenarioError`."""


class BadText(Exception):
    """A scenario file was read, but its text is not a scenario (encoding, TOML, nesting);
    the scenario loader turns it into a :class:`ScenarioError`."""
