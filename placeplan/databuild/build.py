"""``placeplan data build``: a valid dataset for any English council from open data.

Written whole or not at all: the dataset is built in a temporary folder beside the
target, checked with the same validation as any officer's data, and only then moved into
place.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..dataset import load_dataset
from ..errors import InputError, PlacePlanError, Problems
from ..outputs_io import write_csv_atomic, write_text_atomic
from . import caseload, councils, opendata, options, sites
from .settings import defaults

log = logging.getLogger(__name__)

BASE_YEAR = 2024  # January 2025 counts: academic year 2024/25
DEFAULT_SEED = 2025
LICENCE = "Open Government Licence v3.0"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
SOURCES = (
    ("Education, health and care plans (reporting year 2025)", "Department for Education",
     "https://explore-education-statistics.service.gov.uk/find-statistics/education-health-and-care-plans/2025",
     "Contains public sector information licensed under the Open Government Licence v3.0. "
     "Source: Department for Education. © Crown copyright."),
    ("Get Information About Schools (24 May 2025; 2022 statutory ages)", "Department for Education",
     "https://get-information-schools.service.gov.uk/",
     "Contains public sector information licensed under the Open Government Licence v3.0. "
     "Source: Department for Education. © Crown copyright."),
    ("Primary and secondary school applications and offers (2022)", "Department for Education",
     "https://explore-education-statistics.service.gov.uk/find-statistics/primary-and-secondary-school-applications-and-offers",
     "Contains public sector information licensed under the Open Government Licence v3.0. "
     "Source: Department for Education. © Crown copyright."),
    ("Census 2021 population by LSOA; LSOA centroids", "Office for National Statistics",
     "https://www.ons.gov.uk/datasets/create",
     "Source: Office for National Statistics licensed under the Open Government Licence v3.0. "
     "Census 2021 data © Crown copyright. Contains OS data © Crown copyright and database "
     "right 2011, 2021."),
)


@dataclass(frozen=True)
class BuildReport:
    path: Path
    councils: tuple[str, ...]
    zones: int
    pupils: int
    sites: int
    options: int
    seconds: float
    notes: tuple[str, ...]


def _names(found: list[councils.Council]) -> str:
    names = [c.name for c in found]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _description(found, cases, site_build, pupils: int) -> str:
    exact = all(c.exact for c in cases)
    whose = "council's" if len(found) == 1 else "councils'"
    lines = [
        f"Built from open data for {_names(found)}. Demand is not a caseload: it spreads the "
        f"published January 2025 count of pupils with EHC plans in special schools, resourced "
        f"provision and SEN units ({pupils:,} pupils{'' if exact else ', partly estimated'}) over "
        "LSOAs in proportion to the Census 2021 child population and over year groups by the "
        f"{whose} age profile. Replace demand.csv with the {whose} own caseload by home LSOA.",
        "Existing resourced provisions and SEN units are not in the open register, so their "
        "places are missing from sites.csv although their pupils are in demand.csv: add them.",
        f"Special-school capacity is pupils on roll (no commissioned places in open data); "
        f"out-of-area and independent places are the {whose} published placements "
        f"({site_build.out_of_area_places:,} in other councils' special schools, "
        f"{site_build.independent_places:,} independent or non-maintained) shared over schools "
        "in reach by size and distance.",
    ]
    notes = [n for c in cases for n in c.notes] + list(site_build.notes)
    return "\n".join(lines + notes)


def _dataset_toml(name: str, description: str, command: str) -> str:
    out = [f"# Built by: {command}", "# Check it with: placeplan validate <this folder>",
           f"name = {json.dumps(name)}", f"description = {json.dumps(description, ensure_ascii=False)}",
           'crs = "EPSG:27700"', f'base_year = "{BASE_YEAR}/{(BASE_YEAR + 1) % 100:02d}"',
           f"licence = {json.dumps(LICENCE)}"]
    for title, publisher, url, attribution in SOURCES:
        out += ["", "[[sources]]", f"name = {json.dumps(f'{publisher}: {title}', ensure_ascii=False)}",
                f"licence = {json.dumps(LICENCE)}", f"url = {json.dumps(url)}",
                f"attribution = {json.dumps(attribution, ensure_ascii=False)}"]
    return "\n".join(out) + "\n"


def _readme(name: str, description: str, command: str) -> str:
    attributions = sorted({a for *_, a in SOURCES})
    return "\n".join([
        f"# {name}", "", *description.split("\n"), "", f"Rebuild with `{command}`.", "",
        "## Attribution", "", *[f"- {a}" for a in attributions], f"- Licence: {OGL_URL}", ""])


def assemble(names: list[str], *, folder: Path, seed: int) -> tuple[dict[str, pd.DataFrame], str, str, list]:
    """Every table of the dataset, its name and description (nothing written yet)."""
    settings = defaults()
    found = councils.resolve(names, folder)
    zones = councils.zones(found, folder)
    need = opendata.read(folder, "ehcp_need.csv.gz")
    placement = opendata.read(folder, "ehcp_placement.csv.gz")
    rng = np.random.default_rng(seed)
    cases = [caseload.council_caseload(need, placement, council) for council in found]
    _check_some_demand(cases)
    demand = pd.concat([caseload.spread(case, zones, rng) for case in cases], ignore_index=True)
    published = {"state": 0, "independent": 0}
    setting_notes = []
    for council in found:
        counts, note = caseload.pupils_by_setting(placement, council)
        published = {k: published[k] + counts[k] for k in published}
        setting_notes += [note] if note else []
    register = sites.schools(folder)
    site_build = sites.build_sites(councils=found, zones=zones, register=register, published=published,
                                   centre=councils.weighted_centre(zones), defaults=settings)
    own = site_build.sites[site_build.sites["la_code"].isin({c.code for c in found})
                           & (site_build.sites["kind"] == "special")]
    hosts = register[register["la_code"].isin({c.code for c in found})]
    candidates = pd.concat([
        options.hosted_options(hosts, ratios=options.first_preference_ratios(folder),
                               ncy=options.statutory_ncy(folder), base_year=BASE_YEAR, defaults=settings),
        options.expansion_options(own, base_year=BASE_YEAR, london=all(c.region == "London" for c in found),
                                  defaults=settings),
    ], ignore_index=True)
    tables = {"zones": zones.drop(columns="centroid_method"), "demand": demand,
              "sites": site_build.sites, "candidates": candidates,
              "history": caseload.history(placement, found)}
    description = _description(found, cases, site_build, int(demand["pupils"].sum()))
    description = "\n".join([description, *setting_notes])
    return tables, _names(found), description, cases


def build_dataset(names: list[str], out: Path, *, folder: Path | None = None, seed: int = DEFAULT_SEED,
                  force: bool = False, command: str = "") -> BuildReport:
    start = time.perf_counter()
    folder = Path(folder) if folder else opendata.DEFAULT_FOLDER
    out = Path(out)
    _check_target(out, force)
    tables, name, description, cases = assemble(names, folder=folder, seed=seed)
    command = command or "placeplan data build " + " ".join(f'--la "{n}"' for n in names) + f" --out {out}"
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.building-"))
    try:
        for table, frame in tables.items():
            write_csv_atomic(staging / f"{table}.csv", frame, inert=False)
        write_text_atomic(staging / "dataset.toml", _dataset_toml(name, description, command))
        write_text_atomic(staging / "README.md", _readme(name, description, command))
        try:
            load_dataset(staging)
        except InputError as exc:
            raise PlacePlanError(f"the dataset built for {name} fails validation; this is a bug in "
                                 f"placeplan:\n{exc.report(limit=20)}") from exc
        staging.chmod(0o755)
        _replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    seconds = time.perf_counter() - start
    notes = tuple(n for case in cases for n in case.notes)
    return BuildReport(out, tuple(c.council.name for c in cases), len(tables["zones"]),
                       int(tables["demand"]["pupils"].sum()), len(tables["sites"]),
                       len(tables["candidates"]), seconds, notes)


def _check_some_demand(cases: list[caseload.CouncilCaseload]) -> None:
    problems = Problems()
    for case in cases:
        if case.published == 0:
            problems.error("--la", "has no pupils in specialist settings in the published January 2025 "
                                   "figures, so there is nothing to plan; expected a council with some, or "
                                   "this one built together with a neighbour", value=case.council.name)
    if len(problems.errors) == len(cases):
        problems.raise_if_errors("data build")


def _check_target(out: Path, force: bool) -> None:
    problems = Problems()
    if out.exists() and not out.is_dir():
        problems.error("--out", "is a file; expected a folder for the dataset", value=str(out))
    elif out.is_dir() and any(out.iterdir()):
        if not (out / "dataset.toml").is_file():
            problems.error("--out", "is a folder that holds other files; expected a new folder or "
                                    "a dataset to replace", value=str(out))
        elif not force:
            problems.error("--out", "already holds a dataset; add --force to replace it", value=str(out))
    problems.raise_if_errors("data build")


def _replace(staging: Path, out: Path) -> None:
    """Move the finished dataset into place; an old one is removed only after."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
        out.rename(old / out.name)
    staging.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
