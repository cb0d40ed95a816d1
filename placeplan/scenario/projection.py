"""Settings of the projection methods that the scenario's ``[demand]`` section nests
(``[demand.cohort]``), and the need/phase-keyed rate tables they share. Kept with the
scenario, on the ground floor, so that :mod:`placeplan.projection`'s methods read them and
the scenario's models nest them without either importing the other."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..codes import NEEDS, PHASES

#: How every settings model reads its values: frozen, unknown keys refused, and strict, so
#: a number is a number (not ``true``, not the text "5") and never ``inf`` or ``nan``; a
#: list is still taken where a tuple is kept (TOML has lists only).
SETTINGS_CONFIG = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


def rate_keys(
    value: dict[str, float], *, what: str, low: float, high: float, unit: str = "", needs_only: bool = False
) -> dict[str, float]:
    """A need/phase-keyed table read: keys 'default', a need code, a phase or NEED.phase
    (with ``needs_only``, a need code or NEED.phase: the table's default is a setting of
    its own), values within [low, high]; each key written as :func:`rate_for` looks it up.
    Two keys that name the same entry (``asd`` and ``ASD``) are refused: only one could
    count."""
    out: dict[str, float] = {}
    given: dict[str, str] = {}
    for key, rate in value.items():
        need, dot, phase = key.partition(".")
        if not needs_only and key.lower() == "default":
            code = "default"
        elif not needs_only and not dot and key.lower() in PHASES:
            code = key.lower()
        elif need.upper() in NEEDS and (not dot or phase.lower() in PHASES):
            code = need.upper() + (f".{phase.lower()}" if dot else "")
        else:
            raise ValueError(_not_a_key(key, needs_only))
        if not low <= rate <= high:
            raise ValueError(f"{what} for {key} is {rate:g}; expected {_figure(low)} to {_figure(high)}{unit}")
        if code in given:
            raise ValueError(f"'{given[code]}' and '{key}' both name {code}; expected each entry once")
        given[code] = key
        out[code] = rate
    return out


def _figure(value: float) -> str:
    """A bound as a reader writes it: 10,000,000 rather than 1e+07, 0.5 as 0.5."""
    return f"{value:,.0f}" if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"


def _not_a_key(key: str, needs_only: bool) -> str:
    codes = f"(needs: {', '.join(NEEDS)}; phases: {', '.join(PHASES)})"
    if needs_only:
        return f"'{key}' is not a need code or NEED.phase; expected e.g. SEMH or SEMH.secondary {codes}"
    return f"'{key}' is not a need code, a phase or NEED.phase; expected e.g. default, ASD, secondary or SEMH.secondary {codes}"


def rate_for(table: dict[str, float], need: str, phase: str, default: float) -> float:
    """The most specific entry of a need/phase-keyed table: NEED.phase, need, phase, default."""
    for key in (f"{need}.{phase}", need, phase, "default"):
        if key in table:
            return table[key]
    return default


class Cohort(BaseModel):
    """Rates of the cohort method. With source 'auto' they are estimated from the dataset's
    history by year group when it has one, else from the council's pupils in specialist
    settings by age in January 2024 and 2025 (DfE), pooled toward England's; 'scenario'
    uses join, cease and the two stay rates below instead."""

    model_config = SETTINGS_CONFIG

    source: Literal["auto", "history", "open_data", "scenario"] = Field(
        "auto",
        description="Where progression rates come from: 'auto' (history by NCY if the dataset has "
        "it, else the DfE's ages), 'history', 'open_data' or 'scenario'.",
    )
    join: dict[str, float] = Field(
        default_factory=dict,
        description="With source = 'scenario': new pupils a year per pupil moving up (for nursery and "
        "reception: per pupil already in the year group), by need, phase or NEED.phase, "
        "with 'default'. Blank means 0.",
    )
    cease: dict[str, float] = Field(
        default_factory=dict,
        description="With source = 'scenario': share of pupils whose plans cease or who leave specialist "
        "provision each year, by need, phase or NEED.phase, with 'default'. Blank means 0.",
    )
    stay_post16: float = Field(
        0.54,
        ge=0,
        le=1,
        description="With source = 'scenario': share of Year 11 pupils still in specialist settings in "
        "Year 12. 0.54 is England's: 10,619 pupils aged 16 in January 2025 for 19,781 "
        "aged 15 in January 2024 (DfE, EHC plans 2025).",
    )
    stay_post19: float = Field(
        0.19,
        ge=0,
        le=1,
        description="With source = 'scenario': share of Year 14 pupils still in specialist settings in "
        "Year 15. 0.19 is England's: 1,056 aged 19 in January 2025 for 5,614 aged 18 in "
        "January 2024 (DfE, EHC plans 2025).",
    )
    prior_pupils: float = Field(
        20.0,
        ge=0,
        le=1_000_000,
        description="How many pupils England's (or the wider pool's) rates count for when a council's "
        "own rates are pooled toward them: small year groups move little from England's.",
    )

    @field_validator("join")
    @classmethod
    def _join(cls, value: dict[str, float]) -> dict[str, float]:
        return rate_keys(value, what="join rate", low=0.0, high=20.0)

    @field_validator("cease")
    @classmethod
    def _cease(cls, value: dict[str, float]) -> dict[str, float]:
        return rate_keys(value, what="cease rate", low=0.0, high=1.0)
