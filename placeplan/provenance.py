"""What a solved plan rests on, for its record (summary.json): a hash of the dataset's
files, so a folder whose data changed since the solve can be told apart, and the caveats
the dataset states (what it estimates or assumes), so the documents can carry them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .dataset import Dataset
from .read import CSV_SUFFIX, GPKG_SUFFIX, WORKBOOK_SUFFIXES


#: Files a dataset can be read from (dataset.toml, tables as CSV, GeoPackage or workbook
#: sheets): what the record hashes. A README or a map saved beside the data is not data.
DATA_SUFFIXES = (".toml", CSV_SUFFIX, GPKG_SUFFIX, *WORKBOOK_SUFFIXES)


def dataset_files(folder: Path) -> dict[str, str]:
    """SHA-256 of each data file of the dataset folder, by its path in the folder (in name order)."""
    folder = Path(folder)
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in DATA_SUFFIXES)
    return {str(path.relative_to(folder).as_posix()): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in paths}


def dataset_hash(folder: Path, files: dict[str, str] | None = None) -> str:
    """SHA-256 over every data file of the dataset folder (name and bytes, in name order)."""
    digest = hashlib.sha256()
    for name, file_hash in (dataset_files(folder) if files is None else files).items():
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(bytes.fromhex(file_hash))
    return digest.hexdigest()


def changed_files(recorded: dict[str, str], now: dict[str, str]) -> list[str]:
    """The dataset's files that differ from the record: changed, added or removed."""
    names = sorted(set(recorded) | set(now))
    words = {(True, False): "removed", (False, True): "added", (True, True): "changed"}
    return [f"{name} ({words[(name in recorded, name in now)]})" for name in names
            if recorded.get(name) != now.get(name)]


def caveats(dataset: Dataset) -> list[str]:
    """The dataset's own statements of what it estimates (each line of its description),
    and how many sites' places are estimated rather than commissioned."""
    out = [line.strip() for line in dataset.meta.description.splitlines() if line.strip()]
    sites = dataset["sites"]
    if "capacity_source" in sites:
        source = sites["capacity_source"].fillna("").astype(str).str.lower()
        estimated = source.str.contains("estimat") | source.str.contains("on roll")
        if estimated.any():
            out.append(f"{int(estimated.sum())} of {len(sites)} sites' places are estimated, not commissioned "
                       "figures (sites.csv capacity_source).")
    return out
