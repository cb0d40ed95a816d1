"""Pupils needing a specialist place, by zone, need and year group, from published totals.

For each council, from the DfE's *Education, health and care plans* (January 2025):

1. pupils in specialist settings by setting and primary need: plans in special schools
   (state, independent and non-maintained, the council's own and other councils': the
   ``special`` setting) and in resourced provision and SEN units of mainstream schools
   (``resourced``), by need (:data:`opendata.SETTING_PLACEMENTS`); plans whose need was not
   recorded are shared over the known needs of the same setting;
2. by year group: for each setting, a need x year-group table fitted (iterative
   proportional fitting) to the setting's need totals and to the age profile of the
   council's pupils in that setting, starting from the need x age pattern of all its plans;
3. by zone: each setting, need and year-group count spread over the council's LSOAs in
   proportion to the Census 2021 child population (0-15 for ages up to 15, 16-24 above).

The setting is the one a pupil attended in January 2025, which is what the DfE counts:
it stands for the setting the pupil needs, which no open data records. ``enhanced``
(ESTA-like) demand is not estimated: no open data says which of the pupils with plans in
mainstream classes have an enhanced arrangement (see ``scenario/builder.toml``).

Counts are whole pupils and add up exactly to the published totals. Where a council's
placements are suppressed or mostly not recorded, its region's shares are used and the
dataset says so. This spreads published totals: a council's own caseload by home LSOA
replaces it.

The dataset builder writes its demand from these tables, and the projection takes the
councils' specialist shares from the same fit
(:func:`placeplan.projection.dfe.specialist_shares`), so the module sits below both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import opendata
from .codes import NCY_MAX, NCY_MIN
from .errors import OpenDataError
from .opendata import Council
from .rounding import largest_remainder, systematic_spread

NEED_CODES = {
    "number_asd": "ASD",
    "number_hi": "HI",
    "number_mld": "MLD",
    "number_msi": "MSI",
    "number_oth": "OTH",
    "number_pd": "PD",
    "number_pmld": "PMLD",
    "number_semh": "SEMH",
    "number_slcn": "SLCN",
    "number_sld": "SLD",
    "number_spld": "SPLD",
    "number_vi": "VI",
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


#: The settings demand is split into, in the order rows are written.
SETTINGS = tuple(opendata.SETTING_PLACEMENTS)


@dataclass(frozen=True)
class CouncilCaseload:
    council: Council
    by_setting: dict[str, pd.DataFrame]  # setting -> need x ncy, whole pupils
    published: int  # pupils in specialist settings as published (or estimated)
    exact: bool  # True when the totals are the council's own published figures
    notes: tuple[str, ...]

    @property
    def by_need_ncy(self) -> pd.DataFrame:
        """need x ncy, all settings together."""
        tables = list(self.by_setting.values())
        total = tables[0]
        for table in tables[1:]:
            total = total.add(table, fill_value=0)
        return total.fillna(0).astype(np.int64)

    def pupils(self, setting: str) -> int:
        return int(self.by_setting[setting].to_numpy().sum())


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


def _placed(table: pd.DataFrame, rows: tuple[str, ...]) -> pd.Series | None:
    """Pupils in the given placement rows by need column, or None when a needed cell is
    suppressed. The DfE leaves out a placement row a council has no plans in, so a missing
    row counts zero."""
    picked = table[table.index.isin(rows)]
    if picked.isna().any().any():
        return None
    return picked.sum().reindex(table.columns, fill_value=0.0)


def _by_setting(table: pd.DataFrame) -> dict[str, pd.Series] | None:
    found = {setting: _placed(table, rows) for setting, rows in opendata.SETTING_PLACEMENTS.items()}
    return None if any(v is None for v in found.values()) else found


def specialist_by_need(need: pd.DataFrame, council: Council) -> tuple[dict[str, pd.Series], bool, str | None]:
    """Pupils by setting and need column (floats), whether they are the published figures,
    and a note when they had to be estimated."""
    own = _rows(need, council, region=False)
    plans = _need_table(own, opendata.ALL_PLANS).iloc[0]
    placements = _need_table(own, "Type of placement")
    by_setting = _by_setting(placements)
    if by_setting is not None:
        not_recorded = placements.reindex([opendata.NOT_RECORDED]).fillna(0.0).iloc[0]
        share = float(not_recorded.sum() / plans.sum()) if plans.sum() else 0.0
        if share <= NOT_RECORDED_LIMIT:
            return by_setting, True, None
        if share <= SCALE_LIMIT:
            recorded = (plans - not_recorded).where(lambda s: s > 0)
            scaled = {s: (v * plans / recorded).fillna(0.0) for s, v in by_setting.items()}
            return (
                scaled,
                False,
                (
                    f"{council.name}: {share:.0%} of placements were not recorded, so "
                    "specialist counts are its recorded shares applied to all its plans"
                ),
            )
    region = _rows(need, council, region=True)
    region_setting = _by_setting(_need_table(region, "Type of placement"))
    region_plans = _need_table(region, opendata.ALL_PLANS).iloc[0]
    if region_setting is None:
        raise OpenDataError(f"{council.name}: neither its nor its region's specialist placements by need are published")
    estimated = {s: (v / region_plans.where(region_plans > 0)).fillna(0.0) * plans for s, v in region_setting.items()}
    return (
        estimated,
        False,
        (
            f"{council.name}: placements by need are not published or mostly not "
            f"recorded, so specialist counts use the {council.region} region's share "
            "of plans in each specialist setting, need by need"
        ),
    )


def whole_by_need(specialist: pd.Series, total: int | None = None) -> pd.Series:
    """Whole pupils by need code (``total`` of them; by default the rounded sum); not-recorded
    needs shared over the known ones in proportion, so no known need falls below its
    published count."""
    total = int(round(float(specialist.sum()))) if total is None else total
    known = specialist[list(NEED_CODES)].to_numpy(dtype=float)
    shares = largest_remainder(known, total)
    return pd.Series(shares, index=list(NEED_CODES.values()))


def whole_by_setting(by_setting: dict[str, pd.Series]) -> dict[str, pd.Series]:
    """Whole pupils by setting and need code. The rounded total over all settings is kept
    (so an estimated council's total is what it was before settings were split), shared
    over the settings by largest remainder."""
    sums = np.array([float(by_setting[s].sum()) for s in SETTINGS])
    totals = largest_remainder(sums, int(round(float(sums.sum()))))
    return {s: whole_by_need(by_setting[s], int(n)) for s, n in zip(SETTINGS, totals)}


def _age_columns(table: pd.DataFrame) -> pd.DataFrame:
    """Rows 'age N' / 'under 3' -> NCY index, summed where ages share an NCY."""
    frame = table.copy()
    frame.index = [ncy_of_age(label) for label in frame.index]
    return frame.groupby(level=0).sum(min_count=1).sort_index()


def specialist_by_ncy(
    placement: pd.DataFrame, council: Council, columns: tuple[str, ...] = opendata.SPECIALIST_COLUMNS
) -> tuple[pd.Series, str | None]:
    """Pupils in the placement ``columns`` (by default every specialist setting) by NCY in
    January 2025: the council's, or its region's when the council's are suppressed or none."""
    for region in (False, True):
        rows = _rows(placement, council, region=region)
        rows = rows[(rows["time_period"] == BASE_PERIOD) & (rows["breakdown_topic"] == "Child or young persons age")]
        table = opendata.counts(rows.set_index("breakdown"), list(columns))
        if len(table) and not table.isna().any().any() and table.to_numpy().sum() > 0:
            profile = _age_columns(table).sum(axis=1)
            note = (
                None
                if not region
                else (
                    f"{council.name}: placements by age are not published, "
                    f"so the {council.region} region's age profile is used"
                )
            )
            return profile, note
    raise OpenDataError(f"{council.name}: no age profile of specialist placements")


def seed_pattern(need: pd.DataFrame, council: Council) -> pd.DataFrame:
    """All plans by NCY x need code: the pattern the fitted table starts from."""
    for region in (False, True):
        table = _need_table(_rows(need, council, region=region), "Child or young persons age")
        table = table[list(NEED_CODES)]
        if len(table) and not table.isna().any().any():
            return _age_columns(table).rename(columns=NEED_CODES)
    raise OpenDataError(f"{council.name}: no need x age pattern")


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


def _setting_profile(placement: pd.DataFrame, council: Council, setting: str, overall: pd.Series) -> pd.Series:
    """Pupils in one setting by NCY; the council's overall profile where neither it nor its
    region publishes one for the setting (a setting with no pupils anywhere near)."""
    try:
        return specialist_by_ncy(placement, council, opendata.SETTING_COLUMNS[setting])[0]
    except OpenDataError:
        return overall


def council_caseload(need: pd.DataFrame, placement: pd.DataFrame, council: Council) -> CouncilCaseload:
    specialist, exact, note = specialist_by_need(need, council)
    by_setting = whole_by_setting(specialist)
    overall, age_note = specialist_by_ncy(placement, council)
    seed = seed_pattern(need, council)
    tables = {}
    for setting, by_need in by_setting.items():
        profile = _setting_profile(placement, council, setting, overall)
        fitted = fit(seed, profile, by_need.astype(float))
        whole = pd.DataFrame(
            {code: largest_remainder(fitted[code].to_numpy(), int(by_need[code])) for code in by_need.index},
            index=fitted.index,
        )
        tables[setting] = whole.T
    index = sorted(set().union(*(t.columns for t in tables.values())))
    tables = {s: t.reindex(columns=index, fill_value=0) for s, t in tables.items()}
    notes = tuple(n for n in (note, age_note) if n)
    total = sum(int(t.to_numpy().sum()) for t in tables.values())
    return CouncilCaseload(council, tables, total, exact, notes)


def spread(caseload: CouncilCaseload, zones: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Each setting x need x NCY count over the council's zones by child population."""
    own = zones[zones["la_code"] == caseload.council.code]
    young = own["population_0_15"].to_numpy(dtype=float)
    older = own["population_16_24"].to_numpy(dtype=float)
    blocks = []
    for setting, table in caseload.by_setting.items():
        for need_code, row in table.iterrows():
            for ncy, pupils in row.items():
                if pupils <= 0:
                    continue
                weights = older if ncy + 4 >= OLDER_FROM_AGE else young
                counts = systematic_spread(int(pupils), weights, rng)
                placed = counts > 0
                blocks.append(
                    pd.DataFrame(
                        {
                            "zone_id": own["zone_id"].to_numpy()[placed],
                            "need": need_code,
                            "ncy": int(ncy),
                            "setting": setting,
                            "pupils": counts[placed],
                        }
                    )
                )
    columns = ["zone_id", "need", "ncy", "setting", "pupils"]
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
    return pd.DataFrame(
        {"year": combined.index.astype(int), "need": "", "ncy": "", "pupils": combined.to_numpy().astype(int)}
    ).sort_values("year")


#: Placement columns of the kinds of provision the builder writes sites for.
PLACED = {
    "state": ("special_la_maintained", "special_academy_free"),
    "independent": ("special_independent", "special_non_maintained"),
    "resourced": opendata.SETTING_COLUMNS["resourced"],
}


def pupils_by_setting(placement: pd.DataFrame, council: Council) -> tuple[dict[str, int], str | None]:
    """The council's pupils in state special schools ("state"), in independent or
    non-maintained ones ("independent") and in resourced provision and SEN units of
    mainstream schools ("resourced") in January 2025; from its region's shares of plans
    when its own are suppressed."""
    columns = [c for cols in PLACED.values() for c in cols]

    def latest(region: bool) -> pd.DataFrame:
        rows = _rows(placement, council, region=region)
        rows = rows[(rows["time_period"] == BASE_PERIOD) & (rows["breakdown_topic"] == opendata.ALL_PLANS)]
        return opendata.counts(rows, ["ehcplans", *columns])

    own = latest(False)
    if len(own) and not own.isna().any().any():
        return {key: int(own[list(cols)].sum(axis=1).iloc[0]) for key, cols in PLACED.items()}, None
    region = latest(True).iloc[0]
    plans = float(own["ehcplans"].iloc[0])
    shares = {
        key: int(round(float(region[list(cols)].sum()) / float(region["ehcplans"]) * plans))
        for key, cols in PLACED.items()
    }
    return shares, (
        f"{council.name}: placements in special schools, resourced provision and SEN "
        f"units are not published, so the {council.region} region's shares of plans are used"
    )
