"""The solved folder, declared once as data (``placeplan/schema/solved.toml``): every file
``placeplan solve`` writes and the documents built from it, each column and each key of
summary.json, with its type, whether the documents read it, and what it means.

:mod:`placeplan.plan` writes from this declaration (columns in its order, the summary as a
:data:`SolvedSummary`, which refuses a missing or undeclared key), :mod:`placeplan.outputs.folder`
checks a folder against it, and ``placeplan schema --solved`` writes docs/solved-folder.md from
it, so the three cannot drift.

Files of pupils by home zone, and explain.csv's unprotected counts, carry :data:`MARKING`
on every row, so that no extract of them can lose it.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

MARKING = "OFFICIAL-SENSITIVE: internal, not for publication"

COLUMN_TYPES = ("id", "text", "number", "whole", "flag", "intake", "marking")
KEY_TYPES = ("text", "number", "whole", "list", "table")
READS = ("required", "optional", "no")
MAKERS = ("solve", "documents")


@dataclass(frozen=True)
class SolvedColumn:
    name: str
    type: str
    read: str
    description: str


@dataclass(frozen=True)
class SolvedFile:
    name: str
    by: str
    internal: bool
    required: bool
    description: str
    columns: tuple[SolvedColumn, ...]
    rebuilt_by: str = ""  # the command that rebuilds a document from the record

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def read(self, *reads: str) -> tuple[str, ...]:
        """The columns the documents read as ``reads`` says (required, optional)."""
        return tuple(c.name for c in self.columns if c.read in reads)

    def typed(self, *types: str) -> tuple[str, ...]:
        """The columns of ``types`` that the documents read."""
        return tuple(c.name for c in self.columns if c.type in types and c.read != "no")


@dataclass(frozen=True)
class SummaryKey:
    key: str
    type: str  # one of KEY_TYPES
    nullable: bool
    read: str
    description: str


def _declaration() -> dict[str, Any]:
    text = resources.files("placeplan.schema").joinpath("solved.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _file(name: str, spec: dict[str, Any]) -> SolvedFile:
    columns = tuple(SolvedColumn(**c) for c in spec.get("columns", ()))
    for column in columns:
        if column.type not in COLUMN_TYPES or column.read not in READS:
            raise ValueError(f"solved.toml {name}.{column.name}: unknown type or read")
    if spec["by"] not in MAKERS:
        raise ValueError(f"solved.toml {name}: by must be one of {MAKERS}")
    return SolvedFile(
        name, spec["by"], spec["internal"], spec["required"], spec["description"], columns, spec.get("rebuilt_by", "")
    )


def _key(spec: dict[str, Any]) -> SummaryKey:
    kind, _, null = spec["type"].partition(" or ")
    if kind not in KEY_TYPES or null not in ("", "null") or spec["read"] not in READS:
        raise ValueError(f"solved.toml summary key {spec['key']}: unknown type or read")
    return SummaryKey(spec["key"], kind, bool(null), spec["read"], spec["description"])


_DECLARED = _declaration()
#: Every file of a solved folder, in the order the docs show them.
SOLVED_FILES: dict[str, SolvedFile] = {name: _file(name, spec) for name, spec in _DECLARED["files"].items()}
#: summary.json's keys, in the order written.
SUMMARY_KEYS: dict[str, SummaryKey] = {k.key: k for k in map(_key, _DECLARED["summary"]["keys"])}
#: What the documents read of each row of summary.json's status_quo tables, and its type.
STATUS_QUO_ROWS: dict[str, dict[str, str]] = _DECLARED["summary"]["status_quo"]

#: summary.json as a frozen record: built with every declared key, by keyword, and no other.
SolvedSummary = dataclasses.make_dataclass(
    "SolvedSummary", [(key, Any) for key in SUMMARY_KEYS], frozen=True, kw_only=True
)
SolvedSummary.__module__ = __name__  # so that it pickles, as any class of this module


def summary_json(summary: Any) -> dict[str, Any]:
    """A :data:`SolvedSummary` as summary.json's object, in the declared order."""
    return {key: getattr(summary, key) for key in SUMMARY_KEYS}


#: The files solve records for the documents, so they read the folder and never re-solve.
RECORD_FILES = ("projected_demand.csv", "in_reach.csv", "reach_zones.csv")
RECORD_COLUMNS = {name: SOLVED_FILES[name].names for name in RECORD_FILES}

#: The schools that take most of an option's pupils without it, each in three columns.
DESTINATIONS = 3
DESTINATION_COLUMNS = tuple(
    f"destination_{i}_{part}" for i in range(1, DESTINATIONS + 1) for part in ("id", "name", "pupils")
)
EXPLAIN_COLUMNS = SOLVED_FILES["explain.csv"].names
#: explain.csv's numbers and texts the documents carry into each option's row (blank where a
#: folder predates one); its key and status are read on their own.
EXPLAIN_NUMBERS = SOLVED_FILES["explain.csv"].typed("number", "whole")
EXPLAIN_TEXTS = tuple(c for c in SOLVED_FILES["explain.csv"].typed("id", "text") if c not in ("option_id", "status"))
