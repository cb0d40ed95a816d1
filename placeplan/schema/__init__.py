"""The data standard, declared once as data.

``<table>.csv`` lists each column (type, unit, required, default, bounds, allowed values,
references, description) and ``tables.toml`` the table-level rules (key, comparisons).
Loading, validation and ``docs/data-standard.md`` are all driven from here.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

COLUMN_TYPES = ("id", "text", "integer", "number", "fraction", "year", "ncy", "need", "needs", "enum")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    unit: str
    required: bool
    default: str | None
    min: float | None
    max: float | None
    allowed: tuple[str, ...]
    references: tuple[tuple[str, str], ...]
    description: str


@dataclass(frozen=True)
class Comparison:
    left: str
    op: str
    right: str


@dataclass(frozen=True)
class Table:
    name: str
    required: bool
    key: tuple[str, ...]
    geometry: bool
    description: str
    columns: tuple[Column, ...]
    compare: tuple[Comparison, ...]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def _references(text: str) -> tuple[tuple[str, str], ...]:
    refs = []
    for part in filter(None, text.split("|")):
        table, column = part.split(".")
        refs.append((table, column))
    return tuple(refs)


def _read_columns(name: str) -> tuple[Column, ...]:
    text = resources.files(__package__).joinpath(f"{name}.csv").read_text(encoding="utf-8")
    columns = []
    for row in csv.DictReader(text.splitlines()):
        if row["type"] not in COLUMN_TYPES:
            raise ValueError(f"schema {name}.csv: unknown type {row['type']!r}")
        columns.append(
            Column(
                name=row["column"],
                type=row["type"],
                unit=row["unit"],
                required=row["required"] == "yes",
                default=row["default"] or None,
                min=_number(row["min"]),
                max=_number(row["max"]),
                allowed=tuple(filter(None, row["allowed"].split(";"))),
                references=_references(row["references"]),
                description=row["description"],
            )
        )
    return tuple(columns)


@cache
def tables() -> dict[str, Table]:
    """Every table of the data standard, in the order they are documented and checked."""
    meta = tomllib.loads(resources.files(__package__).joinpath("tables.toml").read_text("utf-8"))
    out: dict[str, Table] = {}
    for name, spec in meta.items():
        out[name] = Table(
            name=name,
            required=spec["required"],
            key=tuple(spec["key"]),
            geometry=spec.get("geometry", False),
            description=spec["description"],
            columns=_read_columns(name),
            compare=tuple(Comparison(**c) for c in spec.get("compare", [])),
        )
    return out
