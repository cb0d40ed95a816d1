"""A grid of scenarios: every combination of the values given for some settings, each
planned (the scenario's own percentile) as one job of a sweep.

``--grid rules.capital_budget=1000000,2000000 --grid travel.max_minutes.primary=30,45``
gives four plans. Values are split at top-level commas (a list or table value keeps its
own); each combination is a set of ``--set`` overrides after the sweep's own, checked as
any scenario is, every problem of every combination reported at once.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pandas as pd

from ..errors import InputError, Problems
from ..solved import MARKING
from ..swept import GRID_COLUMNS
from .jobs import Outcome


@dataclass(frozen=True)
class Axis:
    key: str
    values: tuple[str, ...]


def split_values(text: str) -> list[str]:
    """'1,2,[3,4]' -> ['1', '2', '[3,4]']: commas inside brackets, braces or quotes stay."""
    parts, depth, quote = [], 0, ""
    current: list[str] = []
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return parts


def parse_axes(specs: tuple[str, ...]) -> list[Axis]:
    """Each ``KEY=V1,V2,...``; an InputError naming every malformed one."""
    problems = Problems()
    axes: list[Axis] = []
    for spec in specs:
        key, sep, values = spec.partition("=")
        parts = split_values(values) if sep else []
        if not key.strip() or not sep or any(not v for v in parts):
            problems.error(
                "--grid",
                "is not KEY=V1,V2,...; expected for example --grid rules.capital_budget=1000000,2000000",
                value=spec,
            )
        elif key.strip() in {a.key for a in axes}:
            problems.error("--grid", f"gives {key.strip()} twice; expected each setting once", value=spec)
        else:
            axes.append(Axis(key.strip(), tuple(parts)))
    problems.raise_if_errors("placeplan sweep")
    return axes


def combinations(axes: list[Axis]) -> list[tuple[str, ...]]:
    """Every combination, as --set overrides, the last axis varying fastest."""
    return [
        tuple(f"{axis.key}={value}" for axis, value in zip(axes, chosen))
        for chosen in itertools.product(*(axis.values for axis in axes))
    ]


def grid_table(axes: list[Axis], points: list[tuple[str, ...]], outcomes: list[Outcome]) -> pd.DataFrame:
    """One row per combination: its values, and its plan's cost, capital, out-of-area
    pupils (the last plan year; the row is marked internal) and options opened."""
    rows = []
    for point, outcome in zip(points, outcomes):
        values = {axis.key: item.partition("=")[2] for axis, item in zip(axes, point)}
        rows.append(
            {
                "marking": MARKING,
                **values,
                "status": outcome.status,
                "total_cost": round(outcome.total_cost, 2),
                "gap": round(outcome.gap, 6),
                "capital": round(outcome.capital, 2),
                "out_of_area_pupils": round(outcome.out_of_area_pupils, 2),
                "options_opened": len(outcome.opened),
                "options": ";".join(sorted(o.option_id for o in outcome.opened)),
            }
        )
    return pd.DataFrame(rows, columns=["marking", *(a.key for a in axes), *GRID_COLUMNS])


def check_points(errors: list[InputError]) -> None:
    """One InputError with every problem of every combination that is not a valid scenario
    (each names the --set value it comes from)."""
    if errors:
        raise InputError("placeplan sweep --grid", [problem for error in errors for problem in error.problems])
