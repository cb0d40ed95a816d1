"""A solved output folder, read back: what ``placeplan solve`` wrote, the merged scenario it
used and the dataset it names. Every output for people is built from this, so that
``placeplan map OUTDIR`` and ``placeplan report OUTDIR`` rebuild exactly what ``solve`` wrote.

Problems (a missing file or column, a dataset that has moved) are collected and reported
together, as for any input.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from .. import intake
from ..dataset import Dataset, load_dataset
from ..errors import Problems
from ..formulas import restore_frame
from ..provenance import changed_files, dataset_files, files_hash
from ..scenario.model import Scenario
from ..solved import RECORD_FILES, SOLVED_FILES, STATUS_QUO_ROWS, SUMMARY_KEYS
from .disclosure import Rule

#: The files a solved folder must hold for the documents, and the columns they read there.
FILES = {name: file.read("required") for name, file in SOLVED_FILES.items() if file.by == "solve" and file.required}
#: What solve records for the documents (placeplan.plan.record), so that they only read the folder.
RECORD = {name: SOLVED_FILES[name].read("required") for name in RECORD_FILES}
#: Columns the documents compute with: a solved folder edited by hand must still hold numbers there.
NUMBERS = {name: file.typed("number", "whole") for name, file in SOLVED_FILES.items()}
WHOLE_NUMBERS = {name: file.typed("whole") for name, file in SOLVED_FILES.items()}
#: Columns of phased-intake shares (:mod:`placeplan.intake`), read back as tuples; a folder
#: written before options had an intake has no such column, and every place from opening.
INTAKES = {name: file.typed("intake") for name, file in SOLVED_FILES.items()}
#: The keys of summary.json the documents read, and what each must hold.
SUMMARY_REQUIRED = {k.key: k.type for k in SUMMARY_KEYS.values() if k.read == "required"}
SUMMARY_OPTIONAL = {k.key: k.type for k in SUMMARY_KEYS.values() if k.read == "optional"}
#: A solved folder's JSON is a few levels deep; anything deeper was not written by placeplan.
MAX_JSON_BYTES = 50_000_000


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
    record: dict[str, pd.DataFrame]  # RECORD's tables, by file name

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
        """The scenario's name, as every document's title and heading show it: marked not
        for publication when the scenario turned disclosure control off."""
        name = str(self.summary["scenario"])
        return f"{self.rule.marking}: {name}" if self.rule.marking else name


def _read_json(path: Path, problems: Problems) -> dict | None:
    if not path.is_file():
        problems.error(str(path), "is missing; expected a folder written by placeplan solve")
        return None
    if path.stat().st_size > MAX_JSON_BYTES:
        problems.error(
            str(path), f"is larger than {MAX_JSON_BYTES // 1_000_000} MB; expected the file placeplan solve writes"
        )
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        problems.error(str(path), f"is not valid JSON: {exc}")
        return None
    except RecursionError:
        problems.error(str(path), "is nested too deeply to be read; expected the file placeplan solve writes")
        return None
    if not isinstance(data, dict):
        problems.error(
            str(path), f"holds a JSON {type(data).__name__}; expected an object of keys, as placeplan solve writes"
        )
        return None
    return data


def _summary_problems(summary: dict, problems: Problems) -> None:
    for key, kind in {**SUMMARY_REQUIRED, **SUMMARY_OPTIONAL}.items():
        if key not in summary:
            if key in SUMMARY_REQUIRED:
                problems.error("summary.json", "is missing; expected the key placeplan solve writes", key=key)
            continue
        value = summary[key]
        if value is None and key in SUMMARY_OPTIONAL:
            continue
        if not _is(value, kind):
            problems.error("summary.json", f"is not valid; expected {_KIND_WORDS[kind]}", key=key, value=_shown(value))
    if isinstance(summary.get("terms"), dict):
        for term, value in summary["terms"].items():
            if not _is(value, "number"):
                problems.error(
                    "summary.json", "is not valid; expected a number", key=f"terms.{term}", value=_shown(value)
                )
    if isinstance(summary.get("status_quo"), dict):
        _status_quo_problems(summary["status_quo"], problems)
    if isinstance(summary.get("years"), list) and not summary["years"]:
        problems.error("summary.json", "is empty; expected the plan's years", key="years")
    if isinstance(summary.get("run_date"), str):
        try:
            date.fromisoformat(summary["run_date"])
        except ValueError:
            problems.error(
                "summary.json",
                "is not a date; expected for example 2026-12-01",
                key="run_date",
                value=summary["run_date"],
            )


def _status_quo_problems(status_quo: dict, problems: Problems) -> None:
    """The status quo's rows, each key of each row, as the documents read them."""
    for table, columns in STATUS_QUO_ROWS.items():
        rows = status_quo.get(table)
        if not isinstance(rows, list):
            problems.error(
                "summary.json", "is not valid; expected a list", key=f"status_quo.{table}", value=_shown(rows)
            )
            continue
        found = 0
        for i, row in enumerate(rows):
            if found >= 10:  # the first ten are enough to find what was edited
                break
            if not isinstance(row, dict):
                problems.error(
                    "summary.json",
                    "is not valid; expected a table of keys",
                    key=f"status_quo.{table}[{i}]",
                    value=_shown(row),
                )
                found += 1
                continue
            for column, kind in columns.items():
                if not _is(row.get(column), kind):
                    problems.error(
                        "summary.json",
                        f"is not valid; expected {_KIND_WORDS[kind]}",
                        key=f"status_quo.{table}[{i}].{column}",
                        value=_shown(row.get(column)),
                    )
                    found += 1


_KIND_WORDS = {
    "text": "text",
    "number": "a number",
    "whole": "a whole number",
    "list": "a list",
    "table": "a table of keys",
}


def finite_number(value: object) -> float | None:
    """A value read from a solved folder's JSON as a number, or None where it is none (text,
    true/false, null, an infinite or missing value): what a document may compute with."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _is(value: object, kind: str) -> bool:
    if kind in ("number", "whole"):
        number = finite_number(value)
        return number is not None and (kind == "number" or number.is_integer())
    return isinstance(value, {"text": str, "list": list, "table": dict}[kind])


def _shown(value: object) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def _read_csv(
    path: Path, columns: tuple[str, ...], problems: Problems, *, required: bool = True
) -> pd.DataFrame | None:
    if not path.is_file():
        if required:
            problems.error(str(path), "is missing; expected a folder written by placeplan solve")
        return None
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        problems.error(str(path), f"could not be read as CSV: {exc}")
        return None
    frame = restore_frame(frame)
    missing = [c for c in columns if c not in frame.columns]
    for column in missing:
        problems.error(path.name, "is missing; expected the column placeplan solve writes", column=column)
    if missing:
        return None
    return _typed(path.name, frame, problems)


def _typed(name: str, frame: pd.DataFrame, problems: Problems) -> pd.DataFrame | None:
    """Numbers where the documents compute, every bad cell reported with its row."""
    out = frame.replace("", np.nan).astype(object)
    bad = False
    for column in NUMBERS.get(name, ()):
        if column not in frame:
            continue
        text = frame[column].str.strip()
        values = pd.to_numeric(text.where(text != ""), errors="coerce")
        wrong = (text != "") & (values.isna() | ~np.isfinite(values.fillna(0.0)))
        if column in WHOLE_NUMBERS.get(name, ()):
            wrong |= values.notna() & ((values != values.round()) | (values.abs() > 1e9))
        for row in np.flatnonzero(wrong.to_numpy())[:10]:
            problems.error(
                name,
                "is not a number placeplan solve writes; expected "
                + ("a whole number" if column in WHOLE_NUMBERS.get(name, ()) else "a number"),
                row=int(row) + 2,
                column=column,
                value=frame[column].iloc[row],
            )
        bad |= bool(wrong.any())
        whole = column in WHOLE_NUMBERS.get(name, ()) and values.notna().all() and not wrong.any()
        out[column] = values.astype("int64") if whole else values.astype(float)
    for column in INTAKES.get(name, ()):
        if column not in frame:
            out[column] = pd.Series([()] * len(out), index=out.index, dtype=object)
        else:
            shares, wrong_rows = _intakes(frame[column])
            for row in wrong_rows[:10]:
                problems.error(
                    name,
                    "is not an intake placeplan solve writes; expected shares above 0 and at "
                    "most 1, space-separated, that never fall",
                    row=row + 2,
                    column=column,
                    value=frame[column].iloc[row],
                )
            bad |= bool(wrong_rows)
            out[column] = pd.Series(shares, index=out.index, dtype=object)
    return None if bad else out


def _intakes(cells: pd.Series) -> tuple[list[tuple[float, ...]], list[int]]:
    shares, wrong = [], []
    for row, cell in enumerate(cells):
        try:
            shares.append(intake.from_text(cell if str(cell).strip() else None))
        except ValueError:
            shares.append(())
            wrong.append(row)
    return shares, wrong


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
    explain = _read_csv(folder / "explain.csv", SOLVED_FILES["explain.csv"].read("required"), problems, required=False)
    record = {name: _read_csv(folder / name, columns, problems, required=False) for name, columns in RECORD.items()}
    missing = [name for name in RECORD if not (folder / name).is_file()]
    if missing:
        problems.error(
            str(folder),
            f"has no {', '.join(missing)}: it was solved by an earlier placeplan, which "
            "did not record what the documents show; run placeplan solve again",
        )
    if summary is not None:
        _summary_problems(summary, problems)
    scenario = None
    if raw_scenario is not None:
        try:
            scenario = Scenario.model_validate(raw_scenario)
        except ValidationError as exc:
            for error in exc.errors():
                problems.error("scenario.json", error["msg"], key=".".join(str(p) for p in error["loc"]))
    dataset_path = Path(summary["dataset_path"]) if summary and isinstance(summary.get("dataset_path"), str) else None
    if dataset_path is not None and not (dataset_path / "dataset.toml").is_file():
        problems.error(
            "summary.json",
            "names a dataset folder that does not exist; expected the dataset the plan was solved with",
            key="dataset_path",
            value=str(dataset_path),
        )
    if allocation is not None and allocation.empty:
        problems.error("allocation.csv", "has no rows; expected pupils by zone and placement")
    if dataset_path is not None and summary is not None and (dataset_path / "dataset.toml").is_file():
        _same_dataset(summary, dataset_path, problems)
    problems.raise_if_errors(f"output folder {folder}")
    # Each of these was reported above when it could not be read, and the report raised.
    assert summary is not None and scenario is not None and dataset_path is not None
    assert options is not None and allocation is not None
    dataset = load_dataset(dataset_path)
    allocation = allocation.assign(
        facility_id=allocation["facility_id"].fillna(""), zone_id=allocation["zone_id"].astype(str)
    )
    return PlanFolder(
        folder=folder,
        summary=summary,
        scenario=scenario,
        dataset=dataset,
        options=_typed_options(options),
        allocation=allocation,
        explain=explain,
        solved_on=date.fromisoformat(summary["run_date"]),
        record=record,
    )


def _same_dataset(summary: dict, dataset_path: Path, problems: Problems) -> None:
    """The documents show what the solve worked out from the dataset as it was: a dataset
    changed since then is refused, with the files that changed."""
    now = dataset_files(dataset_path)
    if files_hash(now) == summary.get("dataset_hash"):
        return
    recorded = summary.get("dataset_files")
    what = ", ".join(changed_files(recorded, now)) if isinstance(recorded, dict) else "its files"
    problems.error(
        "summary.json",
        f"names a dataset that has changed since the plan was solved ({what}); the "
        "documents show what the solve worked out from the dataset as it was: run "
        "placeplan solve again",
        key="dataset_hash",
        value=str(dataset_path),
    )


def _typed_options(options: pd.DataFrame) -> pd.DataFrame:
    chosen = options["chosen"].astype(str).str.lower().isin(["true", "1"])
    return options.assign(
        chosen=chosen,
        option_id=options["option_id"].astype(str),
        host=options["host"].fillna("").astype(str),
        reason_not_chosen=options["reason_not_chosen"].fillna(""),
    )
