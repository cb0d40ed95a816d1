"""Build the documents of a solved folder in memory, then write each whole."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from ..outputs_io import write_bytes_atomic
from ..scenario.load import LoadedScenario
from ..scenario.model import Scenario
from .facts import gather
from .folder import read_plan_folder
from .geometry import zone_shapes
from .gpkg import gpkg_bytes
from .map import map_html
from .public import protect_plan
from .report import MAP_FILE, report_html
from .shortlist import shortlist, shortlist_page
from .sufficiency import sufficiency
from .sweeps import read_sweeps
from .workbook import workbook_bytes

log = logging.getLogger(__name__)

MAP = (MAP_FILE,)
REPORT = ("shortlist.csv", "shortlist.html", "plan.xlsx", "plan.gpkg", "report.html")
DOCUMENTS = MAP + REPORT


def maps_folder_for(scenario_file: Path) -> Path | None:
    """The repository's maps/ folder beside the scenario's folder (scenarios/ and maps/ side
    by side, as in placeplan's own layout), or None when there is none."""
    folder = Path(scenario_file).resolve().parent.parent / "maps"
    return folder if folder.is_dir() else None


def is_own_output_folder(folder: Path, scenario: Scenario, scenario_file: Path) -> bool:
    """Whether ``folder`` is where the scenario itself sends its results (output.folder, or
    out/<scenario file name>): a run written elsewhere (--out) is an experiment, and leaves
    the repository's maps/ alone."""
    own = LoadedScenario(scenario, Path(scenario_file), ()).output_folder
    return Path(folder).resolve() == Path(own).resolve()


@dataclass(frozen=True)
class Built:
    documents: dict[str, bytes]  # file name -> contents
    scenario_file: Path
    own_folder: bool  # the folder is the scenario's own output folder

    def map_copy(self, maps_folder: Path | None = None) -> Path | None:
        """Where the map also goes: ``maps_folder`` as <scenario file name>.html, else the
        repository's maps/ folder when the run is the scenario's own; None for neither."""
        if MAP_FILE not in self.documents:
            return None
        target = maps_folder or (maps_folder_for(self.scenario_file) if self.own_folder else None)
        return None if target is None else Path(target) / f"{self.scenario_file.stem}.html"


def build_documents(
    folder: str | Path,
    *,
    names: tuple[str, ...] = DOCUMENTS,
    published_as: str | Path | None = None,
    sweeps: tuple[Path, ...] = (),
) -> Built:
    """The documents asked for, in memory, from the solved folder ``folder`` (staged
    somewhere else when ``published_as`` names the folder it will become), with what the
    sweep folders ``sweeps`` found for the same plan."""
    start = time.perf_counter()
    plan = read_plan_folder(folder)
    swept = read_sweeps(sweeps, plan)
    facts = gather(plan)
    public = protect_plan(facts)
    out: dict[str, bytes] = {}
    if MAP_FILE in names:
        out[MAP_FILE] = map_html(facts, public, zone_shapes(plan.dataset), swept).encode("utf-8")
    if set(names) & set(REPORT):
        short = shortlist(facts, public)
        suff = sufficiency(facts)
        out["shortlist.csv"] = short.csv(plan.rule.marking).encode("utf-8")
        out["shortlist.html"] = shortlist_page(facts, short, swept).encode("utf-8")
        out["plan.xlsx"] = workbook_bytes(facts, short, suff, swept)
        out["plan.gpkg"] = gpkg_bytes(facts, public, zone_shapes(plan.dataset))
        out["report.html"] = report_html(facts, short, suff, swept).encode("utf-8")
    out = {name: data for name, data in out.items() if name in names}
    log.info(
        "built %s in %.1f s",
        ", ".join(f"{n} ({len(b) / 1e6:.2f} MB)" for n, b in out.items()),
        time.perf_counter() - start,
    )
    published = Path(published_as) if published_as is not None else plan.folder
    return Built(out, plan.scenario_file, is_own_output_folder(published, plan.scenario, plan.scenario_file))


def write_documents(built: Built, folder: str | Path) -> list[Path]:
    """Each document whole into ``folder``."""
    written = []
    for name, data in built.documents.items():
        write_bytes_atomic(Path(folder) / name, data)
        written.append(Path(folder) / name)
    return written
