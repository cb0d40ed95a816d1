"""A dataset's demand projected over the plan years, with P10, P50 and P90 for every cell.

The flow, from a dataset and its scenario's ``[demand]`` settings:

1. the council's growth model (:mod:`.council`): its history pooled with every council's
   series of pupils in specialist settings (DfE), toward its region and England;
2. the method's council-level paths (:mod:`.methods`), as Monte Carlo draws by need, NCY
   and year, split into base-year pupils moved on and joiners;
3. the specialist-share path (:mod:`.share`): an inclusion scenario moves a share back to
   mainstream;
4. percentiles. Council totals (by need and phase, and all needs) are exact percentiles
   of the draws. A zone's cell is its share of its need and phase's expected pupils that
   year (its base-year pupils' part of their cohort, plus its part of the joiners, who
   arrive where pupils of that need and phase live) times the council's percentile for
   that need and phase: so cells add up to the council's figures at every percentile,
   and the optimiser plans for totals that are themselves the chosen percentile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..codes import NEEDS, PHASES, phase_of
from ..dataset import Dataset
from ..errors import ProjectionError
from ..scenario.model import Demand
from . import cohort as cohorts
from .council import council_codes, level_model, need_adjustments
from .methods import (
    Paths,
    cohort_paths,
    council_counts,
    estimated_ratios,
    growth_paths,
    prevalence_paths,
    scenario_ratios,
    trend_paths,
)
from .share import share_factors

__all__ = ["PRECISION", "Projection", "ProjectionError", "project_dataset"]

log = logging.getLogger(__name__)

PERCENTILES = (10, 50, 90)
#: Decimal places of projected pupils in outputs (a thousandth of a pupil).
PRECISION = 3


@dataclass(frozen=True)
class Projection:
    """Projected demand: ``cells`` (zone, need, ncy, phase, year, p10, p50, p90, the
    planned percentile and ``share``, the cell's share of its need and phase that year),
    ``council`` (year, need, phase, p10, p50, p90, share) and the
    council totals by phase for SCAP (``phase_draws`` is used by :mod:`.scap`)."""

    cells: pd.DataFrame
    council: pd.DataFrame
    method: str
    base_year: int
    years: list[int]
    percentile: int
    codes: tuple[str, ...]
    notes: tuple[str, ...]
    phase_totals: pd.DataFrame = field(repr=False)  # year, phase, p10, p50, p90 (all needs, every year)
    #: draws x needs x phases x years ahead: the council's pupils by need and phase in each
    #: Monte Carlo draw; with ``needs``, what :meth:`draw` shares out over the cells
    phase_draws: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0, 0)), repr=False)
    needs: tuple[str, ...] = ()

    @property
    def draws(self) -> int:
        return int(self.phase_draws.shape[0])

    def planned(self) -> pd.DataFrame:
        """Demand the optimiser plans for: zone_id, need, ncy, phase, year, pupils (the
        planned percentile, to a thousandth of a pupil)."""
        return self._table(self.cells["planned"].to_numpy(dtype=float))

    def draw(self, index: int) -> pd.DataFrame:
        """One Monte Carlo future of the demand, as :meth:`planned` gives the percentile:
        each cell's share of its need and phase that year times that draw's council
        pupils of the need and phase (so the cells add up to the draw's council figures)."""
        if not 0 <= index < self.draws:
            raise IndexError(f"draw {index} of a projection with {self.draws} draws")
        need = pd.Index(self.needs).get_indexer(self.cells["need"])
        phase = pd.Index(list(PHASES)).get_indexer(self.cells["phase"])
        ahead = (self.cells["year"] - self.base_year).to_numpy(dtype=int)
        council = self.phase_draws[index][need, phase, ahead]
        return self._table(self.cells["share"].to_numpy(dtype=float) * council)

    def _table(self, pupils: np.ndarray) -> pd.DataFrame:
        table = self.cells.rename(columns={"zone": "zone_id"})[["zone_id", "need", "ncy", "phase", "year"]]
        table = table.assign(pupils=np.round(pupils, PRECISION)).reset_index(drop=True)
        return table[table["pupils"] > 0].reset_index(drop=True)


def _long(values: np.ndarray, needs: list[str], name: str) -> pd.DataFrame:
    """N x NCY x (K+1) -> need, ncy, ahead, <name>."""
    k = values.shape[-1]
    index = pd.MultiIndex.from_product([needs, cohorts.NCYS, range(k)], names=["need", "ncy", "ahead"])
    return pd.DataFrame({name: values.reshape(-1)}, index=index).reset_index()


def _phase_draws(paths: Paths) -> np.ndarray:
    """draws x N x phases x (K+1): pupils by need and phase, in PHASES order."""
    total = paths.original + paths.joined
    return np.stack(
        [
            total[:, :, low - cohorts.NCYS[0] : high - cohorts.NCYS[0] + 1, :].sum(axis=2)
            for low, high in PHASES.values()
        ],
        axis=2,
    )


def _expected_cells(base: pd.DataFrame, paths: Paths, needs: list[str], plan_ahead: list[int]) -> pd.DataFrame:
    """zone_id, need, ncy, ahead, expected: each zone's expected pupils (mean over draws):
    its base-year pupils' part of their cohort, plus its part of the joiners."""
    originals = _long(paths.original.mean(axis=0), needs, "value")
    originals = originals[originals["ahead"].isin(plan_ahead) & (originals["value"] > 0)]
    originals["source"] = originals["ncy"] - originals["ahead"] if paths.source_shift else originals["ncy"]
    originals = originals[originals["source"] >= cohorts.NCYS[0]]
    counts = base.groupby(["need", "ncy"])["pupils"].sum()
    share = base.assign(weight=base["pupils"] / base.set_index(["need", "ncy"]).index.map(counts).to_numpy())
    share = share.rename(columns={"ncy": "source"})[["zone_id", "need", "source", "weight"]]
    part = originals.merge(share, on=["need", "source"], how="inner")
    if paths.zone_factor is not None:
        factor = paths.zone_factor.rename(columns={"ncy": "source"})
        part = part.merge(factor, on=["zone_id", "source", "ahead"], how="left")
        norm = _factor_norm(base, paths.zone_factor).reindex(
            pd.MultiIndex.from_frame(part[["need", "source", "ahead"]])
        )
        part["weight"] = part["weight"] * part["factor"].fillna(1.0) / norm.to_numpy()
    part["expected"] = part["value"] * part["weight"]
    blocks = [part[["zone_id", "need", "ncy", "ahead", "expected"]]]
    joined = _long(paths.joined.mean(axis=0), needs, "value")
    joined = joined[joined["ahead"].isin(plan_ahead) & (joined["value"] > 0)]
    if len(joined):
        joined["phase"] = joined["ncy"].map(phase_of)
        joiners = joined.merge(_patterns(base), on=["need", "phase"], how="inner")
        joiners["expected"] = joiners["value"] * joiners["weight"]
        blocks.append(joiners[["zone_id", "need", "ncy", "ahead", "expected"]])
    cells = pd.concat(blocks, ignore_index=True).groupby(["zone_id", "need", "ncy", "ahead"], as_index=False).sum()
    return cells[cells["expected"] > 0]


def _cells(
    base: pd.DataFrame, paths: Paths, needs: list[str], percentiles: list[int], plan_ahead: list[int]
) -> pd.DataFrame:
    """zone_id, need, ncy, ahead, q<p>: each cell's share of its need and phase's expected
    pupils that year, times the council's percentiles of that need and phase."""
    cells = _expected_cells(base, paths, needs, plan_ahead)
    cells["phase"] = cells["ncy"].map(phase_of)
    quantiles = np.percentile(_phase_draws(paths), percentiles, axis=0)  # P x N x phases x (K+1)
    index = pd.MultiIndex.from_product(
        [needs, list(PHASES), range(quantiles.shape[-1])], names=["need", "phase", "ahead"]
    )
    council = pd.DataFrame({f"q{p}": quantiles[i].reshape(-1) for i, p in enumerate(percentiles)}, index=index)
    totals = cells.groupby(["need", "phase", "ahead"])["expected"].transform("sum")
    share = (cells["expected"] / totals).to_numpy()
    matched = council.reindex(pd.MultiIndex.from_frame(cells[["need", "phase", "ahead"]]))
    for p in percentiles:
        cells[f"q{p}"] = share * matched[f"q{p}"].to_numpy()
    cells["share"] = share
    return cells


def _factor_norm(base: pd.DataFrame, factor: pd.DataFrame) -> pd.Series:
    """Council sum of zone weights times population factors, by need, source NCY and year
    ahead: the zone weights of a prevalence cohort are renormalised by it."""
    merged = base.merge(factor, on=["zone_id", "ncy"], how="left")
    merged["factor"] = merged["factor"].fillna(1.0)
    counts = base.groupby(["need", "ncy"])["pupils"].sum()
    merged["weight"] = merged["pupils"] / merged.set_index(["need", "ncy"]).index.map(counts).to_numpy()
    merged["weighted"] = merged["weight"] * merged["factor"]
    norm = merged.groupby(["need", "ncy", "ahead"])["weighted"].sum()
    norm.index = norm.index.set_names(["need", "source", "ahead"])
    return norm.where(norm > 0, 1.0)


def _patterns(base: pd.DataFrame) -> pd.DataFrame:
    """need, phase, zone_id, weight: where joiners of a need and phase live, after the
    base-year pupils of that need and phase (else of that need, else of that phase)."""
    frame = base.assign(phase=base["ncy"].map(phase_of))
    rows = []
    needs = frame["need"].unique()
    for need in needs:
        for phase in PHASES:
            for picked in (
                frame[(frame["need"] == need) & (frame["phase"] == phase)],
                frame[frame["need"] == need],
                frame[frame["phase"] == phase],
                frame,
            ):
                if picked["pupils"].sum() > 0:
                    weights = picked.groupby("zone_id")["pupils"].sum()
                    rows.append(
                        pd.DataFrame(
                            {
                                "need": need,
                                "phase": phase,
                                "zone_id": weights.index,
                                "weight": (weights / weights.sum()).to_numpy(),
                            }
                        )
                    )
                    break
    return pd.concat(rows, ignore_index=True)


def _council_table(
    paths: Paths, needs: list[str], shares: pd.DataFrame, base_year: int, keep_ahead: list[int]
) -> pd.DataFrame:
    """year, need, phase, p10, p50, p90, share, with ALL needs and all phases."""
    by_phase = _phase_draws(paths)  # S x N x P x (K+1)
    phases = list(PHASES)
    rows = []
    groups = [(need, [i]) for i, need in enumerate(needs)] + [("ALL", list(range(len(needs))))]
    share_of = {(r.need, r.phase, r.ahead): r.share for r in shares.itertuples(index=False)}
    for need, members in groups:
        chosen = by_phase[:, members].sum(axis=1)  # S x P x (K+1)
        for j, phase in enumerate([*phases, "all"]):
            values = chosen[:, j] if phase != "all" else chosen.sum(axis=1)
            q = np.percentile(values, PERCENTILES, axis=0)  # 3 x (K+1)
            for k in keep_ahead:
                share = share_of.get((need, phase, k), np.nan) if need != "ALL" and phase != "all" else np.nan
                rows.append((base_year + k, need, phase, *q[:, k], share))
    table = pd.DataFrame(rows, columns=["year", "need", "phase", "p10", "p50", "p90", "share"])
    table = table[(table[["p10", "p50", "p90"]].max(axis=1) > 0) | (table["need"] == "ALL")]
    return table.reset_index(drop=True)


def _base(dataset: Dataset) -> pd.DataFrame:
    """Base-year pupils: zone_id, need, ncy, pupils (floats)."""
    base = dataset["demand"].groupby(["zone_id", "need", "ncy"], as_index=False)["pupils"].sum()
    return base.astype({"zone_id": str, "need": str, "ncy": int, "pupils": float})


def _method_paths(
    *,
    dataset: Dataset,
    settings: Demand,
    base: pd.DataFrame,
    needs: list[str],
    codes: tuple[str, ...],
    ahead: int,
    open_data: Path | None,
    rng: np.random.Generator,
    notes: list[str],
) -> Paths:
    counts = council_counts(base, needs)
    if settings.method == "growth":
        notes.append("growth: the scenario's annual rates by need (no range: nothing is estimated)")
        return growth_paths(counts, needs, settings.growth, ahead)
    model = level_model(dataset, settings, codes, open_data, notes)
    if settings.method == "trend":
        return trend_paths(counts, model, need_adjustments(dataset, needs), ahead, settings.draws, rng)
    if settings.method == "prevalence":
        return prevalence_paths(
            base,
            needs=needs,
            dataset=dataset,
            settings=settings,
            model=model,
            base_year=dataset.meta.base_year,
            ahead=ahead,
            rng=rng,
            notes=notes,
        )
    if settings.cohort.source == "scenario":
        notes.append("cohort: the scenario's join, cease and stay rates (no range: nothing is estimated)")
        return cohort_paths(counts, scenario_ratios(settings, needs), None, ahead, settings.draws, rng)
    ratios = estimated_ratios(dataset, settings, needs, codes, open_data, notes)
    notes.append(
        "cohort: growth comes from the rates; the growth model only sets how far the range "
        "spreads (how far councils' growth strays from what was expected)"
    )
    return cohort_paths(counts, ratios, model, ahead, settings.draws, rng)


def project_dataset(
    dataset: Dataset, settings: Demand, years: list[int], *, open_data: Path | None = None, extra_years: int = 0
) -> Projection:
    """Project ``dataset``'s demand over ``years`` by ``settings.method``; ``extra_years``
    more are projected for the council tables only (SCAP asks 7 years of secondary)."""
    base_year = dataset.meta.base_year
    if years[0] <= base_year:
        raise ProjectionError(
            f"the plan starts in {years[0]}/{(years[0] + 1) % 100:02d}, not after the dataset's "
            f"base year {dataset.meta.base_year_label}; set horizon.first_year later"
        )
    notes: list[str] = []
    codes = council_codes(dataset)
    base = _base(dataset)
    needs = [n for n in NEEDS if n in set(base["need"])]
    ahead = years[-1] - base_year + extra_years
    rng = np.random.default_rng(settings.seed)
    paths = _method_paths(
        dataset=dataset,
        settings=settings,
        base=base,
        needs=needs,
        codes=codes,
        ahead=ahead,
        open_data=open_data,
        rng=rng,
        notes=notes,
    )
    factors, shares = share_factors(needs, settings, codes, open_data, base_year, years[-1], ahead, notes)
    paths.original = paths.original * factors[None]
    paths.joined = paths.joined * factors[None]
    percentiles = sorted({*PERCENTILES, settings.percentile})
    plan_ahead = [y - base_year for y in years]
    cells = _cells(base, paths, needs, percentiles, plan_ahead)
    cells = (
        pd.DataFrame(
            {
                "zone": cells["zone_id"],
                "need": cells["need"],
                "ncy": cells["ncy"].astype(int),
                "phase": cells["ncy"].map(phase_of),
                "year": cells["ahead"] + base_year,
                "p10": cells["q10"],
                "p50": cells["q50"],
                "p90": cells["q90"],
                "planned": cells[f"q{settings.percentile}"],
                "share": cells["share"],
            }
        )
        .sort_values(["year", "zone", "need", "ncy"], kind="stable")
        .reset_index(drop=True)
    )
    council = _council_table(paths, needs, shares, base_year, [0, *plan_ahead])
    phase_totals = _council_table(paths, needs, shares, base_year, list(range(ahead + 1)))
    phase_totals = phase_totals[phase_totals["need"] == "ALL"][["year", "phase", "p10", "p50", "p90"]]
    log.info(
        "demand: %s, %d draws, %d cells a year",
        settings.method,
        paths.original.shape[0],
        len(cells) // max(len(years), 1),
    )
    for note in notes:
        log.info("demand: %s", note)
    return Projection(
        cells=cells,
        council=council,
        method=settings.method,
        base_year=base_year,
        years=list(years),
        percentile=settings.percentile,
        codes=codes,
        notes=tuple(notes),
        phase_totals=phase_totals,
        phase_draws=_phase_draws(paths),
        needs=tuple(needs),
    )
