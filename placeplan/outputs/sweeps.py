"""Sweep folders read back for a solved plan's documents: how often each option is chosen
over demand draws, the robust plan against the plan, and the next best distinct plans.

``placeplan report OUTDIR --sweep DIR`` and ``placeplan map OUTDIR --sweep DIR`` name the
folders ``placeplan sweep`` wrote (a sweep of draws, with or without --robust, and a sweep
of alternatives). A sweep is taken only for the plan it was run for: the same scenario
settings that decide the plan and the same dataset (sweep.json's ``made_from``). Every
problem is collected and reported at once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problems
from ..formulas import restore_frame
from ..provenance import planning_hash
from ..swept import ALTERNATIVES_COLUMNS, ROBUST_COLUMNS, ROBUST_OPTIONS_COLUMNS, ROBUSTNESS_COLUMNS
from .folder import PlanFolder

MAX_JSON_BYTES = 10_000_000
#: Numbers the documents compute with, by file.
NUMBERS = {
    "robustness.csv": (
        "chosen_share",
        "draws_chosen",
        "mean_places",
        "mean_opening_year",
        "plan_places",
        "plan_opening_year",
    ),
    # every column of robust.csv but its marking, the plan it describes and its status
    "robust.csv": tuple(c for c in ROBUST_COLUMNS if c not in ("marking", "plan", "status")),
    "robust_options.csv": ("places", "opening_year"),
    "alternatives.csv": (
        "rank",
        "total_cost",
        "cost_difference",
        "gap",
        "capital",
        "out_of_area_pupils",
        "options_opened",
    ),
}


@dataclass(frozen=True)
class Sweeps:
    """What the documents show of the sweeps named (each part None when no folder has it)."""

    folders: tuple[Path, ...]
    draws: int  # demand draws of the sweep of draws (0: none)
    robustness: pd.DataFrame | None  # robustness.csv
    robust: pd.DataFrame | None  # robust.csv, by plan
    robust_options: pd.DataFrame | None  # robust_options.csv
    robust_summary: dict | None  # sweep.json's robust
    alternatives: pd.DataFrame | None  # alternatives.csv

    def share_of(self, option_id: str) -> float | None:
        """The share of draws whose own plan opens ``option_id`` (None: no sweep of draws)."""
        if self.robustness is None:
            return None
        found = self.robustness.loc[self.robustness["option_id"] == option_id, "chosen_share"]
        return float(found.iloc[0]) if len(found) and math.isfinite(found.iloc[0]) else 0.0


def read_sweeps(folders: Sequence[str | Path], plan: PlanFolder) -> Sweeps | None:
    """The sweeps in ``folders``, checked against ``plan``; None when there are none."""
    if not folders:
        return None
    problems = Problems()
    parts: dict[str, object] = {}
    robust_summary: dict | None = None
    expected = {
        "planning_hash": planning_hash(plan.scenario.model_dump(mode="json")),
        "dataset_hash": plan.summary.get("dataset_hash"),
    }
    for folder in (Path(f) for f in folders):
        said = _sweep_json(folder, problems)
        if said is None:
            continue
        _same_plan(folder, said, expected, problems)
        kinds = [name for name in ("robustness.csv", "alternatives.csv") if (folder / name).is_file()]
        if not kinds:
            problems.error(
                str(folder),
                "has neither robustness.csv nor alternatives.csv; expected a folder written "
                "by placeplan sweep --draws or --alternatives",
            )
        for name in kinds:
            key = "draws" if name == "robustness.csv" else "alternatives"
            if key in parts:
                problems.error(str(folder), f"is a second sweep of {key}; expected one of each at most")
                continue
            parts[key] = folder
        if "robustness.csv" in kinds:
            parts["robustness"] = _csv(folder / "robustness.csv", ROBUSTNESS_COLUMNS, problems)
            parts["draws_count"] = said.get("draws")
            if isinstance(said.get("robust"), dict):
                parts["robust"] = _csv(folder / "robust.csv", ROBUST_COLUMNS, problems)
                parts["robust_options"] = _csv(folder / "robust_options.csv", ROBUST_OPTIONS_COLUMNS, problems)
                robust_summary = _robust_summary(folder, said["robust"], problems)
        if "alternatives.csv" in kinds:
            parts["alternatives_table"] = _csv(folder / "alternatives.csv", ALTERNATIVES_COLUMNS, problems)
    problems.raise_if_errors("sweep folders")
    draws = parts.get("draws_count")
    return Sweeps(
        tuple(Path(f) for f in folders),
        int(draws) if isinstance(draws, int) else 0,
        parts.get("robustness"),
        parts.get("robust"),
        parts.get("robust_options"),
        robust_summary,
        parts.get("alternatives_table"),
    )


def _sweep_json(folder: Path, problems: Problems) -> dict | None:
    path = folder / "sweep.json"
    if not folder.is_dir():
        problems.error(str(folder), "is not a folder; expected a folder written by placeplan sweep")
        return None
    if not path.is_file():
        problems.error(
            str(path),
            "is missing; expected a folder written by placeplan sweep --draws or "
            "--alternatives (a grid is not shown in a plan's documents)",
        )
        return None
    if path.stat().st_size > MAX_JSON_BYTES:
        problems.error(
            str(path), f"is larger than {MAX_JSON_BYTES // 1_000_000} MB; expected the file placeplan sweep writes"
        )
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        problems.error(str(path), f"is not valid JSON: {exc}")
        return None
    if not isinstance(data, dict):
        problems.error(str(path), "is not a table of keys; expected the file placeplan sweep writes")
        return None
    return data


def _same_plan(folder: Path, said: dict, expected: dict, problems: Problems) -> None:
    made = said.get("made_from")
    if not isinstance(made, dict):
        problems.error(
            str(folder / "sweep.json"),
            "does not say what it was run on; expected made_from, which placeplan sweep writes (run the sweep again)",
            key="made_from",
        )
        return
    if made.get("planning_hash") != expected["planning_hash"]:
        problems.error(
            str(folder / "sweep.json"),
            "was run on other scenario settings than the plan; expected a "
            "sweep of the same scenario (run placeplan sweep on it again)",
            key="made_from.planning_hash",
            value=str(made.get("scenario", "")),
        )
    if made.get("dataset_hash") != expected["dataset_hash"]:
        problems.error(
            str(folder / "sweep.json"),
            "was run on another dataset, or the dataset has changed since; "
            "expected the plan's dataset as it was solved",
            key="made_from.dataset_hash",
        )


def _robust_summary(folder: Path, robust: dict, problems: Problems) -> dict | None:
    if not isinstance(robust.get("sentence"), str) or not isinstance(robust.get("gap"), (int, float)):
        problems.error(
            str(folder / "sweep.json"),
            "is not valid; expected the robust plan's sentence and gap placeplan sweep --robust writes",
            key="robust",
        )
        return None
    return robust


def _csv(path: Path, columns: tuple[str, ...], problems: Problems) -> pd.DataFrame | None:
    if not path.is_file():
        problems.error(str(path), "is missing; expected the file placeplan sweep writes beside sweep.json")
        return None
    try:
        frame = restore_frame(pd.read_csv(path, dtype=str, keep_default_na=False))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        problems.error(str(path), f"could not be read as CSV: {exc}")
        return None
    missing = [c for c in columns if c not in frame.columns]
    for column in missing:
        problems.error(path.name, "is missing; expected the column placeplan sweep writes", column=column)
    if missing:
        return None
    out = frame.astype(object)
    for column in NUMBERS.get(path.name, ()):
        text = frame[column].str.strip()
        values = pd.to_numeric(text.where(text != ""), errors="coerce")
        wrong = (text != "") & (values.isna() | ~np.isfinite(values.fillna(0.0)))
        for row in np.flatnonzero(wrong.to_numpy())[:10]:
            problems.error(
                path.name,
                "is not a number placeplan sweep writes; expected a number",
                row=int(row) + 2,
                column=column,
                value=frame[column].iloc[row],
            )
        out[column] = values.astype(float)
    return out
