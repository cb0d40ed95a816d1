"""The pipeline's stages, wired together for the commands:

inputs -> validation -> demand -> travel -> model build -> solve -> results -> outputs.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .dataset import META_FILE, Dataset, load_dataset
from .scenario import LoadedScenario, load_scenario, scenario_for_dataset
from .travel import facilities_frame, travel_pairs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inputs:
    scenario: LoadedScenario
    dataset: Dataset


def load_inputs(path: str | Path, overrides: tuple[str, ...] = ()) -> Inputs:
    """A scenario file (or, for a quick check, a dataset folder with default settings)
    and its dataset, both validated."""
    path = Path(path)
    start = time.perf_counter()
    if path.is_dir() and (path / META_FILE).is_file():
        scenario = scenario_for_dataset(path, overrides)
    else:
        scenario = load_scenario(path, overrides)
    dataset = load_dataset(scenario.dataset_path)
    for warning in dataset.warnings:
        log.warning("warning: %s", warning)
    rows = ", ".join(f"{name} {len(frame):,}" for name, frame in dataset.tables.items())
    log.info("loaded dataset %s (%s) in %.1f s", dataset.meta.name, rows, time.perf_counter() - start)
    return Inputs(scenario, dataset)


def travel_for(inputs: Inputs) -> pd.DataFrame:
    """Travel pairs within reach for every site and option of the dataset."""
    dataset, settings = inputs.dataset, inputs.scenario.scenario.travel
    facilities = facilities_frame(dataset["sites"], dataset.tables.get("candidates"))
    start = time.perf_counter()
    pairs = travel_pairs(dataset["zones"], facilities, crs=dataset.meta.crs, settings=settings,
                         table=dataset.tables.get("travel"), label="travel.csv")
    log.info("travel: %d pairs in %.2f s", len(pairs), time.perf_counter() - start)
    return pairs
