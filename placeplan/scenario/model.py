"""What a scenario may say, with every default and why it was chosen.

The models are frozen and forbid unknown fields; ``load.py`` catches unknown keys first so
that it can suggest the key that was meant. Values are read strictly
(:data:`~placeplan.scenario.projection.SETTINGS_CONFIG`): a number must be written as a
number, never ``true``, ``"5"``, ``inf`` or ``nan``, and each has a range that a plan can
mean; the limits with no other source are the ``MAX_*`` constants below.
"""

from __future__ import annotations

import itertools
import logging
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic.json_schema import JsonDict

from ..codes import NEEDS, OPTION_KINDS, PHASES, SITE_KINDS
from ..solvers import DEFAULT_PLAN_SOLVER, PLAN_SOLVERS
from . import builder
from .projection import SETTINGS_CONFIG, Cohort, rate_for, rate_keys
from .settings import Settings

log = logging.getLogger(__name__)

#: Largest demand.seed: the seed goes to numpy (any integer from 0) and, through OR-Tools'
#: MathOpt, to HiGHS, SCIP and CP-SAT as a signed 32-bit integer, so 0 to 2**31 - 1 is the
#: range every consumer takes.
MAX_SEED = 2**31 - 1
#: Largest annual cost of a pupil or a place, and of the pounds-per-unit weights: ten
#: million pounds a year is far above what any placement costs, so a larger figure is a
#: slip (and would swamp every other cost in the solver's arithmetic).
MAX_ANNUAL_POUNDS = 10_000_000
#: Largest capital budget: a hundred billion pounds, beyond any council's programme.
MAX_CAPITAL_POUNDS = 100_000_000_000
#: Marks a setting whose numbers are pounds, so that documents print them as money.
POUNDS: JsonDict = {"unit": "GBP"}
#: Years from a decision to opening, by kind of option (cited in Rules.lead_time_years).
DEFAULT_LEAD_TIMES: dict[str, int] = {"srp": 1, "esta": 1, "unit": 1, "special_expansion": 2, "new_special": 4}
#: The share of its places a new provision has in each of its first years open, by kind
#: (cited in Rules.phased_intake): Kent's 14-place SRP was funded for 4, 8 and 12 places in
#: its first three years.
KENT_SRP_INTAKE = (4 / 14, 8 / 14, 12 / 14)
DEFAULT_INTAKE: dict[str, tuple[float, ...]] = {
    "srp": KENT_SRP_INTAKE,
    "unit": KENT_SRP_INTAKE,
    "esta": KENT_SRP_INTAKE,
    "new_special": KENT_SRP_INTAKE,
    "special_expansion": (),
}
#: Longest phased intake, in years.
MAX_INTAKE_YEARS = 10
#: Years from a dataset's base year to the first year a plan can reach by default: the base
#: year's January census is published the next year, a decision on it is taken the year
#: after, and provision opens the September after that.
PLAN_YEARS_AFTER_BASE = 3
#: Longest lead time: beyond any plan's horizon.
MAX_LEAD_YEARS = 30
#: Longest solver time limit: a week. Longer cannot be meant, and the solver's own clock
#: overflows well before 1e300 seconds.
MAX_SECONDS = 7 * 24 * 3600


class Section(BaseModel):
    model_config = SETTINGS_CONFIG


def _folder_path(value: str) -> str:
    """A folder setting no file system can hold is refused here, not when it is written."""
    if "\x00" in value:
        raise ValueError("contains a NUL character; expected a folder path")
    return value


class Horizon(Section):
    first_year: int | None = Field(
        None,
        ge=2000,
        le=2100,
        description="First academic year of the plan, as the calendar year it starts: the first "
        "September a decision taken now could reach (the years between the dataset's "
        "base year and it are projected, not planned). Blank means three years after "
        "the base year: its January census is published the year after, decided on in "
        "the next, and the plan's first September follows (a 2024/25 base, January "
        "2025, plans from 2027/28).",
    )
    years: int = Field(5, ge=1, le=30, description="Number of academic years planned.")
    decision_year: int | None = Field(
        None,
        ge=2000,
        le=2100,
        description="The academic year the council decides in, as the calendar year it starts; "
        "rules.lead_time_years count from it (an option can open no earlier than "
        "decision_year + its lead time). Blank means the year before the first plan "
        "year: decided this school year, for the plan's first September.",
    )

    def first_plan_year(self, base_year: int) -> int:
        """The plan's first year, given the dataset's base year."""
        return self.first_year if self.first_year is not None else base_year + PLAN_YEARS_AFTER_BASE

    def decided_in(self, first_year: int) -> int:
        """The decision year, given the plan's first year."""
        return self.decision_year if self.decision_year is not None else first_year - 1


class Demand(Section):
    method: Literal["trend", "cohort", "prevalence", "growth"] = Field(
        "trend",
        description="How demand is projected (docs/projection.md): 'trend' grows each need by the "
        "council's growth shrunk toward its region's and England's; 'cohort' moves "
        "pupils up a year group each year with joiners and leavers; 'prevalence' "
        "applies pupils per child to population projections with a trend in the "
        "rate; 'growth' applies the annual rates in demand.growth. Setting growth "
        "without a method means 'growth'.",
    )
    growth: dict[str, float] = Field(
        default_factory=lambda: {"default": 0.10},
        description="With method = 'growth': annual growth in pupils needing a specialist place, by "
        "need code, with 'default' for the rest. 0.10 is England's EHC-plan growth "
        "2019-2025 (353,995 to 638,745 is 10.3% a year).",
    )
    percentile: int = Field(50, ge=1, le=99, description="Which percentile of projected demand to plan for.")
    seed: int = Field(
        20250101,
        ge=0,
        le=MAX_SEED,
        description="Seed for any random draws (and the solver's), so runs repeat exactly: "
        "a whole number from 0 to 2,147,483,647 (32 bits, what the solvers take).",
    )
    draws: int = Field(1000, ge=100, le=100_000, description="Monte Carlo draws behind P10, P50 and P90.")
    pool: bool = Field(
        True,
        description="Pool the council's growth with its region's and England's (DfE series of "
        "pupils in specialist settings); false uses the council's own history alone.",
    )
    rate_trend: float | None = Field(
        None,
        ge=-0.5,
        le=1.0,
        description="With method = 'prevalence': annual change in pupils per child. Blank: the trend "
        "method's growth less the child population's growth over the history years.",
    )
    share_change: dict[str, float] = Field(
        default_factory=dict,
        description="Change in the share of pupils with plans who need a specialist place, in "
        "fractions of all plans (-0.05 = 5 points fewer), reached by the last plan year "
        "in equal steps, by need, phase or NEED.phase, with 'default'. For example an "
        "inclusion scenario: { default = -0.05 }.",
    )
    cohort: Cohort = Field(default_factory=Cohort)

    @model_validator(mode="before")
    @classmethod
    def _growth_means_growth(cls, data: object) -> object:
        if isinstance(data, dict) and "growth" in data and "method" not in data:
            return {**data, "method": "growth"}
        return data

    @field_validator("growth")
    @classmethod
    def _need_codes(cls, value: dict[str, float]) -> dict[str, float]:
        out = {}
        given: dict[str, str] = {}
        for key, rate in value.items():
            code = key.upper() if key.lower() != "default" else "default"
            if code != "default" and code not in NEEDS:
                raise ValueError(f"'{key}' is not a need code; expected one of {', '.join(NEEDS)} or default")
            if not -0.5 <= rate <= 1.0:
                raise ValueError(f"growth for {key} is {rate}; expected -0.5 to 1.0 a year")
            if code in given:
                raise ValueError(f"'{given[code]}' and '{key}' both name {code}; expected each need once")
            given[code] = key
            out[code] = rate
        return out

    @field_validator("share_change")
    @classmethod
    def _shares(cls, value: dict[str, float]) -> dict[str, float]:
        return rate_keys(value, what="share change", low=-1.0, high=1.0)


class PhaseMinutes(Section):
    """Longest acceptable one-way journey by phase. 45 and 75 minutes are the limits the
    DfE travel-to-school guidance gives and councils' transport policies cite; nursery
    follows primary and post-19 follows post-16."""

    nursery: float = Field(
        45, gt=0, le=1_000_000, description="Longest one-way journey for a nursery pupil, in minutes (as primary)."
    )
    primary: float = Field(
        45,
        gt=0,
        le=1_000_000,
        description="Longest one-way journey for a primary pupil, in minutes (DfE travel-to-school guidance: 45).",
    )
    secondary: float = Field(
        75,
        gt=0,
        le=1_000_000,
        description="Longest one-way journey for a secondary pupil, in minutes (DfE travel-to-school guidance: 75).",
    )
    post16: float = Field(
        75, gt=0, le=1_000_000, description="Longest one-way journey for a post-16 pupil, in minutes (as secondary)."
    )
    post19: float = Field(
        75, gt=0, le=1_000_000, description="Longest one-way journey for a post-19 pupil, in minutes (as post-16)."
    )


class Travel(Section):
    source: Literal["auto", "straight_line", "table"] = Field(
        "auto",
        description="'table' uses the dataset's travel table, 'straight_line' estimates "
        "from distance; 'auto' uses the table when the dataset has one.",
    )
    circuity: float = Field(
        1.3,
        ge=1.0,
        le=3.0,
        description="Road distance divided by straight-line distance. Around 1.2-1.4 in "
        "English road networks; 1.3 is a middle value.",
    )
    speed_kmh: float = Field(
        30.0,
        gt=0,
        le=120,
        description="Average road speed of home-to-school transport (the fixed time at the ends "
        "is terminal_minutes). 30 km/h allows for urban traffic and pick-ups on shared "
        "routes: 17% slower than real car journeys under 10 km in Devon, and under the "
        "DfT's 41 km/h on England's local 'A' roads in the morning peak (docs/travel.md).",
    )
    terminal_minutes: float = Field(
        5.0,
        ge=0,
        le=120,
        description="Minutes added to every journey estimated from distance (not to a travel "
        "table's own minutes): the door-to-door time beyond driving. Real car "
        "journeys in Devon (benchmarks/travel_calibration.py, docs/travel.md) fit "
        "about 2.5 minutes plus distance on short trips; 5 adds getting a pupil in "
        "and out at each end. The reach of each limit shrinks by it.",
    )
    unreachable_minutes: float = Field(
        9999, gt=0, le=1_000_000, description="Marker in a travel table meaning no route exists."
    )
    missing_pairs: Literal["error", "unreachable", "straight_line"] = Field(
        "error", description="What a travel table's missing zone-site pair means."
    )
    max_minutes: PhaseMinutes = Field(default_factory=PhaseMinutes)


def _default_annual_costs() -> dict[str, float]:
    """Annual cost of a place by kind, where a dataset gives none: the builder's cited
    defaults (``placeplan/scenario/builder.toml``), so both read one table."""
    table = dict(builder.defaults().annual_cost_per_place)
    table.setdefault("special_expansion", table["special"])
    table.setdefault("new_special", table["special"])
    return table


def _defaults_table(key: str) -> dict[str, float]:
    """A table of ``placeplan/scenario/builder.toml`` by kind ({} when it has none)."""
    import tomllib
    from importlib import resources

    text = resources.files(__package__).joinpath("builder.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text).get(key, {})
    if not isinstance(table, dict):
        return {}
    return {k: float(v) for k, v in table.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _by_option_kind(value: dict, defaults: dict, *, what: str, expected: str, high: float) -> dict:
    """A table by kind of option over its defaults: every key a kind of option, every value
    from 0 to ``high``."""
    for key, item in value.items():
        if key not in OPTION_KINDS:
            raise ValueError(f"'{key}' is not a kind of option; expected one of {', '.join(OPTION_KINDS)}")
        if not 0 <= item <= high:
            raise ValueError(f"{what} for {key} is {item:g}; expected {expected}")
    return {**defaults, **value}


def _default_annual_fixed_costs() -> dict[str, float]:
    """Annual running cost of an opened option by kind, where a dataset gives none: the
    builder's defaults (``[annual_fixed_cost]`` in ``placeplan/scenario/builder.toml``,
    each stated there as an assumption with its reasoning), 0 for a kind it does not name."""
    table = _defaults_table("annual_fixed_cost")
    return {kind: table.get(kind, 0.0) for kind in OPTION_KINDS}


class Costs(Section):
    discount_rate: float = Field(
        0.035,
        ge=0,
        le=0.2,
        description="Annual discount rate for future costs: 3.5% is HM Treasury's Green Book "
        "social time preference rate.",
    )
    transport_per_pupil: float = Field(
        9800,
        json_schema_extra=POUNDS,
        ge=0,
        le=MAX_ANNUAL_POUNDS,
        description="Annual home-to-school transport cost per pupil with SEND at the "
        "reference distance: County Councils Network, March 2024 (£9,800 "
        "in 2023/24).",
    )
    transport_reference_km: float = Field(
        10.0,
        gt=0,
        le=1000,
        description="The one-way journey that costs transport_per_pupil; transport "
        "costs scale with distance from it. Assumption: about three times "
        "a mainstream pupil's journey (EPI, 'Access to special schools').",
    )
    fallback_per_pupil: float = Field(
        64000,
        json_schema_extra=POUNDS,
        ge=0,
        le=MAX_ANNUAL_POUNDS,
        description="Annual cost of an independent or out-of-area placement: "
        "DfE parliamentary answer, 7 January 2026 (about £64,000). "
        "Transport at the reference distance is added.",
    )
    fallback_by_need: dict[str, float] = Field(
        default_factory=dict,
        json_schema_extra=POUNDS,
        description="Fallback cost by need code (or need.phase, e.g. 'SEMH.secondary'), where it "
        "differs from fallback_per_pupil.",
    )
    annual_cost_per_place: dict[str, float] = Field(
        default_factory=_default_annual_costs,
        json_schema_extra=POUNDS,
        description="Annual cost of a place by kind of provision, used where the dataset gives none.",
    )
    annual_fixed_cost: dict[str, float] = Field(
        default_factory=_default_annual_fixed_costs,
        json_schema_extra=POUNDS,
        description="Annual cost of running an opened option whatever its roll (the staffing base of "
        "a unit: a teacher and assistants), by kind of option, used where the dataset's "
        "candidates give none; paid every year from opening to the end of the plan, on top "
        "of the annual cost of its places. No council publishes a whole-unit running cost "
        "(costs-evidence.md), so the defaults, from placeplan/scenario/builder.toml "
        "([annual_fixed_cost]; 0 for a kind it does not name), are assumptions.",
    )
    travel_minute_weight: float = Field(
        0.0,
        json_schema_extra=POUNDS,
        ge=0,
        le=MAX_ANNUAL_POUNDS,
        description="Optional weight: pounds per pupil per minute of one-way journey "
        "per year, to prefer shorter journeys beyond their transport cost.",
    )

    @field_validator("annual_fixed_cost")
    @classmethod
    def _option_kinds(cls, value: dict[str, float]) -> dict[str, float]:
        return _by_option_kind(
            value,
            _default_annual_fixed_costs(),
            what="running cost",
            expected=f"0 to {MAX_ANNUAL_POUNDS:,} a year",
            high=MAX_ANNUAL_POUNDS,
        )

    @field_validator("annual_cost_per_place")
    @classmethod
    def _kinds(cls, value: dict[str, float]) -> dict[str, float]:
        kinds = set(SITE_KINDS) | set(OPTION_KINDS)
        for key, cost in value.items():
            if key not in kinds:
                raise ValueError(f"'{key}' is not a kind of provision; expected one of {', '.join(sorted(kinds))}")
            if not 0 <= cost <= MAX_ANNUAL_POUNDS:
                raise ValueError(f"cost for {key} is {cost:g}; expected 0 to {MAX_ANNUAL_POUNDS:,} a place a year")
        return {**_default_annual_costs(), **value}

    @field_validator("fallback_by_need")
    @classmethod
    def _need_phase_keys(cls, value: dict[str, float]) -> dict[str, float]:
        return rate_keys(
            value, what="fallback cost", low=0.0, high=MAX_ANNUAL_POUNDS, unit=" a pupil a year", needs_only=True
        )

    def fallback(self, need: str, phase: str) -> float:
        """Annual cost of placing one pupil of this need and phase out of area."""
        return rate_for(self.fallback_by_need, need, phase, self.fallback_per_pupil)


class Rules(Section):
    capital_budget: float | None = Field(
        None,
        json_schema_extra=POUNDS,
        ge=0,
        le=MAX_CAPITAL_POUNDS,
        description="Total capital over the horizon (GBP); leave out for no limit.",
    )
    capital_budget_per_year: float | None = Field(
        None,
        json_schema_extra=POUNDS,
        ge=0,
        le=MAX_CAPITAL_POUNDS,
        description="Capital in any one year (GBP); leave out for no limit.",
    )
    max_new_options: int | None = Field(
        None, ge=0, le=100_000, description="Most options that may be opened; leave out for no limit."
    )
    host_preference: Literal["require", "weight", "ignore"] = Field(
        "require",
        description="'require': hosted options (SRP, ESTA, unit) only at schools whose "
        "first-preference ratio reaches the threshold, as councils do so that "
        "parents choose them; 'weight': prefer them by host_weight; 'ignore'.",
    )
    min_host_first_preference_ratio: float = Field(
        1.0, ge=0, le=100, description="First preferences per place offered that a host school must reach."
    )
    host_weight: float = Field(
        2000.0,
        json_schema_extra=POUNDS,
        ge=0,
        le=MAX_ANNUAL_POUNDS,
        description="With host_preference = 'weight': pounds per place per year for "
        "each unit the host's first-preference ratio falls below the threshold.",
    )
    min_occupancy: float = Field(
        0.0, ge=0, le=1, description="Smallest share of an opened option's places that must be filled."
    )
    min_deliverability: float = Field(0.0, ge=0, le=1, description="Options below this deliverability are excluded.")
    deliverability_weight: float = Field(
        0.0,
        json_schema_extra=POUNDS,
        ge=0,
        le=MAX_ANNUAL_POUNDS,
        description="Pounds per place per year for each unit of deliverability below 1: "
        "discounts options that may not be delivered.",
    )
    # strict=False: TOML gives a list, which becomes the tuple; each id must still be text.
    force_open: tuple[str, ...] = Field(
        (), strict=False, description="Option ids that must open (consultation outcomes)."
    )
    exclude: tuple[str, ...] = Field((), strict=False, description="Option ids that must not open.")
    allow_fallback: bool = Field(True, description="Allow independent or out-of-area placements.")
    pupils_stay: bool = Field(
        True,
        description="Pupils stay where they are placed: those placed before the plan keep their "
        "placements, and each year's joiners (new plans, arrivals, and everyone at a transfer "
        "point: Reception, Year 7, 12 and 15) are placed and stay until the next, unless they "
        "reach a year group their provision does not admit (an infant school's Year 3), when "
        "they are placed again. false places every pupil afresh every year.",
    )
    host_max_share_of_roll: float = Field(
        0.10,
        ge=0,
        le=1,
        description="The largest a hosted option (SRP, ESTA, unit) may be, as a share of its host "
        "school's pupils on roll (candidates' host_on_roll): larger sizes are cut to it, and "
        "an option whose smallest size is above it is ruled out. Assumption: 10%, so that "
        "the unit's pupils stay part of a mainstream school (a 210-pupil primary may host "
        "up to 21 places; Hertfordshire's primary SRPs have 12, its secondary ones 20: "
        "costs-evidence.md, 'Lead times and sizes').",
    )
    allow_selective_hosts: bool = Field(
        False,
        description="Allow hosted options at schools that select by ability (host_selective = yes, "
        "grammar schools), which do not admit most pupils the unit would serve.",
    )
    allow_several_per_host: bool = Field(
        False,
        description="Allow more than one hosted option (an SRP and an ESTA, say) at one host school; "
        "by default at most one of a school's candidates opens.",
    )
    lead_time_years: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_LEAD_TIMES),
        description="Years from the decision (horizon.decision_year) to the first September an option can "
        "take pupils, by kind (costs-evidence.md, 'Lead times and sizes'). srp, esta, unit: 1: "
        "a prescribed alteration needs four weeks for representations, and councils open "
        "within the year (Kent: decided December 2025, SRP September 2026; North Yorkshire: "
        "decided December 2022, unit open January 2023); academies also need a DfE "
        "significant-change application. special_expansion: 2, an assumption: building work "
        "on a school's own site, a year to design and consult and a year to build; a new "
        "building takes longer (Surrey's Freemantles, 72 places: brief approved September 2019, "
        "places September 2023): set 4 for such a scheme. new_special: 4 (a free school takes "
        "about 26 months from approval to opening, and the approval follows the bid; one of 37 "
        "special and alternative-provision free schools announced in 2020 was in a permanent "
        "building two years later).",
    )
    phased_intake: dict[str, list[float]] = Field(
        default_factory=lambda: {kind: list(shares) for kind, shares in DEFAULT_INTAKE.items()},
        description="The share of its places a new option has in each of its first years open, by kind; all "
        "of them from the year after the list ends ([]: all from opening; a kind a scenario "
        "leaves out keeps its default). A provision opens with a class and grows as pupils join at "
        "transfer points: Kent's 14-place speech and language SRP was funded for 4, 8 and 12 "
        "places in its first three years (costs-evidence.md, 'Resourced provision and units'), "
        "the default for srp and unit (0.29, 0.57, 0.86). esta and new_special take the same "
        "shares, an assumption: an ESTA is staffed like a small unit, and a new special school "
        "opens with some year groups and adds the rest. special_expansion: [], an assumption: "
        "new classrooms at a running school are filled from its waiting pupils at once. The "
        "places an option has in a year are what it can hold, what its minimum occupancy is "
        "a share of, and what its per-place annual cost is paid on; its capital is spent when "
        "it opens.",
    )
    revenue_limit_per_year: float | None = Field(
        None,
        json_schema_extra=POUNDS,
        ge=0,
        le=MAX_CAPITAL_POUNDS,
        description="High-needs revenue for new provision: the most the options opened may cost to run in "
        "any plan year (their places at their annual cost plus their annual fixed costs, "
        "undiscounted, weights apart), in GBP; leave out for no limit.",
    )

    @field_validator("phased_intake")
    @classmethod
    def _intake_kinds(cls, value: dict[str, list[float]]) -> dict[str, list[float]]:
        for kind, shares in value.items():
            if kind not in OPTION_KINDS:
                raise ValueError(f"'{kind}' is not a kind of option; expected one of {', '.join(OPTION_KINDS)}")
            if len(shares) > MAX_INTAKE_YEARS:
                raise ValueError(
                    f"the intake for {kind} lists {len(shares)} years; expected at most {MAX_INTAKE_YEARS}"
                )
            if any(not 0 < share <= 1 for share in shares):
                raise ValueError(
                    f"the intake for {kind} has a share outside 0 to 1: "
                    f"{', '.join(f'{x:g}' for x in shares)}; expected shares above 0 and at most 1"
                )
            if any(b < a for a, b in itertools.pairwise(shares)):
                raise ValueError(
                    f"the intake for {kind} falls from one year to the next: "
                    f"{', '.join(f'{x:g}' for x in shares)}; expected shares that never fall"
                )
        return {**{kind: list(shares) for kind, shares in DEFAULT_INTAKE.items()}, **value}

    @field_validator("lead_time_years")
    @classmethod
    def _lead_kinds(cls, value: dict[str, int]) -> dict[str, int]:
        return _by_option_kind(
            value, DEFAULT_LEAD_TIMES, what="lead time", expected=f"0 to {MAX_LEAD_YEARS} years", high=MAX_LEAD_YEARS
        )


class Solve(Section):
    solver: str = Field(
        DEFAULT_PLAN_SOLVER,
        json_schema_extra={"enum": list(PLAN_SOLVERS)},
        description="The MIP solver behind OR-Tools: " + ", ".join(PLAN_SOLVERS) + ". HiGHS proves the "
        "shipped scenarios' plans fastest (benchmarks/solve.py); CP-SAT cannot take continuous flows.",
    )
    time_limit_s: float = Field(
        120, gt=0, le=MAX_SECONDS, description="Seconds before the best plan found is returned with its gap."
    )
    relative_gap: float = Field(
        0.0, ge=0, le=1, description="Stop when the plan is proven within this share of the optimum."
    )
    threads: int = Field(1, ge=1, le=64, description="Solver threads; 1 gives the same plan every run.")
    search: bool = Field(
        True,
        description="After the first plan (rounded from the linear relaxation), search for a better "
        "one until relative_gap or time_limit_s. false: the first plan, with "
        "its proven gap, so that no clock decides it (the national sweep's "
        "setting).",
    )
    explain: bool = Field(
        True,
        description="Work out each chosen option's value to the plan: its cost without "
        "the option, the rest of the plan as it is (explain.csv).",
    )
    explain_workers: int = Field(
        2,
        ge=1,
        le=64,
        description="Processes for the options' values (each uses one thread; each value is "
        "exact, so the figures do not depend on how many).",
    )

    @field_validator("solver")
    @classmethod
    def _known_solver(cls, value: str) -> str:
        if value not in PLAN_SOLVERS:
            raise ValueError(
                f"'{value}' is not a solver placeplan can plan with; expected one of {', '.join(PLAN_SOLVERS)}"
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _retired(cls, data: object) -> object:
        """explain_time_limit_s capped each option's re-solve; the values are now exact and take
        no clock, so a scenario (or a solved folder's scenario.json) that still sets it is read
        without it."""
        if isinstance(data, dict) and "explain_time_limit_s" in data:
            log.warning(
                "solve.explain_time_limit_s is no longer used: each option's value is proven exactly, "
                "with no time limit"
            )
            return {k: v for k, v in data.items() if k != "explain_time_limit_s"}
        return data

    max_zones: int = Field(
        60,
        ge=0,
        le=1_000_000,
        description="Plan with at most this many clusters of nearby zones (0: every zone). "
        "Fewer points solve faster; each pupil keeps their own zone in the "
        "outputs, but travel is measured from a representative zone of the "
        "cluster (the log gives the largest distance to it).",
    )


class Output(Section):
    folder: str = Field(
        "", description="Where results go, relative to the scenario file. Blank means out/<scenario file name>."
    )
    suppression_threshold: int = Field(
        5,
        ge=0,
        le=1000,
        description="Counts of pupils from 1 to below this are shown as '<N' in public outputs "
        "(with 5, counts of 1 to 4 show as '<5').",
    )

    @field_validator("folder")
    @classmethod
    def _folder(cls, value: str) -> str:
        return _folder_path(value)


class Scenario(Section):
    name: str = Field("", description="The scenario's name, printed on every document.")
    description: str = Field("", description="What the scenario is for, in a sentence.")
    dataset: str = Field(..., description="Dataset folder, relative to the scenario file that names it.")
    horizon: Horizon = Field(default_factory=Horizon)
    demand: Demand = Field(default_factory=Demand)
    travel: Travel = Field(default_factory=Travel)
    costs: Costs = Field(default_factory=Costs)
    rules: Rules = Field(default_factory=Rules)
    solve: Solve = Field(default_factory=Solve)
    output: Output = Field(default_factory=Output)
    settings: Settings = Field(default_factory=Settings)

    @field_validator("dataset")
    @classmethod
    def _dataset_path(cls, value: str) -> str:
        return _folder_path(value)

    @property
    def phase_limits(self) -> dict[str, float]:
        return {phase: getattr(self.travel.max_minutes, phase) for phase in PHASES}
