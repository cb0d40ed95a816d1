"""``placeplan data build``: a valid dataset for any English council from open data.

Written whole or not at all: the dataset is built in a temporary folder beside the
target, checked with the same validation as any officer's data, and only then moved into
place. The tables are CSV files, or (``--format xlsx``) the sheets of one workbook laid
out as ``placeplan data template``'s (:mod:`placeplan.dataset_workbook`).
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

from .. import caseload, opendata
from ..dataset import load_dataset
from ..errors import InputError, PlacePlanError, Problems
from ..outputs_io import write_bytes_atomic, write_csv_atomic, write_text_atomic
from ..scenario.builder import defaults
from . import councils, hosts, options, provision, sites

log = logging.getLogger(__name__)

BASE_YEAR = 2024  # January 2025 counts: academic year 2024/25
DEFAULT_SEED = 2025
LICENCE = "Open Government Licence v3.0"
#: How the tables are written: a CSV file each (the default), or one workbook's sheets.
TABLE_FORMATS = ("csv", "xlsx")
#: The workbook of a dataset built with --format xlsx.
BUILT_WORKBOOK = "dataset.xlsx"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
#: (title, publisher, url, attribution): the attributions are the statements the open-data
#: pack's PROVENANCE.md asks every reuse to keep.
SOURCES = (
    (
        "Education, health and care plans (reporting year 2025)",
        "Department for Education",
        "https://explore-education-statistics.service.gov.uk/find-statistics/education-health-and-care-plans/2025",
        "Contains public sector information licensed under the Open Government Licence v3.0. "
        "Source: Department for Education, Education, health and care plans (reporting year 2025). "
        "© Crown copyright.",
    ),
    (
        "Get Information About Schools (24 May 2025)",
        "Department for Education",
        "https://get-information-schools.service.gov.uk/",
        "Contains public sector information licensed under the Open Government Licence v3.0. "
        "Source: Department for Education, Get Information About Schools. © Crown copyright.",
    ),
    (
        "Get Information About Schools: types of SEN provision, SEN1 to SEN13 (about March 2025)",
        "Department for Education",
        "https://get-information-schools.service.gov.uk/",
        "Contains public sector information licensed under the Open Government Licence v3.0. "
        "Source: Department for Education, Get Information About Schools. © Crown copyright.",
    ),
    (
        "Get Information About Schools (2022 extract: statutory ages, admissions policy, capacity; "
        "22 April 2025 links) and Primary and secondary school applications and offers (2022)",
        "Department for Education",
        "https://explore-education-statistics.service.gov.uk/find-statistics/primary-and-secondary-school-applications-and-offers",
        "Contains public sector information licensed under the Open Government Licence v3.0. "
        "Source: Department for Education, Get Information About Schools (2022 and 22 April 2025 links "
        "extracts) and Primary and secondary school applications and offers (2022 release). © Crown copyright.",
    ),
    (
        "Census 2021 population by LSOA; LSOA centroids",
        "Office for National Statistics",
        "https://www.ons.gov.uk/datasets/create",
        "Source: Office for National Statistics licensed under the Open Government Licence v3.0. "
        "Census 2021 data © Crown copyright. Contains OS data © Crown copyright and database "
        "right 2011, 2021.",
    ),
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


def _names(found: list[opendata.Council]) -> str:
    names = [c.name for c in found]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _description(
    found, cases, site_build, *, resourced_places: int, listed: int, notes: list[str], demand_table: str
) -> str:
    exact = all(c.exact for c in cases)
    whose = "council's" if len(found) == 1 else "councils'"
    special = sum(c.pupils("special") for c in cases)
    resourced = sum(c.pupils("resourced") for c in cases)
    sites = site_build.sites
    srp = sites[sites["kind"] == "srp"]
    lines = [
        f"Built from open data for {_names(found)}. Demand is not a caseload: it spreads the "
        f"published January 2025 count of pupils with EHC plans in special schools ({special:,}) and in "
        f"resourced provision and SEN units ({resourced:,}), {special + resourced:,} pupils"
        f"{'' if exact else ' (partly estimated)'}, over LSOAs in proportion to the Census 2021 child "
        f"population and over year groups by the {whose} age profile of each setting. Replace {demand_table} "
        f"with the {whose} own caseload by home LSOA.",
        "Demand by setting (the setting column): 'special' is pupils in special schools of every kind "
        "(state, independent and non-maintained, the council's own and other councils'), 'resourced' "
        "pupils in resourced provision and SEN units of mainstream schools, each by primary need as the "
        "DfE publishes them (type of placement by primary need). Caveat: the DfE counts the setting a "
        "pupil attends, not the one they need: a pupil in a special school for want of a resourced place "
        "near home counts as special, and pupils waiting for a place, in mainstream classes, alternative "
        "provision or out of school are not counted. No 'enhanced' (ESTA) demand is written: open data "
        "does not say which pupils in mainstream classes have or need an enhanced arrangement; add your "
        "own as rows with setting 'enhanced'.",
        f"Special schools admit the needs GIAS lists as their types of SEN provision (where it lists "
        f"none, a guess from the name, said in notes). GIAS's list can be narrower than who attends (a "
        f"school listed for one need often teaches pupils with others): check it against the schools' "
        f"commissioned designations. Their capacity is pupils on roll (no commissioned "
        f"places in open data); out-of-area and independent places are the {whose} published placements "
        f"({site_build.out_of_area_places:,} in other councils' special schools, "
        f"{site_build.independent_places:,} independent or non-maintained) shared over schools "
        "in reach by size and distance.",
        f"Resourced provision and SEN units: GIAS lists SEN provision at {listed:,} of the {whose} "
        f"mainstream schools; the {whose} published {resourced_places:,} pupils in resourced provision and "
        f"SEN units are shared over them by year group as their places ({len(srp):,} srp sites, "
        f"{int(srp['capacity'].sum()):,} places, taken as full: estimated, see capacity_source). GIAS "
        "says neither which are resourced provisions and which SEN units, nor their places: replace "
        "them with your list and commissioned places.",
        "Candidates: an SRP and an ESTA at every state mainstream school, with the host's pupils on roll "
        "(GIAS, May 2025), whether it is selective (admissions policy, GIAS 2022) and its age range "
        "(statutory ages, GIAS 2022; proxies said in notes); an SRP at a school with resourced provision "
        "is an expansion of it. Costs, sizes and lead times are the defaults of "
        "placeplan/scenario/builder.toml, each cited or marked an assumption; annual_fixed_cost (a "
        "unit's running cost whatever its roll) is an assumption: no council publishes one.",
    ]
    notes = [n for c in cases for n in c.notes] + list(site_build.notes) + notes
    return "\n".join(lines + notes)


def _dataset_toml(name: str, description: str, command: str) -> str:
    out = [
        f"# Built by: {command}",
        "# Check it with: placeplan validate <this folder>",
        f"name = {json.dumps(name)}",
        f"description = {json.dumps(description, ensure_ascii=False)}",
        'crs = "EPSG:27700"',
        f'base_year = "{BASE_YEAR}/{(BASE_YEAR + 1) % 100:02d}"',
        f"licence = {json.dumps(LICENCE)}",
    ]
    for title, publisher, url, attribution in SOURCES:
        out += [
            "",
            "[[sources]]",
            f"name = {json.dumps(f'{publisher}: {title}', ensure_ascii=False)}",
            f"licence = {json.dumps(LICENCE)}",
            f"url = {json.dumps(url)}",
            f"attribution = {json.dumps(attribution, ensure_ascii=False)}",
        ]
    return "\n".join(out) + "\n"


def _about(name: str, description: str, command: str) -> list[str]:
    """The About sheet of a workbook build: what the dataset is, then how to change it."""
    from ..dataset_workbook import fill_in_lines  # lazily, as in _write_tables

    return [
        name,
        f"A placeplan dataset built from open data by: {command}",
        "dataset.toml (which placeplan reads with this workbook) and README.md beside it, in the same "
        "folder, say what it holds and where it comes from:",
        "",
        *description.split("\n"),
        "",
        *fill_in_lines(template=False),
    ]


def _readme(name: str, description: str, command: str) -> str:
    attributions = sorted({a for *_, a in SOURCES})
    return "\n".join(
        [
            f"# {name}",
            "",
            *description.split("\n"),
            "",
            f"Rebuild with `{command}`.",
            "",
            "## Attribution",
            "",
            *[f"- {a}" for a in attributions],
            f"- Licence: {OGL_URL}",
            "",
        ]
    )


def assemble(
    names: list[str], *, folder: Path, seed: int, table_format: str = "csv"
) -> tuple[dict[str, pd.DataFrame], str, str, list]:
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
    codes = {c.code for c in found}
    register = sites.schools(folder)
    designated = provision.designations(folder)
    host_rows = hosts.hosts(register, folder)
    host_rows = host_rows[host_rows["la_code"].isin(codes)].reset_index(drop=True)
    published = {"state": 0, "independent": 0, "resourced": 0}
    notes, resourced = [], []
    for council in found:
        counts, note = caseload.pupils_by_setting(placement, council)
        published = {k: published[k] + counts[k] for k in published}
        council_sites, site_note = provision.council_sites(
            council,
            hosts=host_rows,
            designated=designated,
            places=counts["resourced"],
            placement=placement,
            defaults=settings,
        )
        resourced.append(council_sites)
        notes += [n for n in (note, site_note) if n]
    resourced_sites = pd.concat(resourced, ignore_index=True)
    site_build = sites.build_sites(
        councils=found,
        zones=zones,
        register=register,
        published=published,
        centre=councils.weighted_centre(zones),
        defaults=settings,
        designated=designated,
        resourced=resourced_sites,
    )
    own = site_build.sites[site_build.sites["la_code"].isin(codes) & (site_build.sites["kind"] == "special")]
    candidates = options.candidates(
        options.hosted_options(
            host_rows,
            resourced=resourced_sites,
            ratios=options.first_preference_ratios(folder),
            base_year=BASE_YEAR,
            defaults=settings,
        ),
        options.expansion_options(
            own, base_year=BASE_YEAR, london=all(c.region == "London" for c in found), defaults=settings
        ),
    )
    tables = {
        "zones": zones.drop(columns="centroid_method"),
        "demand": demand,
        "sites": site_build.sites,
        "candidates": candidates,
        "history": caseload.history(placement, found),
    }
    listed = int(host_rows["urn"].isin(designated.index).sum())
    description = _description(
        found,
        cases,
        site_build,
        resourced_places=published["resourced"],
        listed=listed,
        notes=notes,
        demand_table="demand.csv" if table_format == "csv" else f"the demand sheet of {BUILT_WORKBOOK}",
    )
    return tables, _names(found), description, cases


def build_dataset(
    names: list[str],
    out: Path,
    *,
    folder: Path | None = None,
    seed: int = DEFAULT_SEED,
    force: bool = False,
    command: str = "",
    table_format: str = "csv",
) -> BuildReport:
    if table_format not in TABLE_FORMATS:
        raise ValueError(f"table_format {table_format!r}; expected one of {', '.join(TABLE_FORMATS)}")
    start = time.perf_counter()
    folder = Path(folder) if folder else opendata.DEFAULT_FOLDER
    out = Path(out)
    _check_target(out, force)
    tables, name, description, cases = assemble(names, folder=folder, seed=seed, table_format=table_format)
    command = command or (
        "placeplan data build "
        + " ".join(f'--la "{n}"' for n in names)
        + f" --out {out}"
        + (f" --format {table_format}" if table_format != "csv" else "")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.building-"))
    try:
        _write_tables(staging, tables, table_format, about=(name, description, command))
        write_text_atomic(staging / "dataset.toml", _dataset_toml(name, description, command))
        write_text_atomic(staging / "README.md", _readme(name, description, command))
        try:
            load_dataset(staging)
        except InputError as exc:
            raise PlacePlanError(
                f"the dataset built for {name} fails validation; this is a bug in placeplan:\n{exc.report(limit=20)}"
            ) from exc
        staging.chmod(0o755)
        _replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    seconds = time.perf_counter() - start
    notes = tuple(n for case in cases for n in case.notes)
    return BuildReport(
        out,
        tuple(c.council.name for c in cases),
        len(tables["zones"]),
        int(tables["demand"]["pupils"].sum()),
        len(tables["sites"]),
        len(tables["candidates"]),
        seconds,
        notes,
    )


def _write_tables(
    staging: Path, tables: dict[str, pd.DataFrame], table_format: str, *, about: tuple[str, str, str]
) -> None:
    """The tables as a CSV file each, or as the sheets of one workbook (``about``: the
    dataset's name, description and command, for its About sheet). CSV cells are written
    as they are (``inert=False``): the reader takes every cell as written, so a name made
    inert would come back changed; the workbook keeps such text as text cells."""
    if table_format == "xlsx":
        # imported here: openpyxl loads only for a workbook, not on every start of the CLI
        from ..dataset_workbook import workbook_bytes

        write_bytes_atomic(staging / BUILT_WORKBOOK, workbook_bytes(tables, _about(*about), title=about[0]))
        return
    for table, frame in tables.items():
        write_csv_atomic(staging / f"{table}.csv", frame, inert=False)


def _check_some_demand(cases: list[caseload.CouncilCaseload]) -> None:
    problems = Problems()
    for case in cases:
        if case.published == 0:
            problems.error(
                "--la",
                "has no pupils in specialist settings in the published January 2025 "
                "figures, so there is nothing to plan; expected a council with some, or "
                "this one built together with a neighbour",
                value=case.council.name,
            )
    if len(problems.errors) == len(cases):
        problems.raise_if_errors("data build")


def _check_target(out: Path, force: bool) -> None:
    problems = Problems()
    if out.exists() and not out.is_dir():
        problems.error("--out", "is a file; expected a folder for the dataset", value=str(out))
    elif out.is_dir() and any(out.iterdir()):
        if not (out / "dataset.toml").is_file():
            problems.error(
                "--out",
                "is a folder that holds other files; expected a new folder or a dataset to replace",
                value=str(out),
            )
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
