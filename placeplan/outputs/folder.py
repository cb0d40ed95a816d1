"""A solved output folder, read back: what ``placeplan solve`` wrote, the merged scenario it
used and the dataset it names. Every output for people is built from this, so that
``placeplan map OUTDIR`` and ``placeplan report OUTDIR`` rebuild exactly what ``solve`` wrote.

Problems (a missing file or column, a dataset that has moved) are collected and reported
together, as for any input.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from ..dataset import Dataset, load_dataset
from ..errors import Problems
from ..scenario.model import Scenario
from .disclosure import Rule

FILES = {
    "summary.json": None,
    "scenario.json": None,
    "options.csv": ("option_id", "name", "kind", "host", "needs", "ncy_min", "ncy_max", "chosen", "places",
                    "opening_year", "capital", "pupils_served_final_year", "host_first_preference_ratio",
                    "reason_not_chosen"),
    "allocation.csv": ("zone_id", "need", "phase", "year", "facility_id", "facility_name", "pupils", "minutes"),
}
EXPLAIN_COLUMNS = ("option_id", "cost_increase", "instead", "status")
SUMMARY_KEYS = ("scenario", "scenario_file", "dataset_path", "years", "status", "objective", "terms",
                "capital_spent", "options_opened")


@dataclass(frozen=True)
class PlanFolder:
    """The tables of a solved plan, the scenario and the dataset, as read."""

    folder: Path
    summary: dict
    scenario: Scenario
    dataset: Dataset
    options: pd.DataFrame
    allocation: pd.DataFrame
    explain: pd.DataFrame | None
    solved_on: date

    @property
    def rule(self) -> Rule:
        return Rule(self.scenario.output.suppression_threshold)

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.allocation["year"].unique())

    @property
    def final_year(self) -> int:
        return self.years[-1]

    @property
    def scenario_file(self) -> Path:
        return Path(self.summary["scenario_file"])

    @property
    def stem(self) -> str:
        return self.scenario_file.stem

    @property
    def title(self) -> str:
        return str(self.summary["scenario"])


def _read_json(path: Path, problems: Problems) -> dict | None:
    if not path.is_file():
        problems.error(str(path), "is missing; expected a folder written by placeplan solve")
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        problems.error(str(path), f"is not valid JSON: {exc}")
        return None


def _read_csv(path: Path, columns: tuple[str, ...], problems: Problems, *,
              required: bool = True) -> pd.DataFrame | None:
    if not path.is_file():
        if required:
            problems.error(str(path), "is missing; expected a folder written by placeplan solve")
        return None
    try:
        frame = pd.read_csv(path, dtype={"zone_id": str, "facility_id": str, "option_id": str, "host": str},
                            keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        problems.error(str(path), f"could not be read as CSV: {exc}")
        return None
    missing = [c for c in columns if c not in frame.columns]
    for column in missing:
        problems.error(path.name, "is missing; expected the column placeplan solve writes", column=column)
    return None if missing else frame


def read_plan_folder(folder: str | Path) -> PlanFolder:
    """Read a folder written by ``placeplan solve``; one error lists every problem."""
    folder = Path(folder)
    problems = Problems()
    if not folder.is_dir():
        problems.error(str(folder), "is not a folder; expected the output folder of placeplan solve")
        problems.raise_if_errors(f"output folder {folder}")
    summary = _read_json(folder / "summary.json", problems)
    raw_scenario = _read_json(folder / "scenario.json", problems)
    options = _read_csv(folder / "options.csv", FILES["options.csv"], problems)
    allocation = _read_csv(folder / "allocation.csv", FILES["allocation.csv"], problems)
    explain = _read_csv(folder / "explain.csv", EXPLAIN_COLUMNS, problems, required=False)
    for key in SUMMARY_KEYS:
        if summary is not None and key not in summary:
            problems.error("summary.json", "is missing; expected the key placeplan solve writes", key=key)
    scenario = None
    if raw_scenario is not None:
        try:
            scenario = Scenario.model_validate(raw_scenario)
        except ValidationError as exc:
            for error in exc.errors():
                problems.error("scenario.json", error["msg"], key=".".join(str(p) for p in error["loc"]))
    dataset_path = Path(summary.get("dataset_path", "")) if summary else None
    if dataset_path is not None and not dataset_path.is_dir():
        problems.error("summary.json", "names a dataset folder that does not exist; expected the dataset "
                                       "the plan was solved with", key="dataset_path", value=str(dataset_path))
    if allocation is not None and allocation.empty:
        problems.error("allocation.csv", "has no rows; expected pupils by zone and placement")
    problems.raise_if_errors(f"output folder {folder}")
    dataset = load_dataset(dataset_path)
    allocation = allocation.assign(facility_id=allocation["facility_id"].fillna(""),
                                   zone_id=allocation["zone_id"].astype(str))
    return PlanFolder(folder=folder, summary=summary, scenario=scenario, dataset=dataset,
                      options=_typed_options(options), allocation=allocation, explain=explain,
                      solved_on=date.fromtimestamp((folder / "summary.json").stat().st_mtime))


def _typed_options(options: pd.DataFrame) -> pd.DataFrame:
    chosen = options["chosen"].astype(str).str.lower().isin(["true", "1"])
    return options.assign(chosen=chosen, option_id=options["option_id"].astype(str),
                          host=options["host"].fillna("").astype(str),
                          reason_not_chosen=options["reason_not_chosen"].fillna(""))
