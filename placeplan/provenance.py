"""What a solved plan rests on, for its record (summary.json): a hash of the dataset's
files, so a folder whose data changed since the solve can be told apart, and the caveats
the dataset states (what it estimates or assumes), so the documents can carry them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from .dataset import Dataset
from .read import CSV_SUFFIX, GPKG_SUFFIX, WORKBOOK_SUFFIXES

#: Files a dataset can be read from (dataset.toml, tables as CSV, GeoPackage or workbook
#: sheets): what the record hashes. A README or a map saved beside the data is not data.
DATA_SUFFIXES = (".toml", CSV_SUFFIX, GPKG_SUFFIX, *WORKBOOK_SUFFIXES)


def dataset_files(folder: Path) -> dict[str, str]:
    """SHA-256 of each data file of the dataset folder, by its path in the folder (in name order)."""
    folder = Path(folder)
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in DATA_SUFFIXES)
    return {str(path.relative_to(folder).as_posix()): hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


def files_hash(files: dict[str, str]) -> str:
    """SHA-256 over the files' names and hashes (:func:`dataset_files`), in their order."""
    digest = hashlib.sha256()
    for name, file_hash in files.items():
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(bytes.fromhex(file_hash))
    return digest.hexdigest()


def dataset_hash(folder: Path) -> str:
    """SHA-256 over every data file of the dataset folder (name and bytes, in name order)."""
    return files_hash(dataset_files(folder))


def changed_files(recorded: dict[str, str], now: dict[str, str]) -> list[str]:
    """The dataset's files that differ from the record: changed, added or removed."""
    names = sorted(set(recorded) | set(now))
    words = {(True, False): "removed", (False, True): "added", (True, True): "changed"}
    return [
        f"{name} ({words[(name in recorded, name in now)]})" for name in names if recorded.get(name) != now.get(name)
    ]


def estimated_places(sites: pd.DataFrame) -> pd.Series:
    """Sites whose places are estimated (capacity_source says so, or counts pupils on roll),
    not commissioned figures; none when sites.csv has no capacity_source."""
    if "capacity_source" not in sites:
        return pd.Series(False, index=sites.index)
    source = sites["capacity_source"].fillna("").astype(str).str.lower()
    return source.str.contains("estimat") | source.str.contains("on roll")


def caveats(dataset: Dataset) -> list[str]:
    """The dataset's own statements of what it estimates (each line of its description),
    and how many sites' places are estimated rather than commissioned."""
    out = [line.strip() for line in dataset.meta.description.splitlines() if line.strip()]
    sites = dataset["sites"]
    estimated = estimated_places(sites)
    if estimated.any():
        out.append(
            f"{int(estimated.sum())} of {len(sites)} sites' places are estimated, not commissioned "
            "figures (sites.csv capacity_source)."
        )
    return out


#: The dataset builder's caveats (placeplan data build), each found by words only it writes,
#: said shortly for the documents' "What this plan assumes"; the long text stays in caveats.
BUILDER_CAVEATS = (
    ("Demand is not a caseload", "Demand is spread over areas from published totals, not the councils' own caseload"),
    (
        "the DfE counts the setting a pupil attends",
        "Demand counts the setting pupils attend, not the one they need; pupils waiting for a place are not counted",
    ),
    (
        "GIAS's list can be narrower than who attends",
        "Special schools take the needs GIAS lists, which can be fewer than the needs they teach",
    ),
    (
        "Resourced provision and SEN units: GIAS lists",
        "Resourced provision places are estimated: published pupils shared over the schools GIAS lists",
    ),
    (
        "Candidates: an SRP and an ESTA at every",
        "Candidates are an SRP and an ESTA at every state mainstream school, at default costs and sizes",
    ),
)
#: Longest caveat said as it is written; a longer one is cut at a word.
SHORT_CAVEAT = 140
#: Kinds of site by what their places are called, for the estimated places' caveat.
PLACES_OF = {
    "special": "special schools",
    "srp": "resourced provision",
    "unit": "SEN units",
    "esta": "ESTAs",
    "independent": "independent and out-of-area schools",
}


def short_caveat(text: str) -> str:
    """A caveat in a line: the builder's own said shortly, any other by its first sentence
    (cut at a word past SHORT_CAVEAT characters). Documents of older folders, whose summary
    has no caveats_short, shorten their caveats with this too."""
    for words, short in BUILDER_CAVEATS:
        if words in text:
            return short
    first = text.strip().split(". ")[0].rstrip(".")
    if len(first) <= SHORT_CAVEAT:
        return first
    return first[:SHORT_CAVEAT].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def caveats_short(dataset: Dataset) -> list[str]:
    """summary's ``caveats_short``: each of the dataset's caveats in a line, in their order,
    each said once, and which kinds of site have estimated places (sites.csv
    capacity_source), counted from the sites rather than read from prose."""
    lines = [short_caveat(text) for text in caveats(dataset)]
    sites = dataset["sites"]
    estimated = estimated_places(sites)
    kinds = [
        f"{PLACES_OF.get(kind, kind)} ({int(estimated[sites['kind'] == kind].sum())} of "
        f"{int((sites['kind'] == kind).sum())})"
        for kind in dict.fromkeys(sites.loc[estimated, "kind"].astype(str))
    ]
    if kinds:
        lines.append("Estimated places: " + ", ".join(kinds))
    return list(dict.fromkeys(lines))


#: Scenario settings that change how a run is reported or how fast it goes, not the plan:
#: a whole section (None) or some of its keys.
NOT_PLANNING: dict[str, tuple[str, ...] | None] = {
    "output": None,
    "description": None,
    "solve": ("explain", "explain_workers", "threads"),
}


def planning_hash(scenario: dict) -> str:
    """SHA-256 of the merged scenario's settings that decide the plan (``scenario`` as
    scenario.json holds it), so a sweep can be matched with the solved plan it was run for."""
    import json

    kept = {}
    for key, value in scenario.items():
        dropped = NOT_PLANNING.get(key, ())
        if dropped is None:
            continue
        kept[key] = {k: v for k, v in value.items() if k not in dropped} if isinstance(value, dict) else value
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode("utf-8")).hexdigest()
