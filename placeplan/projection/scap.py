"""The council's forecast in the shape of the DfE's SCAP specialist-provision return.

Since 2023 the school capacity survey (SCAP) asks each council for forecasts of its
resident pupils with an EHC plan who will need a specialist place: five academic years
for primary and seven for secondary. placeplan's mapping:

* pupils: the projection's P50 of pupils needing a specialist place (special schools,
  resourced provision and SEN units, state or independent), who live in the council: the
  dataset's demand is by home zone, so these are resident pupils; whole numbers;
* primary: reception to Year 6 (NCY 0-6), the first five plan years;
* secondary: Years 7 to 11 (NCY 7-11), the first seven plan years;
* post16: Years 12 to 14 in school-based specialist provision (NCY 12-14), seven years,
  as a separate line: SCAP counts sixth-form places of secondary specialist provision
  with secondary, so a council adds this line to secondary where its special schools
  have sixth forms;
* nursery (NCY -1) and post-19 (NCY 15-20) are outside SCAP and left out;
* p10 and p90 give the range around the forecast, for the council's own use.
"""

from __future__ import annotations

import pandas as pd

from .project import Projection

SCAP_PHASES = {
    "primary": ("reception to Year 6 (NCY 0-6)", 5),
    "secondary": ("Years 7 to 11 (NCY 7-11)", 7),
    "post16": ("Years 12 to 14 (NCY 12-14), SCAP counts them with secondary", 7),
}


def scap_table(projection: Projection, *, area: str) -> pd.DataFrame:
    """area, la_codes, academic_year, phase, year_groups, pupils, p10, p90."""
    first = projection.years[0]
    totals = projection.phase_totals
    rows = []
    for phase, (groups, count) in SCAP_PHASES.items():
        for year in range(first, first + count):
            found = totals[(totals["phase"] == phase) & (totals["year"] == year)]
            if found.empty:
                continue
            row = found.iloc[0]
            rows.append(
                (
                    area,
                    ";".join(projection.codes),
                    f"{year}/{(year + 1) % 100:02d}",
                    phase,
                    groups,
                    int(round(row["p50"])),
                    int(round(row["p10"])),
                    int(round(row["p90"])),
                )
            )
    return pd.DataFrame(
        rows, columns=["area", "la_codes", "academic_year", "phase", "year_groups", "pupils", "p10", "p90"]
    )


def years_needed(years: list[int]) -> int:
    """Extra years beyond the plan that SCAP's longest phase needs."""
    longest = max(count for _, count in SCAP_PHASES.values())
    return max(0, years[0] + longest - 1 - years[-1])
