"""The pipeline's stages, wired together for the commands:

inputs -> validation -> demand -> travel -> model build -> solve -> results -> outputs.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .checks import scenario_against_dataset
from .dataset import META_FILE, Dataset, load_dataset
from .errors import InputError, Problems, ScenarioError
from .scenario import LoadedScenario, read_scenario, read_scenario_for_dataset
from .travel import facilities_frame, travel_pairs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inputs:
    scenario: LoadedScenario
    dataset: Dataset

    def files(self) -> list[Path]:
        """Every file or folder the run reads, which no output may overwrite: the scenario
        file and the dataset's."""
        return files_with_dataset([self.scenario.path], self.dataset.path)


def files_with_dataset(paths: list[Path], dataset: Path) -> list[Path]:
    """``paths`` and every file of the dataset folder, read or not (its README, a workbook
    beside the CSVs): placeplan writes none of them."""
    try:
        return [*paths, dataset, *(p for p in dataset.iterdir() if p.is_file())]
    except OSError:
        return [*paths, dataset]


def load_inputs(path: str | Path, overrides: tuple[str, ...] = ()) -> Inputs:
    """A scenario file (or, for a quick check, a dataset folder with default settings)
    and its dataset, both validated and checked against each other
    (:func:`placeplan.checks.scenario_against_dataset`).

    Every command that reads a scenario starts here, so what ``placeplan validate`` passes
    the others accept. Problems of the scenario, of the dataset and of the two together
    are raised as one :class:`~placeplan.errors.InputError` listing them all (a
    :class:`~placeplan.errors.ScenarioError` when only the scenario is wrong).
    """
    path = Path(path)
    start = time.perf_counter()
    if path.is_dir() and (path / META_FILE).is_file():
        reading = read_scenario_for_dataset(path, overrides)
    else:
        reading = read_scenario(path, overrides)
    of_dataset, crossed = Problems(), Problems()
    dataset = None
    if reading.dataset is not None:
        try:
            dataset = load_dataset(reading.dataset)
        except InputError as exc:
            of_dataset.items += [*exc.problems, *exc.warnings]
        else:
            of_dataset.items += dataset.warnings
    if reading.loaded is not None and dataset is not None:
        crossed = scenario_against_dataset(reading.loaded, dataset)
    if reading.problems.errors or of_dataset.errors or crossed.errors:
        raise _error(path, reading.dataset, reading.problems, of_dataset, crossed)
    assert reading.loaded is not None and dataset is not None
    for warning in dataset.warnings:
        log.warning("warning: %s", warning)
    rows = ", ".join(f"{name} {len(frame):,}" for name, frame in dataset.tables.items())
    log.info("loaded dataset %s (%s) in %.1f s", dataset.meta.name, rows, time.perf_counter() - start)
    return Inputs(reading.loaded, dataset)


def _error(
    path: Path, folder: Path | None, of_scenario: Problems, of_dataset: Problems, crossed: Problems
) -> InputError:
    """One error for everything found; a ScenarioError when only the scenario is wrong."""
    problems = Problems()
    for part in (of_scenario, of_dataset, crossed):
        problems.extend(part)
    errors, warnings = problems.errors, problems.warnings
    bare = folder is not None and path.resolve() == folder.resolve()  # a dataset folder, default settings
    scenario = f"dataset {folder} (default settings)" if bare else f"scenario {path}"
    if not of_dataset.errors and not crossed.errors:
        return ScenarioError(scenario, errors, warnings)
    if not of_scenario.errors and not crossed.errors:
        return InputError(f"dataset {folder}", errors, warnings)
    if bare:
        return InputError(scenario, errors, warnings)
    joined = "with" if crossed.errors else "and"
    return InputError(f"{scenario} {joined} dataset {folder}", errors, warnings)


def travel_for(inputs: Inputs) -> pd.DataFrame:
    """Travel pairs within reach for every site and option of the dataset."""
    dataset, settings = inputs.dataset, inputs.scenario.scenario.travel
    facilities = facilities_frame(dataset["sites"], dataset.tables.get("candidates"))
    start = time.perf_counter()
    pairs = travel_pairs(
        dataset["zones"],
        facilities,
        crs=dataset.meta.crs,
        settings=settings,
        table=dataset.tables.get("travel"),
        label="travel.csv",
    )
    log.info("travel: %d pairs in %.2f s", len(pairs), time.perf_counter() - start)
    return pairs
