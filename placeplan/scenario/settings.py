"""The setting each pupil needs, and which provision may serve it: the scenario's
``[settings]`` section.

A pupil needs a **special** school place, a **resourced** place (a resourced provision, an
SEN unit, or what the 2026 Schools White Paper calls a specialist inclusion base), or an
**enhanced** mainstream arrangement (an ESTA). Which kinds of provision serve which setting
is a table with defaults that follow practice: a special school serves special places and
may take a pupil who needs a resourced place; an SRP or a unit serves resourced places; an
ESTA serves enhanced ones. Two scenario choices open more:

* ``special_to_resourced``: a share of the pupils who need a special place, by need or phase, that a
  resourced provision may take instead (step-down: for example ``{ ASD = 0.15 }``);
* ``resourced_to_enhanced``: likewise, a share of resourced demand an ESTA may take.

No default lets an ESTA take a pupil who needs a special school. Inclusion scenarios
(``[[settings.shift]]``) move a share of one setting's demand to another over the plan,
reached by its last year in equal steps.

Demand recorded without a setting (a dataset from before settings were recorded) is
``any``: a specialist place, served by special schools, resourced provision and units, but
never by an ESTA.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator, model_validator

from ..codes import NEEDS, OPTION_KINDS, SITE_KINDS
from .projection import SETTINGS_CONFIG, rate_for, rate_keys

SETTINGS = ("special", "resourced", "enhanced")
#: Demand with no recorded setting: any specialist place, never an ESTA.
ANY = "any"
Setting = Literal["special", "resourced", "enhanced"]
#: A list of settings in TOML, kept as a tuple (the model is frozen).
SettingList = Annotated[tuple[Setting, ...], Strict(False)]

#: Which settings each kind of provision serves, by default.
DEFAULT_SERVES: dict[str, tuple[Setting, ...]] = {
    "special": ("special", "resourced"),
    "special_expansion": ("special", "resourced"),
    "new_special": ("special", "resourced"),
    "srp": ("resourced",),
    "unit": ("resourced",),
    "esta": ("enhanced",),
    "independent": ("special", "resourced"),
}


class Shift(BaseModel):
    """Move ``share`` of one setting's demand (for one need, or all) to another by the plan's
    last year, in equal steps."""

    # "from" is the natural key in TOML, and a Python keyword: read either name
    model_config = ConfigDict(**SETTINGS_CONFIG, populate_by_name=True)

    source: Setting = Field(..., alias="from", description="The setting demand moves from.")
    to: Setting = Field(..., description="The setting it moves to.")
    need: str = Field("all", description="A need code, or 'all'.")
    share: float = Field(..., ge=0, le=1, description="Share of the demand moved by the last plan year.")

    @field_validator("need")
    @classmethod
    def _need(cls, value: str) -> str:
        code = value.upper() if value.lower() != "all" else "all"
        if code != "all" and code not in NEEDS:
            raise ValueError(f"'{value}' is not a need code; expected one of {', '.join(NEEDS)} or all")
        return code

    @model_validator(mode="after")
    def _different(self) -> Shift:
        if self.source == self.to:
            raise ValueError(f"moves {self.source} demand to {self.to}; expected two different settings")
        return self


class Settings(BaseModel):
    """Which provision serves which setting, step-down shares and inclusion shifts."""

    model_config = SETTINGS_CONFIG

    # strict=False on the containers: TOML gives lists, which become the tuples
    serves: dict[str, SettingList] = Field(
        default_factory=lambda: dict(DEFAULT_SERVES),
        strict=False,
        description="Settings each kind of provision serves. Defaults: special schools (and their "
        "expansions, new special schools, independent schools) special and resourced; SRPs "
        "and units resourced; ESTAs enhanced.",
    )
    special_to_resourced: dict[str, float] = Field(
        default_factory=dict,
        description="Share of pupils needing a special place that a resourced provision or unit may take "
        "instead (step-down), by need, phase or NEED.phase, with 'default'; none by default.",
    )
    resourced_to_enhanced: dict[str, float] = Field(
        default_factory=dict,
        description="Share of pupils needing a resourced place that an ESTA may take instead, by need, "
        "phase or NEED.phase, with 'default'; none by default.",
    )
    shift: tuple[Shift, ...] = Field(
        (),
        strict=False,
        description="Inclusion scenarios: [[settings.shift]] from, to, need and share, reached by the "
        "plan's last year in equal steps.",
    )

    @field_validator("serves")
    @classmethod
    def _kinds(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        kinds = set(SITE_KINDS) | set(OPTION_KINDS)
        for kind in value:
            if kind not in kinds:
                raise ValueError(f"'{kind}' is not a kind of provision; expected one of {', '.join(sorted(kinds))}")
        merged = {**DEFAULT_SERVES, **value}
        if "special" in merged["esta"]:
            raise ValueError(
                "lets an ESTA take pupils who need a special school; an ESTA is support in a "
                "mainstream class, expected resourced or enhanced at most"
            )
        return merged

    @field_validator("special_to_resourced", "resourced_to_enhanced")
    @classmethod
    def _shares(cls, value: dict[str, float], info) -> dict[str, float]:
        return rate_keys(value, what=info.field_name, low=0.0, high=1.0)

    def step_down(self, table: dict[str, float], need: str, phase: str) -> float:
        """The share of a need and phase's pupils a step-down table lets go one step down."""
        return rate_for(table, need, phase, 0.0)
