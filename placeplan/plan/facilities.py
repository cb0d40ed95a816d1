"""Sites and options as facilities the model can place pupils at, with the scenario's rules.

Every option the rules rule out (excluded by the scenario, a host that is not
oversubscribed when oversubscription is required, deliverability below the threshold, a
host school too small, selective or of the wrong ages, opening after the horizon) is kept in
the table with the reason, so the shortlist can say why it was never in the running.

The host rules (:func:`host_rules`) apply to hosted options (SRP, ESTA, unit):

* size: the largest size is at most ``rules.host_max_share_of_roll`` of the host's pupils on
  roll (``host_on_roll``); larger sizes are cut to it, and an option whose smallest size is
  above it is ruled out;
* selection: no hosted option at a selective school (``host_selective = yes``) unless
  ``rules.allow_selective_hosts``;
* ages: the host's age range (``host_ncy_min`` to ``host_ncy_max``) must hold the option's;
* one per host: at most one of a school's hosted options opens (``host_group``, the host's
  ``site_id``, becomes an exclusive group of the core) unless ``rules.allow_several_per_host``.

A rule whose column (or cell) is missing cannot be checked: it does not apply to that option,
and the log says how many options could not be checked.

Timing (:func:`earliest_years`): an option opens no earlier than its own ``earliest_year``
and no earlier than ``horizon.decision_year`` plus the lead time of its kind
(``rules.lead_time_years``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..checks import option_id_problems
from ..codes import HOSTED_KINDS, NEEDS, PHASES
from ..scenario.model import Scenario

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Facilities:
    """Existing sites first, then options; one row each, in the core's facility order."""

    table: pd.DataFrame  # facility_id, name, kind, is_option, ncy_min, ncy_max, needs (set), ...
    admits: np.ndarray  # (F, needs) bool: facility admits need
    site_count: int

    @property
    def options(self) -> pd.DataFrame:
        return self.table.iloc[self.site_count :]

    @property
    def sites(self) -> pd.DataFrame:
        return self.table.iloc[: self.site_count]


def _needs_matrix(cells: pd.Series) -> np.ndarray:
    """Facility x need code: admitted. Cells are the validated tuples of codes."""
    codes = list(NEEDS)
    out = np.zeros((len(cells), len(codes)), dtype=bool)
    for i, cell in enumerate(cells):
        for need in cell:
            out[i, codes.index(need)] = True
    return out


def _annual_cost(frame: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    by_kind = frame["kind"].map(scenario.costs.annual_cost_per_place).astype(float)
    given = frame.get("annual_cost_per_place")
    return (given.astype(float).fillna(by_kind) if given is not None else by_kind).to_numpy()


def _annual_fixed(options: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Each option's annual running cost: its own, else the scenario's by kind."""
    by_kind = options["kind"].map(scenario.costs.annual_fixed_cost).astype(float).fillna(0.0)
    given = options.get("annual_fixed_cost")
    return (given.astype(float).fillna(by_kind) if given is not None else by_kind).to_numpy()


def _column(options: pd.DataFrame, name: str) -> pd.Series:
    """A column as numbers, NaN where the dataset has no value (or no such column)."""
    if name not in options:
        return pd.Series(np.nan, index=options.index, dtype=float)
    return pd.to_numeric(options[name], errors="coerce").astype(float)


def _ncy_label(low: float, high: float) -> str:
    return f"NCY {int(low)}" if low == high else f"NCY {int(low)} to {int(high)}"


@dataclass(frozen=True)
class HostRules:
    """What the host rules make of each option (aligned with the options' rows)."""

    max_places: pd.Series  # the largest size after the share-of-roll cut
    reason: pd.Series  # why a host rule rules the option out ('' when none does)
    group: pd.Series  # host school of the one-per-host rule ('' when it does not apply)
    unchecked: dict[str, int]  # rule -> hosted options it could not be checked for


def host_rules(options: pd.DataFrame, scenario: Scenario) -> HostRules:
    """The host suitability rules (module docstring) for every option."""
    rules = scenario.rules
    hosted = options["kind"].isin(HOSTED_KINDS)
    reason = pd.Series("", index=options.index, dtype=object)
    unchecked: dict[str, int] = {}

    def mark(mask: pd.Series, text: pd.Series | str) -> None:
        mask = mask & hosted & (reason == "")
        reason[mask] = text[mask] if isinstance(text, pd.Series) else text

    roll = _column(options, "host_on_roll")
    largest = _column(options, "max_places")
    smallest = _column(options, "min_places")
    cap = np.floor(rules.host_max_share_of_roll * roll + 1e-9)
    sized = hosted & roll.notna()
    unchecked["size against the host's roll (no host_on_roll)"] = int((hosted & roll.isna()).sum())
    share = f"{100 * rules.host_max_share_of_roll:g}%"
    too_small = sized & (cap < smallest)
    mark(
        too_small,
        pd.Series(
            [
                f"host school too small: {share} of its {r:,.0f} pupils on roll is {c:,.0f} places, below the "
                f"smallest size of {m:,.0f}"
                if t
                else ""
                for r, c, m, t in zip(roll, cap, smallest, too_small)
            ],
            index=options.index,
            dtype=object,
        ),
    )
    # an option ruled out keeps its own sizes (the core still checks them)
    max_places = largest.where(~sized | too_small, np.minimum(largest, cap))

    selective = (
        options["host_selective"].astype(str).str.strip().str.lower()
        if "host_selective" in options
        else pd.Series("", index=options.index)
    )
    known = selective.isin(["yes", "no"])
    unchecked["selection (no host_selective)"] = int((hosted & ~known).sum())
    if not rules.allow_selective_hosts:
        mark(selective == "yes", "selective host school (it selects by ability): rules.allow_selective_hosts is off")

    low, high = _column(options, "host_ncy_min"), _column(options, "host_ncy_max")
    ages = low.notna() & high.notna()
    unchecked["age range (no host_ncy_min and host_ncy_max)"] = int((hosted & ~ages).sum())
    ncy_min, ncy_max = _column(options, "ncy_min"), _column(options, "ncy_max")
    outside = ages & ((ncy_min < low) | (ncy_max > high))
    mark(
        outside,
        pd.Series(
            [
                f"the host school's age range ({_ncy_label(a, b)}) does not hold the option's ({_ncy_label(c, d)})"
                if o
                else ""
                for a, b, c, d, o in zip(low, high, ncy_min, ncy_max, outside)
            ],
            index=options.index,
            dtype=object,
        ),
    )

    host = (
        options["site_id"].astype(object).where(options["site_id"].notna(), "")
        if "site_id" in options
        else pd.Series("", index=options.index, dtype=object)
    )
    host = host.astype(str).str.strip()
    group = pd.Series("", index=options.index, dtype=object)
    if not rules.allow_several_per_host:
        group[hosted & (host != "")] = host[hosted & (host != "")]
        unchecked["one per host (no site_id)"] = int((hosted & (host == "")).sum())
    return HostRules(max_places, reason, group, unchecked)


def earliest_years(options: pd.DataFrame, scenario: Scenario, first_year: int) -> pd.Series:
    """The first year each option could open: its own earliest_year (blank: the plan's
    first year), and no earlier than the decision year plus its kind's lead time."""
    decided = scenario.horizon.decided_in(first_year)
    lead = options["kind"].map(scenario.rules.lead_time_years).astype(float).fillna(0.0)
    own = _column(options, "earliest_year").fillna(first_year)
    return np.maximum(own, decided + lead).astype(int)


def _host_penalty(options: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Pounds per place per year for a host below the oversubscription threshold."""
    rules = scenario.rules
    if rules.host_preference != "weight":
        return np.zeros(len(options))
    ratio = options["host_first_preference_ratio"].astype(float).fillna(0.0).to_numpy()
    hosted = options["kind"].isin(HOSTED_KINDS).to_numpy()
    below = np.maximum(0.0, rules.min_host_first_preference_ratio - ratio)
    return np.where(hosted, rules.host_weight * below, 0.0)


def ruled_out(
    options: pd.DataFrame, scenario: Scenario, first_year: int, years: int, hosts: HostRules | None = None
) -> pd.Series:
    """Why each option cannot open under the scenario's rules ('' when it can)."""
    rules = scenario.rules
    reason = pd.Series("", index=options.index, dtype=object)
    hosts = host_rules(options, scenario) if hosts is None else hosts

    def mark(mask: pd.Series | np.ndarray, text: str | pd.Series) -> None:
        mask = pd.Series(np.asarray(mask, bool), index=options.index) & (reason == "")
        reason[mask] = text[mask] if isinstance(text, pd.Series) else text

    ids = options["option_id"]
    mark(ids.isin(rules.exclude), "excluded by the scenario")
    if rules.host_preference == "require":
        ratio = options["host_first_preference_ratio"].astype(float)
        hosted = options["kind"].isin(HOSTED_KINDS)
        mark(hosted & ratio.isna(), "ineligible host: no first-preference figures for the host school")
        mark(
            hosted & (ratio < rules.min_host_first_preference_ratio),
            f"ineligible host: first preferences below {rules.min_host_first_preference_ratio:g} x places offered",
        )
    deliverability = options["deliverability"].astype(float).fillna(1.0)
    mark(deliverability < rules.min_deliverability, f"deliverability below {rules.min_deliverability:g}")
    mark(hosts.reason != "", hosts.reason)
    earliest = earliest_years(options, scenario, first_year)
    last = first_year + years - 1
    decided = scenario.horizon.decided_in(first_year)
    lead = options["kind"].map(scenario.rules.lead_time_years).fillna(0).astype(int)
    own = _column(options, "earliest_year")
    late = pd.Series(
        [
            f"cannot open before the end of the plan: its earliest year {e}/{(e + 1) % 100:02d} ("
            + (
                f"decided in {decided}/{(decided + 1) % 100:02d} with a lead time of {k} year{'s' if k != 1 else ''}"
                if e == decided + k and not (o == e)
                else "the candidate's own earliest_year"
            )
            + f") is after the plan's last year {last}/{(last + 1) % 100:02d}"
            for e, k, o in zip(earliest, lead, own)
        ],
        index=options.index,
        dtype=object,
    )
    mark(earliest > last, late)
    return reason


def check_option_ids(options: pd.DataFrame, scenario: Scenario, sites: pd.DataFrame | None = None) -> None:
    """force_open and exclude must name options of the dataset (the pipeline's check,
    :func:`placeplan.checks.option_id_problems`, here again for callers that skip it)."""
    site_ids = sites["site_id"] if sites is not None else ()
    option_id_problems(options["option_id"], site_ids, scenario.rules).raise_if_errors("scenario rules")


def facilities(
    sites: pd.DataFrame, options: pd.DataFrame | None, scenario: Scenario, *, first_year: int, years: int
) -> Facilities:
    options = options if options is not None else pd.DataFrame(columns=["option_id"])
    check_option_ids(options, scenario, sites)
    hosts = host_rules(options, scenario)
    reasons = ruled_out(options, scenario, first_year, years, hosts)
    _log_host_rules(options, hosts, reasons)
    site_rows = pd.DataFrame(
        {
            "facility_id": sites["site_id"].astype(str),
            "name": sites["name"],
            "kind": sites["kind"],
            "is_option": False,
            "x": sites["x"],
            "y": sites["y"],
            "ncy_min": sites["ncy_min"].astype(int),
            "ncy_max": sites["ncy_max"].astype(int),
            "needs": sites["needs"],
            "capacity": sites["capacity"].astype(float),
            "annual_cost_per_place": _annual_cost(sites, scenario),
            "ruled_out": "",
        }
    )
    option_rows = pd.DataFrame(
        {
            "facility_id": options["option_id"].astype(str),
            "name": options["name"],
            "kind": options["kind"],
            "is_option": True,
            "x": options["x"],
            "y": options["y"],
            "ncy_min": options["ncy_min"].astype(int),
            "ncy_max": options["ncy_max"].astype(int),
            "needs": options["needs"],
            "capacity": np.nan,
            "annual_cost_per_place": _annual_cost(options, scenario),
            "annual_fixed_cost": _annual_fixed(options, scenario),
            "intake": [tuple(scenario.rules.phased_intake.get(kind, ())) for kind in options["kind"]],
            "ruled_out": reasons,
            "host_group": hosts.group.to_numpy(),
            "host_penalty": _host_penalty(options, scenario),
            "deliverability_penalty": scenario.rules.deliverability_weight
            * (1.0 - options["deliverability"].astype(float).fillna(1.0)).to_numpy(),
        }
    )
    for column in (
        "site_id",
        "min_places",
        "max_places",
        "place_step",
        "capital_fixed",
        "capital_per_place",
        "earliest_year",
        "host_first_preference_ratio",
        "deliverability",
    ):
        option_rows[column] = options[column].to_numpy() if column in options else np.nan
    # the sizes and years the rules allow (the dataset's own figures kept beside them)
    option_rows["max_places_given"] = option_rows["max_places"]
    option_rows["max_places"] = hosts.max_places.to_numpy()
    option_rows["earliest_year_given"] = option_rows["earliest_year"]
    option_rows["earliest_year"] = earliest_years(options, scenario, first_year).to_numpy() if len(options) else np.nan
    table = pd.concat([site_rows, option_rows], ignore_index=True)
    for column in ("host_penalty", "deliverability_penalty", "annual_fixed_cost"):
        table[column] = table[column].fillna(0.0)
    table["host_group"] = table["host_group"].fillna("")
    return Facilities(table, _needs_matrix(table["needs"]), len(site_rows))


def intake_shares(intakes: pd.Series) -> np.ndarray:
    """Options x years open: each option's phased intake (``rules.phased_intake`` of its
    kind), padded with 1 (all its places) to the longest."""
    lists = [tuple(v) if isinstance(v, (tuple, list)) else () for v in intakes]
    width = max((len(v) for v in lists), default=0)
    return np.array([list(v) + [1.0] * (width - len(v)) for v in lists], float).reshape(len(lists), width)


def _log_host_rules(options: pd.DataFrame, hosts: HostRules, reasons: pd.Series) -> None:
    """Counts of what the host rules did, and of the options they could not check."""
    if not len(options):
        return
    hosted = options["kind"].isin(HOSTED_KINDS)
    cut = hosted & (hosts.max_places < _column(options, "max_places"))
    out = hosts.reason != ""
    groups = hosts.group[(hosts.group != "") & (reasons == "")]
    shared = int((groups.value_counts() > 1).sum())
    log.info(
        "host rules: %d hosted options ruled out (%s), %d cut to a share of their host's roll, "
        "%d host schools with more than one candidate (at most one opens)",
        int(out.sum()),
        ", ".join(f"{n} {k}" for k, n in _reason_kinds(hosts.reason[out]).items()) or "none",
        int(cut.sum()),
        shared,
    )
    missing = {rule: n for rule, n in hosts.unchecked.items() if n}
    if missing:
        log.info(
            "host rules could not be checked for some hosted options (the rule does not apply to them): %s",
            "; ".join(f"{rule}: {n} of {int(hosted.sum())}" for rule, n in missing.items()),
        )


def _reason_kinds(reasons: pd.Series) -> dict[str, int]:
    kinds = reasons.map(
        lambda text: (
            "too small"
            if text.startswith("host school too small")
            else "selective"
            if text.startswith("selective")
            else "ages"
        )
    )
    return kinds.value_counts().sort_index().to_dict()


def phase_band_edges(table: pd.DataFrame, ncy_values: np.ndarray) -> list[tuple[int, int]]:
    """NCY bands no facility's range cuts through and no phase boundary crosses.

    Groups of pupils are formed per band: a facility admits a band wholly or not at all,
    so grouping year groups into bands loses nothing.
    """
    cuts = set(table["ncy_min"]) | {int(v) + 1 for v in table["ncy_max"]}
    cuts |= {first for first, _ in PHASES.values()}
    present = sorted({int(v) for v in ncy_values})
    bands: list[tuple[int, int]] = []
    for ncy in present:
        if bands and ncy == bands[-1][1] + 1 and ncy not in cuts:
            bands[-1] = (bands[-1][0], ncy)
        else:
            bands.append((ncy, ncy))
    return bands
