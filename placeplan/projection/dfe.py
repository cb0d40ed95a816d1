"""What the projection reads from the DfE's *Education, health and care plans* open data.

All from the pack the dataset builder reads (the repository's trimmed ``data/open`` or the
full pack, see :mod:`placeplan.opendata`):

* :func:`council_series`: every council's pupils each January 2019-2025, either all EHC
  plans, those in specialist settings (special schools, resourced provision and SEN
  units, the dataset builder's definition) or one setting (:func:`setting_series`), with
  the council's region: the pool that trend-with-pooling shrinks a council's growth toward;
* :func:`progression`: pupils in specialist settings by NCY in January 2024 and January
  2025, for some councils and for England: the cohort method's ratios;
* :func:`children`: every council's residents aged 0-24 (Census 2021), for pupils per child;
* :func:`specialist_shares`: the share of pupils with plans who are in specialist
  settings, by need and phase (January 2025).

Suppressed cells (``x``) are missing, never zero; a council-year with any specialist
column suppressed is left out of the specialist series.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .. import caseload, opendata
from ..codes import NCY_MIN, PHASES, phase_of
from ..errors import OpenDataError
from ..opendata import Council
from .cohort import NCYS, WIDTH

Measure = Literal["plans", "specialist", "special", "resourced", "independent"]
#: The placement columns each measure adds up: all plans; pupils in specialist settings
#: (the dataset builder's definition); each setting of a dataset's demand (special schools
#: of every kind; resourced provision and SEN units); and the independent and
#: non-maintained special schools among the special (the caseload placed independently).
MEASURE_COLUMNS: dict[str, tuple[str, ...]] = {
    "plans": ("ehcplans",),
    "specialist": opendata.SPECIALIST_COLUMNS,
    **opendata.SETTING_COLUMNS,
    "independent": ("special_independent", "special_non_maintained"),
}
#: The settings forecast on their own, in the order tables show them.
SETTING_MEASURES: tuple[Measure, ...] = ("special", "resourced", "independent")
LOCAL = "Local authority"
REGIONAL = "Regional"
AGE = "Child or young persons age"
#: The two Januaries the DfE publishes by single year of age.
AGE_PERIODS = ("202324", "202425")


def folder_or_default(folder: Path | None) -> Path:
    return Path(folder) if folder is not None else opendata.DEFAULT_FOLDER


def _placement(folder: Path) -> pd.DataFrame:
    return opendata.read(folder, "ehcp_placement.csv.gz")


def _measure(rows: pd.DataFrame, measure: Measure) -> pd.Series:
    """The measure's count per row; missing where any of its columns is suppressed."""
    table = opendata.counts(rows, list(MEASURE_COLUMNS[measure]))
    return table.sum(axis=1).where(table.notna().all(axis=1))


def council_series(folder: Path | None = None, *, measure: Measure = "specialist") -> pd.DataFrame:
    """area (DfE code), name, region, year (the academic year's first calendar year),
    pupils: one row per council and January with a published count."""
    return _council_measures(folder, (measure,))[measure]


def setting_series(folder: Path | None = None, measures: tuple[Measure, ...] = SETTING_MEASURES) -> pd.DataFrame:
    """area, name, region, setting, year, pupils: :func:`council_series` of each measure
    (by default each setting in SETTING_MEASURES), one below the other, from one reading
    of the placement file."""
    series = _council_measures(folder, measures)
    return pd.concat([series[m].assign(setting=m) for m in measures], ignore_index=True)


def _council_measures(folder: Path | None, measures: tuple[Measure, ...]) -> dict[str, pd.DataFrame]:
    frame = _placement(folder_or_default(folder))
    rows = frame[(frame["geographic_level"] == LOCAL) & (frame["breakdown_topic"] == opendata.ALL_PLANS)]
    lookup = opendata.read(folder_or_default(folder), "la_lookup.csv").set_index("la_code")["region_name"]
    keys = pd.DataFrame(
        {
            "area": rows["old_la_code"].astype(str).to_numpy(),
            "name": rows["la_name"].to_numpy(),
            "region": rows["old_la_code"].map(lookup).fillna(rows["region_name"]).to_numpy(),
            "year": rows["time_period"].str[:4].astype(int).to_numpy(),
        }
    )
    out: dict[str, pd.DataFrame] = {}
    for measure in measures:
        one = keys.assign(pupils=_measure(rows, measure).to_numpy()).dropna(subset=["pupils"])
        out[measure] = one.drop_duplicates(["area", "year"]).sort_values(["area", "year"]).reset_index(drop=True)
    return out


def children(folder: Path | None = None) -> pd.Series:
    """Residents aged 0-24 by council (DfE code), Census 2021: the pupils-per-child
    denominator the pooled trend fits growth on (:func:`.trend.fit_pool`)."""
    lsoas = opendata.read(folder_or_default(folder), "lsoa_population.csv.gz")
    ages = opendata.counts(lsoas, ["age_0_15", "age_16_24"]).sum(axis=1)
    return ages.groupby(lsoas["la_code"].astype(str)).sum().astype(float)


def _by_ncy(rows: pd.DataFrame, column_measure: Measure) -> np.ndarray:
    """Counts by NCY -1..20 from age rows (ages past NCY 20 join it); NaN if any is suppressed."""
    values = _measure(rows, column_measure).to_numpy(dtype=float)
    ncys = [caseload.ncy_of_age(label) for label in rows["breakdown"]]
    out = np.zeros(WIDTH)
    if np.isnan(values).any() or not len(values):
        return np.full(WIDTH, np.nan)
    np.add.at(out, np.array(ncys) - NCY_MIN, values)
    return out


@dataclass(frozen=True)
class Progression:
    """Pupils in specialist settings by NCY in January 2024 (``before``) and 2025
    (``after``), for the councils asked for (NaN when theirs are suppressed) and England."""

    before: np.ndarray
    after: np.ndarray
    england_before: np.ndarray
    england_after: np.ndarray

    @property
    def known(self) -> bool:
        return bool(np.isfinite(self.before).all() and np.isfinite(self.after).all())


def progression(codes: list[str], folder: Path | None = None) -> Progression:
    frame = _placement(folder_or_default(folder))
    ages = frame[frame["breakdown_topic"] == AGE]

    def counts(level: str, period: str, picked: list[str] | None) -> np.ndarray:
        rows = ages[(ages["geographic_level"] == level) & (ages["time_period"] == period)]
        if picked is None:
            return _by_ncy(rows, "specialist")
        parts = [_by_ncy(rows[rows["old_la_code"] == code], "specialist") for code in picked]
        return np.sum(parts, axis=0) if parts else np.full(WIDTH, np.nan)

    before, after = AGE_PERIODS
    regional = ages[ages["geographic_level"] == REGIONAL]
    england = {p: _by_ncy(regional[regional["time_period"] == p], "specialist") for p in AGE_PERIODS}
    return Progression(
        before=counts(LOCAL, before, codes),
        after=counts(LOCAL, after, codes),
        england_before=np.asarray(england[before], dtype=float),
        england_after=np.asarray(england[after], dtype=float),
    )


@dataclass(frozen=True)
class Shares:
    """Share of pupils with EHC plans in specialist settings, by need and phase."""

    table: pd.DataFrame  # need, phase, share
    source: str  # whose figures: the councils', or England's

    def get(self, need: str, phase: str) -> float | None:
        rows = self.table[(self.table["need"] == need) & (self.table["phase"] == phase)]
        return float(rows["share"].iloc[0]) if len(rows) else None


def _phase_sums(by_ncy_need: pd.DataFrame) -> pd.DataFrame:
    """NCY x need -> phase x need."""
    phases = by_ncy_need.index.map(phase_of)
    return by_ncy_need.groupby(phases).sum()


def specialist_shares(codes: list[str], folder: Path | None = None) -> Shares:
    """The councils' shares (the dataset builder's fitted need x year-group table of pupils
    in specialist settings over all their plans), or England's where a council's
    placements cannot be fitted."""
    folder = folder_or_default(folder)
    need = opendata.read(folder, "ehcp_need.csv.gz")
    placement = _placement(folder)
    lookup = opendata.read(folder, "la_lookup.csv")
    councils = [
        Council(str(r.la_code), r.la_gss_code, r.la_name, r.region_name)
        for r in lookup.itertuples(index=False)
        if str(r.la_code) in set(codes)
    ]
    if councils and len(councils) == len(set(codes)):
        try:
            specialist = sum(_phase_sums(caseload.council_caseload(need, placement, c).by_need_ncy.T) for c in councils)
            plans = sum(_phase_sums(caseload.seed_pattern(need, c)) for c in councils)
            return Shares(_long(specialist, plans), ", ".join(c.name for c in councils))
        except OpenDataError:
            pass
    return Shares(_england_shares(need, placement), "England")


def _long(specialist: pd.DataFrame, plans: pd.DataFrame) -> pd.DataFrame:
    specialist, plans = specialist.align(plans, fill_value=0.0)
    share = (specialist / plans.where(plans > 0)).clip(upper=1.0)
    table = share.stack().rename("share").reset_index()
    table.columns = ["phase", "need", "share"]
    order = {p: i for i, p in enumerate(PHASES)}
    return (
        table.dropna()
        .sort_values(["need", "phase"], key=lambda c: c.map(order) if c.name == "phase" else c)[
            ["need", "phase", "share"]
        ]
        .reset_index(drop=True)
    )


def _england_shares(need: pd.DataFrame, placement: pd.DataFrame) -> pd.DataFrame:
    """England by need x phase, as need share x phase share / overall share (the two
    margins England publishes), from the regional rows."""
    regional = need[need["geographic_level"] == REGIONAL]
    columns = list(caseload.NEED_CODES)
    kinds = regional[regional["breakdown_topic"] == "Type of placement"]
    specialist = opendata.counts(kinds[kinds["breakdown"].isin(opendata.SPECIALIST_PLACEMENTS)], columns).sum()
    plans = opendata.counts(regional[regional["breakdown_topic"] == opendata.ALL_PLANS], columns).sum()
    by_need = (specialist / plans.where(plans > 0)).rename(caseload.NEED_CODES)
    ages = placement[
        (placement["geographic_level"] == REGIONAL)
        & (placement["breakdown_topic"] == AGE)
        & (placement["time_period"] == AGE_PERIODS[1])
    ]
    spec_ncy = _by_ncy(ages, "specialist")
    plans_ncy = _by_ncy(ages, "plans")
    phases = pd.Series([phase_of(int(n)) for n in NCYS])
    spec_phase = pd.Series(spec_ncy).groupby(phases).sum()
    plan_phase = pd.Series(plans_ncy).groupby(phases).sum()
    overall = spec_phase.sum() / plan_phase.sum()
    by_phase = spec_phase / plan_phase
    rows = [
        (n, p, float(min(by_need[n] * by_phase[p] / overall, 1.0)))
        for n in by_need.index
        for p in PHASES
        if p in by_phase.index and np.isfinite(by_need[n])
    ]
    return pd.DataFrame(rows, columns=["need", "phase", "share"])
