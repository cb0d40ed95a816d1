"""The history a backtest reads: pupils by area and year, optionally by need and NCY.

``area,year,pupils`` with optional ``setting``, ``need``, ``ncy``, ``region`` and ``children``
columns. Several areas may share a file (councils, a region, England); ``region`` names the
group an area's growth is pooled with first; ``children`` its residents aged 0-24, on which
growth is also fitted (pupils per child) when 20 or more areas give it. A file without ``area`` (a dataset's ``history.csv``) is one
area, named after the file. ``year`` is the academic year of the January count as the
calendar year it starts (2024 = January 2025); ``2024/25`` and the DfE's ``202425`` are
read the same way. Every problem is reported at once, with its row and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import Problems
from ..read import read_csv
from ..schema import Column, Table

_DFE_YEAR = re.compile(r"^(\d{4})(\d{2})$")
_SLASH_YEAR = re.compile(r"^(\d{4})/(\d{2})$")


def _column(
    name: str,
    kind: str,
    description: str,
    *,
    required: bool = False,
    unit: str = "",
    low: float | None = None,
    high: float | None = None,
) -> Column:
    return Column(
        name=name,
        type=kind,
        unit=unit,
        required=required,
        default=None,
        min=low,
        max=high,
        allowed=(),
        references=(),
        description=description,
    )


TABLE = Table(
    name="history",
    required=True,
    key=("area", "setting", "need", "ncy", "year"),
    geometry=False,
    description="Pupils by area and year for a backtest.",
    columns=(
        _column(
            "area",
            "id",
            "Area: a council, a region or England. Without the column the file is one area (a dataset's history.csv).",
            required=True,
        ),
        _column(
            "year",
            "year",
            "Academic year of the January count, as the calendar year it starts.",
            required=True,
            unit="academic year starting",
            low=1990,
            high=2100,
        ),
        _column("pupils", "number", "Pupils counted that January.", required=True, unit="pupils", low=0),
        _column(
            "setting",
            "text",
            "The setting pupils are in or need (for example special, resourced, "
            "enhanced or independent); blank for all settings.",
        ),
        _column("need", "need", "Need code; blank for all needs."),
        _column("ncy", "ncy", "National Curriculum year; blank for all years.", unit="year group", low=-1, high=20),
        _column("region", "text", "Group the area is pooled with first (for example its region)."),
        _column(
            "children",
            "number",
            "Children and young people aged 0-24 living in the area (one count, "
            "for example Census 2021's). With 20 or more such areas, and no need or "
            "ncy column, growth is also fitted on pupils per child.",
            unit="residents",
            low=0,
        ),
    ),
    compare=(),
)


@dataclass(frozen=True)
class History:
    """Parsed history: columns area, year, pupils, setting ('' for all), need ('' for all),
    ncy (-99 for all), region ('' for none), children (NaN where not given)."""

    frame: pd.DataFrame
    label: str

    @property
    def has_setting(self) -> bool:
        return bool((self.frame["setting"] != "").any())

    @property
    def has_need(self) -> bool:
        return bool((self.frame["need"] != "").any())

    @property
    def has_ncy(self) -> bool:
        return bool((self.frame["ncy"] != ALL_NCY).any())

    @property
    def has_region(self) -> bool:
        return bool((self.frame["region"] != "").any())

    @property
    def has_children(self) -> bool:
        return bool(self.frame["children"].notna().any())

    @property
    def years(self) -> list[int]:
        return sorted(self.frame["year"].unique().tolist())


#: Marks "all year groups" in the parsed frame (a real NCY is -1 to 20).
ALL_NCY = -99


def _academic_years(text: pd.Series) -> pd.Series:
    """'2024/25' and '202425' -> '2024' when the second part follows the first; other text
    is left for the year column's own check."""

    def one(value: str) -> str:
        for pattern in (_DFE_YEAR, _SLASH_YEAR):
            match = pattern.match(value)
            if match and int(match.group(2)) == (int(match.group(1)) + 1) % 100:
                return match.group(1)
        return value

    return text.map(one)


def read_history(path: str | Path) -> History:
    """Read and check a backtest history file; one InputError lists every problem."""
    from ..validation.cells import parse_table

    path = Path(path)
    problems = Problems()
    raw = read_csv(path, "history", problems) if path.is_file() else None
    if raw is None:
        if not path.is_file():
            problems.error(str(path), "does not exist; expected a CSV file with columns area, year, pupils")
        problems.raise_if_errors(f"history {path}")
    assert raw is not None
    if "area" not in raw.frame.columns:
        raw.frame["area"] = path.stem
    if "year" in raw.frame.columns:
        raw.frame["year"] = _academic_years(raw.frame["year"])
    parsed = parse_table(raw, TABLE, problems)
    problems.raise_if_errors(f"history {path}")
    assert parsed is not None
    frame = pd.DataFrame(
        {
            "area": parsed["area"].astype(str),
            "year": parsed["year"].astype(int),
            "pupils": parsed["pupils"].astype(float),
            "setting": parsed["setting"].fillna("").astype(str),
            "need": parsed["need"].fillna("").astype(str),
            "ncy": parsed["ncy"].fillna(ALL_NCY).astype(int),
            "region": parsed["region"].fillna("").astype(str),
            "children": parsed["children"].astype(float),
        }
    )
    _check_keys(raw, frame, problems)
    _check_levels(raw, frame, problems)
    problems.raise_if_errors(f"history {path}")
    return History(frame=frame, label=raw.label)


def _check_keys(raw, frame: pd.DataFrame, problems: Problems) -> None:
    key = ["area", "setting", "need", "ncy", "year"]
    repeated = frame.duplicated(key, keep="first")
    first_row = {tuple(r[1:]): raw.row_number(r[0]) for r in frame.drop_duplicates(key)[key].itertuples()}
    for i in repeated[repeated].index[:25]:
        values = tuple(frame.loc[i, key])
        problems.error(
            raw.label,
            f"repeats row {first_row[values]} (the same area, setting, need, ncy and year); "
            "expected one count for each",
            row=raw.row_number(int(i)),
            column="year",
            value=values[-1],
        )


def _check_levels(raw, frame: pd.DataFrame, problems: Problems) -> None:
    """An area is counted at one level of detail: all its rows by setting or none, by need
    or none, by NCY or none; and it belongs to one region and has one child population."""
    for column, blank, words in (("setting", "", "setting"), ("need", "", "need"), ("ncy", ALL_NCY, "year group")):
        detailed = frame[column] != blank
        mixed = detailed.groupby(frame["area"]).transform(lambda s: s.any() and not s.all())
        for i in frame.index[mixed & ~detailed][:25]:
            problems.error(
                raw.label,
                f"is blank but other rows of area {frame.loc[i, 'area']} give a "
                f"{words}; expected every row of an area by {words} or none",
                row=raw.row_number(int(i)),
                column=column,
                value="",
            )
    children = frame.groupby("area")["children"].nunique()
    for area in children[children > 1].index[:25]:
        rows = frame.index[frame["area"] == area]
        first = frame.loc[rows, "children"].dropna()
        other = first[first != first.iloc[0]].index[0]
        problems.error(
            raw.label,
            f"gives area {area} a second child population ({first.iloc[0]:g} in row "
            f"{raw.row_number(int(first.index[0]))}); expected one count for each area",
            row=raw.row_number(int(other)),
            column="children",
            value=f"{frame.loc[other, 'children']:g}",
        )
    regions = frame.groupby("area")["region"].nunique()
    for area in regions[regions > 1].index[:25]:
        rows = frame.index[frame["area"] == area]
        problems.error(
            raw.label,
            f"gives area {area} more than one region "
            f"({', '.join(sorted(frame.loc[rows, 'region'].unique()))}); expected one",
            row=raw.row_number(int(rows[0])),
            column="region",
        )
