"""Sufficiency: pupils needing a place against local places, by need, phase and year,
before the plan (no new options: the status quo) and after it, protected for publication.

Places at a site that admits several needs or phases are shared out in proportion to the
pupils in each need and year group it admits, as ``placeplan validate`` does (a transparent
first estimate); new places count from their opening year. Pupils placed locally or away
(independent or out of area) are the model's own placements: the plan's, and the status
quo's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..codes import LOCAL_KINDS, NEEDS, PHASES
from ..intake import share_in_year
from ..summary import apportion_places
from .disclosure import SECONDARY, Cells, Protected
from .facts import Facts
from .glossary import PHASE_WORDS, academic_year

ALL_NEEDS, ALL_PHASES = "All needs", "All phases"

#: column -> (heading, is a count of pupils)
MEASURES: dict[str, tuple[str, bool]] = {
    "pupils": ("Pupils needing a specialist place", True),
    "places_before": ("Local places before the plan", False),
    "places_added": ("Places the plan adds", False),
    "places_after": ("Local places after the plan", False),
    "surplus_before": ("Surplus (+) or shortfall (-) before", False),
    "surplus_after": ("Surplus (+) or shortfall (-) after", False),
    "local_before": ("Pupils placed locally without the plan", True),
    "local_after": ("Pupils placed locally with the plan", True),
    "away_before": ("Pupils placed independent or out of area without the plan", True),
    "away_after": ("Pupils placed independent or out of area with the plan", True),
}


@dataclass(frozen=True)
class Sufficiency:
    """Raw figures (``values``: measure -> array [need, phase, year], the last need and
    phase being the totals) and what may be printed (``labels``, same shape)."""

    needs: list[str]  # need codes, then ALL_NEEDS
    phases: list[str]  # phase names, then ALL_PHASES
    years: list[int]
    values: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]
    shown: dict[str, np.ndarray]  # the printed number, NaN when suppressed or withheld
    has_status_quo: bool

    def table(self) -> pd.DataFrame:
        """One row per need, phase and year with any pupils or places, labels as printed."""
        rows = []
        for i, need in enumerate(self.needs):
            for j, phase in enumerate(self.phases):
                for k, year in enumerate(self.years):
                    measures = ("pupils", "places_after", "places_before")
                    if not any(abs(self.values[m][i, j, k]) > 1e-9 for m in measures):
                        continue
                    row = {"need": need, "phase": PHASE_WORDS.get(phase, phase), "year": academic_year(year)}
                    for measure, (heading, _) in MEASURES.items():
                        if measure in self.labels:
                            row[heading] = self.labels[measure][i, j, k]
                    rows.append(row)
        return pd.DataFrame(rows)

    def headline(self, measure: str, year_index: int = -1) -> str:
        return str(self.labels[measure][-1, -1, year_index])


def _cube(frame: pd.DataFrame, value: str, needs: list[str], phases: list[str], years: list[int]) -> np.ndarray:
    """need x phase x year, with totals in the last need and phase."""
    cube = np.zeros((len(needs) + 1, len(phases) + 1, len(years)))
    if len(frame):
        grouped = frame.groupby(["need", "phase", "year"])[value].sum()
        for (need, phase, year), amount in grouped.items():
            if need in needs and phase in phases and year in years:
                cube[needs.index(need), phases.index(phase), years.index(year)] += amount
    cube[-1, :-1] = cube[:-1, :-1].sum(axis=0)
    cube[:, -1] = cube[:, :-1].sum(axis=1)
    return cube


def _places_in(opened: pd.DataFrame, year: int) -> list[float]:
    """The places each opened option has in ``year``, by its phased intake."""
    return [
        float(places) * share_in_year(shares, year - int(opens))
        for places, shares, opens in zip(opened["places"], opened["intake"], opened["opening_year"])
    ]


def _open_in(opened: pd.DataFrame, year: int) -> pd.DataFrame:
    """The opened options open by ``year``, each with the places it has then."""
    open_by = opened[opened["opening_year"] <= year]
    return open_by.assign(capacity=_places_in(open_by, year))


def _places(facts: Facts, years: list[int], *, with_plan: bool) -> pd.DataFrame:
    """need, phase, year, places: local places shared over the pupils each site admits."""
    table = facts.facilities
    local = table[table["kind"].isin(LOCAL_KINDS) & ~table["is_option"]]
    opened = table[table["is_option"] & table["chosen"]] if with_plan else table.iloc[:0]
    frames = []
    for year in years:
        demand = facts.demand[facts.demand["year"] == year]
        cells = demand.groupby(["need", "ncy"])["pupils"].sum()
        sites = pd.concat(
            [
                local[["kind", "needs", "ncy_min", "ncy_max", "capacity"]],
                _open_in(opened, year)[["kind", "needs", "ncy_min", "ncy_max", "capacity"]],
            ],
            ignore_index=True,
        )
        places = apportion_places(sites, cells)
        frames.append(places.assign(year=year))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["need", "phase", "year", "places"])


def placed_locally(facts: Facts, allocation: pd.DataFrame) -> pd.Series:
    """Whether each row of ``allocation`` places its pupils locally: at a facility of a local
    kind (codes.LOCAL_KINDS). Every other row is away (independent or out of area): an
    independent site, or the fallback (a blank facility_id). Every document that counts
    pupils placed away counts them by this (the comparison and the GeoPackage too)."""
    kinds = facts.facilities.set_index("facility_id")["kind"]
    return allocation["facility_id"].map(kinds).fillna("").isin(LOCAL_KINDS)


def placements(facts: Facts) -> pd.DataFrame:
    """need, phase, year, local, away: the plan's placements (allocation.csv), local or away
    as :func:`placed_locally` says."""
    allocation = facts.plan.allocation
    local = placed_locally(facts, allocation)
    return allocation.assign(local=allocation["pupils"].where(local, 0.0), away=allocation["pupils"].where(~local, 0.0))


def sufficiency(facts: Facts) -> Sufficiency:
    plan = facts.plan
    years = plan.years
    demand = facts.demand[facts.demand["year"].isin(years)]
    placed = placements(facts)
    needs = [n for n in NEEDS if n in set(demand["need"])]
    phases = [p for p in PHASES if p in set(demand["phase"])]
    places_before = _places(facts, years, with_plan=False)
    places_after = _places(facts, years, with_plan=True)
    phases = phases + [p for p in PHASES if p not in phases and p in set(places_after["phase"])]
    phases = [p for p in PHASES if p in phases]
    values = {
        "pupils": _cube(placed, "pupils", needs, phases, years),
        "places_before": _cube(places_before, "places", needs, phases, years),
        "places_after": _cube(places_after, "places", needs, phases, years),
        "local_after": _cube(placed, "local", needs, phases, years),
        "away_after": _cube(placed, "away", needs, phases, years),
    }
    if facts.status_quo is not None:
        local = _cube(facts.status_quo, "local", needs, phases, years)
        away = _cube(facts.status_quo, "away", needs, phases, years)
        # the status quo places the same pupils; allocation.csv rounds them to 0.001: match exactly
        scale = np.divide(values["pupils"], local + away, out=np.ones_like(local), where=(local + away) > 0)
        values["local_before"], values["away_before"] = local * scale, away * scale
    values["places_added"] = values["places_after"] - values["places_before"]
    values["surplus_before"] = values["places_before"] - values["pupils"]
    values["surplus_after"] = values["places_after"] - values["pupils"]
    base = facts.base_demand.assign(year=years[0])
    base_cube = _cube(base, "pupils", needs, phases, [years[0]])[:, :, :1]
    labels, shown = _protect(facts, values, base_cube)
    return Sufficiency(
        [*needs, ALL_NEEDS], [*phases, ALL_PHASES], years, values, labels, shown, facts.status_quo is not None
    )


def _protect(facts: Facts, values: dict[str, np.ndarray], base: np.ndarray) -> tuple[dict, dict]:
    """Counts of pupils are protected together (margins by need and phase; pupils placed
    locally plus away equal pupils). Places are not counts of pupils and are printed as they
    are; a surplus is printed only where both its pupils and its places are."""
    cells = Cells(facts.plan.rule)
    index: dict[str, np.ndarray] = {}
    for measure, cube in values.items():
        if not MEASURES[measure][1]:
            continue
        is_total = np.zeros(cube.shape, dtype=bool)
        is_total[-1, :, :] = is_total[:, -1, :] = True
        ids = np.empty(cube.shape, dtype=np.int64)
        own_base = np.broadcast_to(base, cube.shape) if measure == "pupils" else None
        ids[~is_total] = cells.add(cube[~is_total], base=None if own_base is None else own_base[~is_total])
        ids[is_total] = cells.add(cube[is_total], base=None if own_base is None else own_base[is_total], total=True)
        index[measure] = ids
    n, p, t = values["pupils"].shape
    for ids in index.values():
        for k in range(t):
            for j in range(p):
                cells.line(ids[:-1, j, k], ids[-1, j, k])
            for i in range(n):
                cells.line(ids[i, :-1, k], ids[i, -1, k])
    pupils = index["pupils"]
    for local, away in (("local_after", "away_after"), ("local_before", "away_before")):
        if local in index:
            for cell in np.ndindex(pupils.shape):
                cells.line([index[local][cell], index[away][cell]], pupils[cell])
    protected = cells.protect()
    labels = {m: _labels(protected, ids) for m, ids in index.items()}
    shown = {m: _shown(protected, ids) for m, ids in index.items()}
    for measure, cube in values.items():
        if measure not in index:
            labels[measure] = np.vectorize(_places_label, otypes=[object])(cube)
            shown[measure] = cube.copy()
    for when in ("before", "after"):
        visible = np.isfinite(shown["pupils"]) & np.isfinite(shown[f"places_{when}"])
        labels[f"surplus_{when}"] = np.where(visible, labels[f"surplus_{when}"], SECONDARY)
        shown[f"surplus_{when}"] = np.where(visible, shown[f"surplus_{when}"], np.nan)
    return labels, shown


def _places_label(value: float) -> str:
    text = f"{value:,.0f}"
    return text[1:] if text in ("-0",) else text


def _labels(protected: Protected, ids: np.ndarray) -> np.ndarray:
    flat = [protected.label(int(i)) for i in ids.ravel()]
    return np.array(flat, dtype=object).reshape(ids.shape)


def _shown(protected: Protected, ids: np.ndarray) -> np.ndarray:
    flat = [protected.shown(int(i)) for i in ids.ravel()]
    return np.array([np.nan if v is None else v for v in flat], dtype=float).reshape(ids.shape)
