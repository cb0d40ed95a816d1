"""Pupils needing a specialist place, by zone, need and year group, from published totals.

For each council, from the DfE's *Education, health and care plans* (January 2025):

1. pupils in specialist settings by primary need: plans in special schools, resourced
   provision and SEN units, by need (:data:`opendata.SPECIALIST_PLACEMENTS`); plans whose
   need was not recorded are shared over the known needs;
2. by year group: a need x year-group table fitted (iterative proportional fitting) to
   the council's need totals and to the age profile of its specialist placements,
   starting from the need x age pattern of all its plans;
3. by zone: each need and year-group count spread over the council's LSOAs in proportion
   to the Census 2021 child population (0-15 for ages up to 15, 16-24 above).

Counts are whole pupils and add up exactly to the published totals. Where a council's
placements are suppressed or mostly not recorded, its region's shares are used and the
dataset says so. This spreads published totals: a council's own caseload by home LSOA
replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..codes import NCY_MAX, NCY_MIN
from . import opendata
from .councils import Council
from .rounding import largest_remainder, systematic_spread

NEED_CODES = {
    "number_asd": "ASD", "number_hi": "HI", "number_mld": "MLD", "number_msi": "MSI",
    "number_oth": "OTH", "number_pd": "PD", "number_pmld": "PMLD", "number_semh": "SEMH",
    "number_slcn": "SLCN", "number_sld": "SLD", "number_spld": "SPLD", "number_vi": "VI",
}
UNKNOWN = "number_need_unknown"
#: Above this share of plans with no recorded placement, a council's own specialist share
#: is scaled up to all its plans rather than taken as published.
NOT_RECORDED_LIMIT = 0.10
#: Above this share, the council's recorded placements say too little: its region's
#: shares are used instead.
SCALE_LIMIT = 0.50
#: Ages from this one up are spread by the 16-24 population, younger by the 0-15.
OLDER_FROM_AGE = 16
BASE_PERIOD = "202425"
IPF_ROUNDS = 200


@dataclass(frozen=True)
class CouncilCaseload:
    council: Council
    by_need_ncy: pd.DataFrame   # need x ncy, whole pupils
    published: int              # pupils in specialist settings as published (or estimated)
    exact: bool                 # True when the totals are the council's own published figures
    notes: tuple[str, ...]


def ncy_of_age(label: str) -> int:
    """'age 11' -> 7 (Year 7): NCY is age at the start of the academic year minus 4;
    'under 3' joins the nursery year. Ages past NCY 20 (25-year-olds) join NCY 20."""
    if label == "under 3":
        return NCY_MIN
    age = int(label.removeprefix("age "))
    return int(np.clip(age - 4, NCY_MIN, NCY_MAX))


def _rows(frame: pd.DataFrame, council: Council, *, region: bool) -> pd.DataFrame:
    if region:
        return frame[(frame["geographic_level"] == "Regional") & (frame["region_name"] == council.region)]
    return frame[(frame["geographic_level"] == "Local authority") & (frame["old_la_code"] == council.code)]


def _need_table(rows: pd.DataFrame, topic: str) -> pd.DataFrame:
    """breakdown x need columns (numbers; NaN where suppressed)."""
    picked = rows[rows["breakdown_topic"] == topic].set_index("breakdown")
    return opendata.counts(picked, [*NEED_CODES, UNKNOWN])


def _specialist_share(table: pd.DataFrame) -> pd.Series | None:
    """Specialist pupils by need column, or None when a needed cell is suppressed. The DfE
    leaves out a placement row a council has no plans in, so a missing row counts zero."""
    specialist = table[table.index.isin(opendata.SPECIALIST_PLACEMENTS)]
    if specialist.isna().any().any():
        return None
    return specialist.sum().reindex(table.columns, fill_value=0.0)


def specialist_by_need(need: pd.DataFrame, council: Council) -> tuple[pd.Series, bool, str | None]:
    """Specialist pupils by need column (floats), whether they are the published figures,
    and a note when they had to be estimated."""
    own = _rows(need, council, region=False)
    plans = _need_table(own, opendata.ALL_PLANS).iloc[0]
    placements = _need_table(own, "Type of placement")
    specialist = _specialist_share(placements)
    if specialist is not None:
        not_recorded = placements.reindex([opendata.NOT_RECORDED]).fillna(0.0).iloc[0]
        share = float(not_recorded.sum() / plans.sum()) if plans.sum() else 0.0
        if share <= NOT_RECORDED_LIMIT:
            return specialist, True, None
        if share <= SCALE_LIMIT:
            recorded = (plans - not_recorded).where(lambda s: s > 0)
            scaled = (specialist * plans / recorded).fillna(0.0)
            return scaled, False, (f"{council.name}: {share:.0%} of placements were not recorded, so "
                                   "specialist counts are its recorded shares applied to all its plans")
    region = _rows(need, council, region=True)
    region_specialist = _specialist_share(_need_table(region, "Type of placement"))
    region_plans = _need_table(region, opendata.ALL_PLANS).iloc[0]
    if region_specialist is None:
        raise opendata.OpenDataError(f"{council.name}: neither its nor its region's specialist "
                                     "placements by need are published")
    estimated = (region_specialist / region_plans.where(region_plans > 0)).fillna(0.0) * plans
    return estimated, False, (f"{council.name}: placements by need are not published or mostly not "
                              f"recorded, so specialist counts use the {council.region} region's share "
                              "of plans in specialist settings, need by need")


def whole_by_need(specialist: pd.Series) -> pd.Series:
    """Whole pupils by need code; not-recorded needs shared over the known ones in
    proportion, so no known need falls below its published count."""
    total = int(round(float(specialist.sum())))
    known = specialist[list(NEED_CODES)].to_numpy(dtype=float)
    shares = largest_remainder(known, total)
    return pd.Series(shares, index=list(NEED_CODES.values()))


def _age_columns(table: pd.DataFrame) -> pd.DataFrame:
    """Rows 'age N' / 'under 3' -> NCY index, summed where ages share an NCY."""
    frame = table.copy()
    frame.index = [ncy_of_age(label) for label in frame.index]
    return frame.groupby(level=0).sum(min_count=1).sort_index()


def specialist_by_ncy(placement: pd.DataFrame, council: Council) -> tuple[pd.Series, str | None]:
    """Pupils in specialist settings by NCY in January 2025 (the council's, or its region's
    when the council's are suppressed)."""
    for region in (False, True):
        rows = _rows(placement, council, region=region)
        rows = rows[(rows["time_period"] == BASE_PERIOD) & (rows["breakdown_topic"] == "Child or young persons age")]
        table = opendata.counts(rows.set_index("breakdown"), list(opendata.SPECIALIST_COLUMNS))
        if len(table) and not table.isna().any().any() and table.to_numpy().sum() > 0:
            profile = _age_columns(table).sum(axis=1)
            note = None if not region else (f"{council.name}: placements by age are not published, "
                                             f"so the {council.region} region's age profile is used")
            return profile, note
    raise opendata.OpenDataError(f"{council.name}: no age profile of specialist placements")


def seed_pattern(need: pd.DataFrame, council: Council) -> pd.DataFrame:
    """All plans by NCY x need code: the pattern the fitted table starts from."""
    for region in (False, True):
        table = _need_table(_rows(need, council, region=region), "Child or young persons age")
        table = table[list(NEED_CODES)]
        if len(table) and not table.isna().any().any():
            return _age_columns(table).rename(columns=NEED_CODES)
    raise opendata.OpenDataError(f"{council.name}: no need x age pattern")


def fit(seed: pd.DataFrame, rows: pd.Series, columns: pd.Series, rounds: int = IPF_ROUNDS) -> pd.DataFrame:
    """Iterative proportional fitting: ``seed`` (ncy x need) scaled until its need totals
    are ``columns`` and its NCY totals are ``rows`` (rescaled to the same grand total)."""
    index = seed.index.union(rows.index)
    table = seed.reindex(index=index, columns=columns.index, fill_value=0.0).to_numpy(dtype=float)
    # A cell the seed has no plans in may still hold a few pupils: keep every cell alive.
    table = table + 1e-3
    target_cols = columns.to_numpy(dtype=float)
    target_rows = rows.reindex(index, fill_value=0.0).to_numpy(dtype=float)
    if target_rows.sum() > 0:
        target_rows = target_rows * target_cols.sum() / target_rows.sum()
    for _ in range(rounds):
        row_sums = table.sum(axis=1)
        table *= np.divide(target_rows, row_sums, out=np.zeros_like(row_sums), where=row_sums > 0)[:, None]
        col_sums = table.sum(axis=0)
        table *= np.divide(target_cols, col_sums, out=np.zeros_like(col_sums), where=col_sums > 0)[None, :]
    return pd.DataFrame(table, index=index, columns=columns.index)


def council_caseload(need: pd.DataFrame, placement: pd.DataFrame, council: Council) -> CouncilCaseload:
    specialist, exact, note = specialist_by_need(need, council)
    by_need = whole_by_need(specialist)
    profile, age_note = specialist_by_ncy(placement, council)
    fitted = fit(seed_pattern(need, council), profile, by_need.astype(float))
    whole = pd.DataFrame({need_code: largest_remainder(fitted[need_code].to_numpy(), int(by_need[need_code]))
                          for need_code in by_need.index}, index=fitted.index)
    notes = tuple(n for n in (note, age_note) if n)
    return CouncilCaseload(council, whole.T, int(by_need.sum()), exact, notes)


def spread(caseload: CouncilCaseload, zones: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Each need x NCY count over the council's zones by child population."""
    own = zones[zones["la_code"] == caseload.council.code]
    young = own["population_0_15"].to_numpy(dtype=float)
    older = own["population_16_24"].to_numpy(dtype=float)
    blocks = []
    for need_code, row in caseload.by_need_ncy.iterrows():
        for ncy, pupils in row.items():
            if pupils <= 0:
                continue
            weights = older if ncy + 4 >= OLDER_FROM_AGE else young
            counts = systematic_spread(int(pupils), weights, rng)
            placed = counts > 0
            blocks.append(pd.DataFrame({"zone_id": own["zone_id"].to_numpy()[placed], "need": need_code,
                                        "ncy": int(ncy), "pupils": counts[placed]}))
    columns = ["zone_id", "need", "ncy", "pupils"]
    return pd.concat(blocks, ignore_index=True)[columns] if blocks else pd.DataFrame(columns=columns)


def history(placement: pd.DataFrame, councils: list[Council]) -> pd.DataFrame:
    """Pupils in specialist settings each January since 2019, all the councils together.
    Years where any council's figures are suppressed are left out, not guessed."""
    totals = []
    for council in councils:
        rows = _rows(placement, council, region=False)
        rows = rows[rows["breakdown_topic"] == opendata.ALL_PLANS]
        table = opendata.counts(rows, list(opendata.SPECIALIST_COLUMNS))
        values = table.sum(axis=1).where(table.notna().all(axis=1))
        totals.append(pd.Series(values.to_numpy(), index=rows["time_period"].str[:4].astype(int)))
    combined = pd.concat(totals, axis=1).sum(axis=1, min_count=len(councils)).dropna()
    return pd.DataFrame({"year": combined.index.astype(int), "need": "", "ncy": "",
                         "pupils": combined.to_numpy().astype(int)}).sort_values("year")


SETTINGS = {"state": ("special_la_maintained", "special_academy_free"),
            "independent": ("special_independent", "special_non_maintained")}


def pupils_by_setting(placement: pd.DataFrame, council: Council) -> tuple[dict[str, int], str | None]:
    """The council's pupils in state special schools and in independent or non-maintained
    ones in January 2025; from its region's shares when its own are suppressed."""
    def latest(region: bool) -> pd.DataFrame:
        rows = _rows(placement, council, region=region)
        rows = rows[(rows["time_period"] == BASE_PERIOD) & (rows["breakdown_topic"] == opendata.ALL_PLANS)]
        return opendata.counts(rows, ["ehcplans", *SETTINGS["state"], *SETTINGS["independent"]])

    own = latest(False)
    if len(own) and not own.isna().any().any():
        return {key: int(own[list(cols)].sum(axis=1).iloc[0]) for key, cols in SETTINGS.items()}, None
    region = latest(True).iloc[0]
    plans = float(own["ehcplans"].iloc[0])
    shares = {key: int(round(float(region[list(cols)].sum()) / float(region["ehcplans"]) * plans))
              for key, cols in SETTINGS.items()}
    return shares, (f"{council.name}: special-school placements are not published, so the "
                    f"{council.region} region's shares of plans are used for them")
