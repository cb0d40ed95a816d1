"""A run, start to finish, into its output folder: what the commands call.

* ``placeplan solve``: check the output folder (never over an input; nothing foreign that
  the run would replace; room on the disk) -> solve -> tables -> documents -> swap the
  folder in whole -> copy the map to the repository's maps/ folder;
* ``placeplan map`` and ``placeplan report``: the same, with the documents rebuilt in a copy
  of the solved folder.

Checking the folder first means a folder that cannot be written is found before a solve of
minutes, not after; staging the run means the folder holds one whole run or the previous
one, never a mixture (:class:`~placeplan.outputs_io.RunFolder`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import outputs, plan
from .outputs_io import RunFolder, refuse_inputs, write_bytes_atomic
from .pipeline import Inputs, files_with_dataset
from .solved import SOLVED_FILES

log = logging.getLogger(__name__)


def _recorded_inputs(folder: Path) -> list[Path]:
    """The scenario and dataset a solved folder names (for the checks before rebuilding)."""
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return []
    if not isinstance(summary, dict):
        return []
    paths = [Path(summary["scenario_file"])] if isinstance(summary.get("scenario_file"), str) else []
    dataset = summary.get("dataset_path")
    return files_with_dataset(paths, Path(dataset)) if isinstance(dataset, str) else paths


@dataclass(frozen=True)
class Written:
    files: list[Path]
    map_copy: Path | None


def _run_files() -> tuple[str, ...]:
    """Every file a run may write into its folder (a run without documents writes fewer)."""
    return tuple(SOLVED_FILES)


def _copy_map(built, maps_folder: Path | None, inputs: Iterable[Path]) -> Path | None:
    path = built.map_copy(maps_folder)
    if path is None:
        return None
    refuse_inputs(path, inputs, whole_folder=False)
    write_bytes_atomic(path, built.documents[outputs.MAP[0]])
    return path


def solve_run(
    inputs: Inputs,
    folder: Path,
    *,
    solver: str | None,
    time_limit: float | None,
    with_explain: bool | None,
    documents: bool,
):
    """Solve the scenario into ``folder``; returns the solved plan and what was written."""
    read = inputs.files()
    threshold = inputs.scenario.scenario.output.suppression_threshold
    if threshold <= 1:
        log.warning(
            "warning: output.suppression_threshold is %d, so no count of pupils is suppressed: every "
            "document is marked NOT FOR PUBLICATION",
            threshold,
        )
    with RunFolder.begin(folder, names=_run_files(), inputs=read) as run:
        solved = plan.solve_scenario(inputs, solver=solver, time_limit=time_limit, with_explain=with_explain)
        names = [p.name for p in plan.write_outputs(solved, run.path)]
        built = None
        if documents:
            built = outputs.build_documents(run.path, published_as=run.target)
            names += [p.name for p in outputs.write_documents(built, run.path)]
    copied = _copy_map(built, None, read) if built is not None else None
    return solved, Written([run.target / name for name in names], copied)


def rebuild_run(
    folder: Path,
    names: tuple[str, ...],
    *,
    maps_folder: Path | None = None,
    copy_map: bool = True,
    sweeps: tuple[Path, ...] = (),
) -> Written:
    """Rebuild some documents of a solved folder, swapped in whole like a solve, with
    what the sweep folders ``sweeps`` found for its plan."""

    folder = Path(folder)
    if not folder.is_dir():
        outputs.build_documents(folder, names=names)  # reports the missing folder as an input problem
    read = [*_recorded_inputs(folder), *sweeps]
    with RunFolder.begin(folder, names=_run_files(), inputs=read, keep_existing=True) as run:
        built = outputs.build_documents(folder, names=names, sweeps=sweeps)  # read as it is; written to the copy
        written = [run.target / p.name for p in outputs.write_documents(built, run.path)]
    copied = _copy_map(built, maps_folder, read) if copy_map else None
    return Written(written, copied)
