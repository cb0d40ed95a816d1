"""The open data the dataset builder and the projection read: which files, which rows and
columns, and the councils its lookup names. Kept below both, so that neither imports the
other.

The full pack (``shared/data/open``, see its PROVENANCE.md) is about 11 MB; the project
ships only the rows and columns declared here, gzip-compressed, in ``data/open``.
:func:`placeplan.databuild.trim.trim_pack` writes that copy and the builder reads it, so
the two cannot disagree about what is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import OpenDataError

#: The repository's own trimmed copy, used when no --open-data folder is given.
DEFAULT_FOLDER = Path(__file__).resolve().parents[1] / "data" / "open"


@dataclass(frozen=True)
class OpenFile:
    name: str  # file name in the trimmed folder
    source: str  # file name in the full pack
    columns: tuple[str, ...]
    keep: str = ""  # a pandas query selecting the rows kept ("" keeps all)


SPECIALIST_PLACEMENTS = (
    "Special - total",
    "Mainstream - LA maintained (resourced provision)",
    "Mainstream - LA maintained (SEN unit)",
    "Mainstream - academy (resourced provision)",
    "Mainstream - academy (SEN unit)",
    "Mainstream - free school (resourced provision)",
    "Mainstream - free school (SEN unit)",
)
#: Placement rows (need file) and columns (placement file) of each setting pupils attend:
#: special schools of every kind (state, independent, non-maintained, the council's own and
#: other councils'), and resourced provision and SEN units in mainstream schools.
SETTING_PLACEMENTS = {"special": SPECIALIST_PLACEMENTS[:1], "resourced": SPECIALIST_PLACEMENTS[1:]}
NOT_RECORDED = "Placement not recorded"
ALL_PLANS = "All EHC plans"

#: Columns of the placement file that count pupils in a specialist setting.
SPECIALIST_COLUMNS = (
    "special_total",
    "mainstream_la_maintained_resourced_provision",
    "mainstream_la_maintained_senunit",
    "mainstream_academy_resourced_provision",
    "mainstream_academy_senunit",
    "mainstream_free_school_resourced_provision",
    "mainstream_free_school_senunit",
)
SETTING_COLUMNS = {"special": SPECIALIST_COLUMNS[:1], "resourced": SPECIALIST_COLUMNS[1:]}
NEED_COLUMNS = (
    "number_asd",
    "number_hi",
    "number_mld",
    "number_msi",
    "number_oth",
    "number_pd",
    "number_pmld",
    "number_semh",
    "number_slcn",
    "number_sld",
    "number_spld",
    "number_vi",
    "number_need_unknown",
)
_PLACEMENT_ROWS = ", ".join(repr(p) for p in (*SPECIALIST_PLACEMENTS, NOT_RECORDED, ALL_PLANS))

FILES: dict[str, OpenFile] = {
    f.name: f
    for f in (
        OpenFile("la_lookup.csv", "la_lookup.csv", ("la_code", "la_gss_code", "la_name", "region_code", "region_name")),
        OpenFile(
            "lsoa_population.csv.gz",
            "lsoa_population.csv.gz",
            (
                "lsoa21_code",
                "lsoa21_name",
                "la_code",
                "age_0_15",
                "age_16_24",
                "total",
                "easting",
                "northing",
                "centroid_method",
            ),
        ),
        OpenFile(
            "schools.csv.gz",
            "schools.csv.gz",
            (
                "urn",
                "establishment_name",
                "la_code",
                "establishment_type",
                "education_phase",
                "send_setting_category",
                "number_of_pupils",
                "easting",
                "northing",
            ),
            "send_setting_category in ['special_la_maintained', 'special_academy_free', "
            "'special_independent', 'special_non_maintained', 'mainstream_la_maintained', "
            "'mainstream_academy', 'mainstream_free_school']",
        ),
        OpenFile(
            "schools_capacity.csv.gz",
            "schools_capacity.csv.gz",
            (
                "urn_2025",
                "statutory_low_age",
                "statutory_high_age",
                "admissions_policy",
                "school_capacity",
                "number_of_pupils_2022",
            ),
            "urn_2025.notna()",
        ),
        OpenFile("gias_sen_provision_types.csv.gz", "gias_sen_provision_types.csv.gz", ("urn", "sen_provision_types")),
        OpenFile(
            "school_applications.csv.gz",
            "school_applications.csv.gz",
            ("urn_2025", "school_phase", "total_number_places_offered", "times_put_as_1st_preference"),
            "time_period == '202223' and urn_2025.notna()",
        ),
        OpenFile(
            "ehcp_need.csv.gz",
            "ehcp_la_need.csv",
            (
                "geographic_level",
                "region_name",
                "old_la_code",
                "la_name",
                "breakdown_topic",
                "breakdown",
                "ehc_plans",
                *NEED_COLUMNS,
            ),
            f"geographic_level != 'National' and (breakdown_topic != 'Type of placement' or "
            f"breakdown in [{_PLACEMENT_ROWS}])",
        ),
        OpenFile(
            "ehcp_placement.csv.gz",
            "ehcp_la_placement.csv",
            (
                "time_period",
                "geographic_level",
                "region_name",
                "old_la_code",
                "la_name",
                "breakdown_topic",
                "breakdown",
                "ehcplans",
                *SPECIALIST_COLUMNS,
                "special_la_maintained",
                "special_academy_free",
                "special_independent",
                "special_non_maintained",
                "placement_unknown",
            ),
            "geographic_level != 'National'",
        ),
    )
}


@dataclass(frozen=True)
class Council:
    """A council as the pack's lookup (``la_lookup.csv``) names it."""

    code: str  # DfE 3-digit code, e.g. "314"
    gss_code: str  # ONS code, e.g. "E09000021"
    name: str
    region: str


def read(folder: Path, name: str) -> pd.DataFrame:
    """One file of the (full or trimmed) pack, with the declared columns only.

    Cells stay text where the DfE writes symbols ('x' = suppressed): callers convert with
    :func:`counts`, which turns a symbol into a missing value, never a zero.
    """
    spec = FILES[name]
    path = folder / spec.name
    if not path.is_file():
        path = folder / spec.source
    if not path.is_file():
        raise OpenDataError(
            f"{folder}: {spec.name} is missing; expected the open-data pack "
            f"(run from the repository, or pass --open-data FOLDER)"
        )
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        raise OpenDataError(f"{path}: columns {', '.join(missing)} are missing; expected {', '.join(spec.columns)}")
    return frame[list(spec.columns)]


def counts(frame: pd.DataFrame, columns: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """Numeric copies of count columns; DfE symbols ('x', 'c', 'z') become NaN."""
    return frame[list(columns)].apply(pd.to_numeric, errors="coerce")
