"""What a solved plan rests on, for its record (summary.json): a hash of the dataset's
files, so a folder whose data changed since the solve can be told apart, and the caveats
the dataset states (what it estimates or assumes), so the documents can carry them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .dataset import Dataset


def dataset_hash(folder: Path) -> str:
    """SHA-256 over every file of the dataset folder (name and bytes, in name order)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


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
