"""Every council's dataset at once (``placeplan data build --la ALL``): one folder per
council with pupils in specialist settings, named by its DfE code, and ``councils.csv``
listing what was built and what was not, and why.

A council is built on its own, as ``--la NAME`` builds it; one that cannot be (no pupils
in specialist settings in the published figures, or its figures suppressed) is listed
with the reason and the others go on. Each dataset is whole or absent, as any build is.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import opendata
from ..errors import InputError
from ..opendata import Council
from ..outputs_io import write_csv_atomic
from .build import build_dataset

log = logging.getLogger(__name__)

#: What ``--la`` takes for every council.
EVERY = "ALL"
COLUMNS = ("la_code", "name", "region", "folder", "built", "zones", "pupils", "sites", "options", "why_not")


@dataclass(frozen=True)
class EveryReport:
    path: Path
    table: pd.DataFrame

    @property
    def built(self) -> int:
        return int((self.table["built"] == "yes").sum())


def every_council(folder: Path) -> list[Council]:
    lookup = opendata.read(folder, "la_lookup.csv")
    return [Council(str(r.la_code), r.la_gss_code, r.la_name, r.region_name) for r in lookup.itertuples(index=False)]


def folder_name(council: Council) -> str:
    """'314-kingston-upon-thames': the DfE code first, so folders sort and never clash."""
    slug = re.sub(r"[^a-z0-9]+", "-", council.name.lower()).strip("-")
    return f"{council.code}-{slug}"


def build_every(
    out: Path, *, folder: Path | None = None, seed: int, force: bool, table_format: str = "csv"
) -> EveryReport:
    folder = Path(folder) if folder else opendata.DEFAULT_FOLDER
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []
    councils = every_council(folder)
    for i, council in enumerate(councils, start=1):
        target = out / folder_name(council)
        row = {"la_code": council.code, "name": council.name, "region": council.region, "folder": target.name}
        try:
            report = build_dataset(
                [council.code],
                target,
                folder=folder,
                seed=seed,
                force=force,
                command=f"placeplan data build --la {council.code} --out {target}"
                + (f" --format {table_format}" if table_format != "csv" else ""),
                table_format=table_format,
            )
        except InputError as exc:
            why = "; ".join(p.message for p in exc.problems) or str(exc)
            rows.append({**row, "built": "no", "why_not": why})
            log.info("data build: %d of %d: %s not built: %s", i, len(councils), council.name, why)
            continue
        rows.append(
            {
                **row,
                "built": "yes",
                "zones": report.zones,
                "pupils": report.pupils,
                "sites": report.sites,
                "options": report.options,
                "why_not": "",
            }
        )
        log.info(
            "data build: %d of %d: %s (%d pupils) in %.1f s",
            i,
            len(councils),
            council.name,
            report.pupils,
            report.seconds,
        )
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    write_csv_atomic(out / "councils.csv", table)
    return EveryReport(out, table)
