"""Costs, hosts and timing of the council's real decision, by hand on the tiny borough.

The hand case of tests/test_solve.py (one plan year, 2026/27, no growth, discounting or
transport, every place there from opening): O1, a SEMH SRP of 6-12 places in steps of 2 at host school 200001, opens at 8
places for its 8 SEMH pupils (£150,000 + £40,000 capital, £16,000 a place a year) against
8 x £64,000 out of area; 4 ASD/SLCN/SLD pupils go out of area. Here, in turn: the running
cost of a unit, each host rule with a case it changes, lead times, the status quo with the
saving and payback, and the documents built without solving the status quo again.
"""

from __future__ import annotations

import functools
import json
import logging
import operator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ALL_PLACES_FROM_OPENING, read_rows, run_cli, set_by_id, write_rows

from placeplan.demand import project
from placeplan.pipeline import load_inputs
from placeplan.plan import solve_scenario
from placeplan.plan.results import payback_year

HAND = [
    "horizon.first_year=2026",
    "horizon.years=1",
    "demand.growth={default = 0.0}",
    "costs.discount_rate=0",
    "costs.transport_per_pupil=0",
    "horizon.decision_year=2024",
    "solve.explain=false",
    ALL_PLACES_FROM_OPENING,
]
NO_RUNNING = "costs.annual_fixed_cost={srp = 0, esta = 0}"


def solved(scenario: Path, *extra: str, explain: bool = False):
    return solve_scenario(load_inputs(scenario, (*HAND, *extra)), with_explain=explain)


def chosen(result) -> dict[str, int]:
    table = result.options
    return dict(zip(table.loc[table["chosen"], "option_id"], table.loc[table["chosen"], "places"]))


def reason(result, option: str) -> str:
    return result.options.set_index("option_id").loc[option, "reason_not_chosen"]


def add_column(folder: Path, table: str, column: str, values: dict[str, str]) -> None:
    """Add a column to a table of the dataset, with values by row id (others blank)."""
    path = folder / f"{table}.csv"
    rows = read_rows(path)
    rows[0].append(column)
    for row in rows[1:]:
        row.append(values.get(row[0], ""))
    write_rows(path, rows)


def add_candidate(folder: Path, **values: str) -> None:
    path = folder / "candidates.csv"
    rows = read_rows(path)
    rows.append([values.get(c, "") for c in rows[0]])
    write_rows(path, rows)


# --- the running cost of an opened unit -------------------------------------------------------


def test_a_units_running_cost_is_paid_every_year_it_is_open(tiny_scenario):
    # The default £48,000 a year for an SRP: O1 costs 190,000 + 128,000 + 48,000 = £366,000,
    # still less than £512,000 out of area: 877,000 + 48,000.
    result = solved(tiny_scenario)
    assert chosen(result) == {"O1": 8}
    assert result.summary.objective == pytest.approx(925_000)
    assert result.summary.terms["annual_fixed"] == pytest.approx(48_000)
    assert sum(result.summary.terms.values()) == pytest.approx(result.summary.objective)
    assert result.options.set_index("option_id").loc["O1", "annual_fixed_cost"] == 48_000
    # over three years (weights 1) it is paid three times
    three = solved(tiny_scenario, "horizon.years=3")
    assert three.summary.terms["annual_fixed"] == pytest.approx(3 * 48_000)


def test_a_candidates_own_running_cost_comes_before_the_default(tiny_scenario):
    add_column(tiny_scenario.parent / "tiny", "candidates", "annual_fixed_cost", {"O1": "10000"})
    result = solved(tiny_scenario)
    assert result.summary.terms["annual_fixed"] == pytest.approx(10_000)
    assert result.summary.objective == pytest.approx(887_000)


def test_a_running_cost_above_the_saving_keeps_the_unit_shut(tiny_scenario):
    # O1 saves 512,000 - 318,000 = £194,000 a year before its running cost: £200,000 is more
    result = solved(tiny_scenario, "costs.annual_fixed_cost={srp = 200000}")
    assert chosen(result) == {}
    assert reason(result, "O1").startswith("not worth its cost")


# --- host rules -----------------------------------------------------------------------------


def test_host_roll_cuts_the_largest_size(tiny_scenario):
    # 10% of 70 pupils on roll is 7 places: O1's sizes 6, 8, ... are cut to 6, and 2 of the
    # 8 SEMH pupils go out of area.
    add_column(tiny_scenario.parent / "tiny", "candidates", "host_on_roll", {"O1": "70"})
    result = solved(tiny_scenario, NO_RUNNING)
    assert chosen(result) == {"O1": 6}
    assert result.options.set_index("option_id").loc["O1", "max_places"] == 7
    # 150,000 + 30,000 + 96,000 for 6 pupils, 2 x 64,000 for the others
    assert result.summary.objective == pytest.approx(877_000 - 318_000 + 276_000 + 128_000)
    # a larger share lets it hold all 8
    assert chosen(solved(tiny_scenario, NO_RUNNING, "rules.host_max_share_of_roll=0.2")) == {"O1": 8}


def test_a_host_too_small_for_the_smallest_size_is_ruled_out(tiny_scenario):
    add_column(tiny_scenario.parent / "tiny", "candidates", "host_on_roll", {"O1": "50"})
    result = solved(tiny_scenario, NO_RUNNING)
    assert chosen(result) == {}
    assert reason(result, "O1") == (
        "host school too small: 10% of its 50 pupils on roll is 5 places, below the smallest size of 6"
    )


def test_no_unit_at_a_selective_school_unless_allowed(tiny_scenario):
    add_column(tiny_scenario.parent / "tiny", "candidates", "host_selective", {"O1": "yes", "O3": "no"})
    result = solved(tiny_scenario, NO_RUNNING)
    assert chosen(result) == {}
    assert reason(result, "O1").startswith("selective host school")
    assert chosen(solved(tiny_scenario, NO_RUNNING, "rules.allow_selective_hosts=true")) == {"O1": 8}


def test_the_hosts_age_range_must_hold_the_options(tiny_scenario):
    # O1 admits NCY 7-11; a host school of NCY 7-9 cannot hold it
    folder = tiny_scenario.parent / "tiny"
    add_column(folder, "candidates", "host_ncy_min", {"O1": "7"})
    add_column(folder, "candidates", "host_ncy_max", {"O1": "9"})
    result = solved(tiny_scenario, NO_RUNNING)
    assert chosen(result) == {}
    assert reason(result, "O1") == ("the host school's age range (NCY 7 to 9) does not hold the option's (NCY 7 to 11)")
    set_by_id(folder, "candidates", "O1", "11", column="host_ncy_max")
    assert chosen(solved(tiny_scenario, NO_RUNNING)) == {"O1": 8}


def _second_unit_at_riverside(folder: Path) -> None:
    """O4: a secondary ASD SRP at O1's host, free to build and £16,000 a place a year: it
    takes the 5 secondary ASD pupils, which frees Oak for the 4 who went out of area."""
    add_candidate(
        folder,
        option_id="O4",
        name="Riverside Academy ASD SRP",
        kind="srp",
        site_id="200001",
        x="526000",
        y="170100",
        needs="ASD",
        ncy_min="7",
        ncy_max="11",
        min_places="4",
        max_places="6",
        place_step="1",
        capital_fixed="0",
        capital_per_place="0",
        annual_cost_per_place="16000",
        earliest_year="2026",
        host_first_preference_ratio="1.4",
        deliverability="1",
    )


def test_at_most_one_unit_per_host_school_unless_allowed(tiny_scenario):
    _second_unit_at_riverside(tiny_scenario.parent / "tiny")
    several = solved(tiny_scenario, NO_RUNNING, "rules.allow_several_per_host=true")
    assert chosen(several) == {"O1": 8, "O4": 5}
    result = solved(tiny_scenario, NO_RUNNING)
    opened = chosen(result)
    assert len(opened) == 1 and set(opened) <= {"O1", "O4"}
    other = ({"O1", "O4"} - set(opened)).pop()
    name = result.options.set_index("option_id").loc[next(iter(opened)), "name"]
    assert reason(result, other) == f"one option per host school: {name} opens there"
    # the better one of the two: O1 saves 194,000; O4 saves 4 x 64,000 - 5 x 16,000 + 5 x 23,900
    # - 10 x 23,900 + ... (the solver's arithmetic): whichever it is, the plan is the cheaper
    o1_only = solved(tiny_scenario, NO_RUNNING, 'rules.exclude=["O4"]').summary.objective
    o4_only = solved(tiny_scenario, NO_RUNNING, 'rules.exclude=["O1"]').summary.objective
    assert result.summary.objective == pytest.approx(min(o1_only, o4_only))
    assert several.summary.objective < result.summary.objective


def test_two_units_forced_open_at_one_host_both_open(tiny_scenario, caplog):
    _second_unit_at_riverside(tiny_scenario.parent / "tiny")
    with caplog.at_level(logging.WARNING, logger="placeplan"):
        result = solved(tiny_scenario, NO_RUNNING, 'rules.force_open=["O1", "O4"]')
    assert set(chosen(result)) == {"O1", "O4"}
    assert "one-per-host rule is not applied" in caplog.text


def test_without_the_host_columns_the_rules_do_not_apply_and_the_log_says_so(tiny_scenario, caplog):
    with caplog.at_level(logging.INFO, logger="placeplan"):
        result = solved(tiny_scenario, NO_RUNNING)
    assert chosen(result) == {"O1": 8}
    text = caplog.text
    assert "host rules could not be checked" in text
    for rule in (
        "size against the host's roll (no host_on_roll): 2 of 2",
        "selection (no host_selective): 2 of 2",
        "age range (no host_ncy_min and host_ncy_max): 2 of 2",
    ):
        assert rule in text


def test_a_blank_host_cell_leaves_that_option_unchecked(tiny_scenario, caplog):
    add_column(tiny_scenario.parent / "tiny", "candidates", "host_on_roll", {"O3": "300"})
    with caplog.at_level(logging.INFO, logger="placeplan"):
        result = solved(tiny_scenario, NO_RUNNING)
    assert chosen(result) == {"O1": 8}
    assert "size against the host's roll (no host_on_roll): 1 of 2" in caplog.text


# --- timing ---------------------------------------------------------------------------------


def test_lead_times_count_from_the_decision_year(tiny_scenario):
    # Decided in 2025/26 (the default: the year before the plan): the Oak expansion's two
    # years make 2027/28, after the plan's one year; O1's one year makes 2026/27.
    result = solve_scenario(
        load_inputs(tiny_scenario, (*HAND[:5], NO_RUNNING, ALL_PLACES_FROM_OPENING, "solve.explain=false"))
    )
    table = result.options.set_index("option_id")
    assert table.loc["O2", "earliest_year"] == 2027
    assert reason(result, "O2") == (
        "cannot open before the end of the plan: its earliest year 2027/28 (decided "
        "in 2025/26 with a lead time of 2 years) is after the plan's last year "
        "2026/27"
    )
    assert table.loc["O1", "earliest_year"] == 2026 and chosen(result) == {"O1": 8}
    assert result.summary.decision_year == "2025/26"
    # a lead time of one year lets the expansion open
    quick = solve_scenario(
        load_inputs(
            tiny_scenario,
            (
                *HAND[:5],
                NO_RUNNING,
                ALL_PLACES_FROM_OPENING,
                "solve.explain=false",
                "rules.lead_time_years={special_expansion = 1}",
            ),
        )
    )
    assert reason(quick, "O2").startswith("not worth its cost")
    # an SRP decided in 2026/27 cannot open in 2026/27
    late = solved(tiny_scenario, NO_RUNNING, "horizon.decision_year=2026")
    assert chosen(late) == {} and reason(late, "O1").startswith("cannot open before the end of the plan")


def test_an_options_own_earliest_year_still_counts(tiny_scenario):
    # decided long ago, every lead time is met; the candidates' own 2026 still holds
    folder = tiny_scenario.parent / "tiny"
    set_by_id(folder, "candidates", "O1", "2027", column="earliest_year")
    result = solved(tiny_scenario, NO_RUNNING, "horizon.decision_year=2020", "horizon.years=2")
    table = result.options.set_index("option_id")
    assert table.loc["O1", "earliest_year"] == 2027 and table.loc["O1", "opening_year"] == 2027
    assert table.loc["O2", "earliest_year"] == 2026


def test_years_between_the_base_and_the_plan_are_projected_not_planned(tiny_scenario):
    # The base year is 2024/25. With the growth method, SEMH's 8 pupils grow for three years
    # before a plan from 2027/28 starts: 8 x 1.5^3; and the plan's years are those of a
    # longer plan from 2025/26.
    growth = "demand.growth={default = 0.1, SEMH = 0.5}"
    late = load_inputs(tiny_scenario, (growth, "horizon.first_year=2027", "horizon.years=2"))
    early = load_inputs(tiny_scenario, (growth, "horizon.first_year=2025", "horizon.years=4"))
    b = project(late.dataset, late.scenario.scenario)
    a = project(early.dataset, early.scenario.scenario)
    assert sorted(b["year"].unique()) == [2027, 2028]
    by = b.groupby(["year", "need"])["pupils"].sum()
    assert by[(2027, "SEMH")] == pytest.approx(8 * 1.5**3, abs=1e-3)
    pd.testing.assert_frame_equal(a[a["year"] >= 2027].reset_index(drop=True), b.reset_index(drop=True))
    # The cohort method moves pupils up a year group each year, the two years between too:
    # with no joiners and no leavers the 8 SEMH pupils of NCY 8 are in NCY 11 in 2027/28,
    # and the SLD pupil of NCY 9 has passed Year 11 (0.54 of them stay on).
    cohort = ("demand.method=cohort", "demand.cohort.source=scenario", "horizon.first_year=2027", "horizon.years=1")
    inputs = load_inputs(tiny_scenario, cohort)
    moved = project(inputs.dataset, inputs.scenario.scenario).groupby(["need", "ncy"])["pupils"].sum()
    assert moved[("SEMH", 11)] == pytest.approx(8, abs=1e-3)
    assert moved[("ASD", 11)] == pytest.approx(5, abs=1e-3) and moved[("ASD", 6)] == pytest.approx(7, abs=1e-3)
    assert moved[("SLD", 12)] == pytest.approx(0.54, abs=1e-3)


def test_the_shipped_scenarios_plan_from_2027():
    root = Path(__file__).resolve().parents[1] / "scenarios"
    for name in ("kingston-richmond.toml", "essex.toml", "kingston-richmond-short-journeys.toml"):
        scenario = load_inputs(root / name).scenario.scenario
        assert scenario.horizon.first_year == 2027
        assert scenario.horizon.decided_in(2027) == 2026


# --- invest to save -------------------------------------------------------------------------


def _three_years(tiny_scenario, *extra: str, explain: bool = False):
    # Three years of the same 26 pupils. O1's capital raised to £700,000 + £5,000 a place, so
    # that it takes more than a year to pay back. Per year, without new provision: SEMH 8 out
    # of area £512,000; Elm 4 x £16,000, Oak 10 x £23,900, 4 out of area £256,000: £1,071,000.
    # The plan opens O1 at 8 (£740,000; £128,000 + £48,000 a year) and the Oak expansion at 4
    # (£240,000; 4 x £23,900 = £95,600 a year): £574,600 a year, nobody out of area.
    set_by_id(tiny_scenario.parent / "tiny", "candidates", "O1", "700000", column="capital_fixed")
    return solved(tiny_scenario, "horizon.years=3", *extra, explain=explain)


def test_status_quo_saving_and_payback_by_hand(tiny_scenario):
    result = _three_years(tiny_scenario)
    assert chosen(result) == {"O1": 8, "O2": 4}
    summary = result.summary
    assert summary.status_quo["objective"] == pytest.approx(3 * 1_071_000)
    assert summary.objective == pytest.approx(980_000 + 3 * 574_600)
    saving = summary.saving
    rows = saving["by_year"]
    assert [r["year"] for r in rows] == ["2026/27", "2027/28", "2028/29"]
    assert [r["status_quo"] for r in rows] == pytest.approx([1_071_000] * 3)
    assert [r["plan"] for r in rows] == pytest.approx([574_600] * 3)
    assert [r["saving"] for r in rows] == pytest.approx([496_400] * 3)
    assert [r["capital"] for r in rows] == pytest.approx([980_000, 0, 0])
    assert saving["total"]["undiscounted"] == pytest.approx(3 * 496_400)
    assert saving["total"]["net_of_capital_undiscounted"] == pytest.approx(3 * 496_400 - 980_000)
    # 496,400 < 980,000 after one year; 992,800 >= 980,000 after two
    assert summary.payback_year == "2027/28"
    # per option, against the out-of-area places it replaces: O1 spends 740,000 + 176,000
    # against 512,000 in its first year, 404,000 ahead; 68,000 after two, paid back in three.
    # O2: 240,000 + 95,600 against 256,000, 79,600 ahead; paid back in its second year.
    table = result.options.set_index("option_id")
    assert table.loc["O1", "payback_year"] == 2028 and table.loc["O2", "payback_year"] == 2027
    assert table.loc["O1", "payback_basis"] == "fallback it replaces"
    assert pd.isna(table.loc["O3", "payback_year"]) and table.loc["O3", "payback_basis"] == ""
    # pupils rows shaped like the plan's
    before = pd.DataFrame(summary.status_quo["pupils"])
    assert list(before.columns) == list(pd.DataFrame(summary.pupils).columns)
    assert before["unplaced"].sum() == pytest.approx(3 * 12)
    assert before["local"].sum() + before["independent"].sum() + before["unplaced"].sum() == pytest.approx(3 * 26)


def test_discounting_weighs_the_saving_as_the_objective_does(tiny_scenario):
    result = _three_years(tiny_scenario, "costs.discount_rate=0.1")
    rows = result.summary.saving["by_year"]
    weights = [1, 1 / 1.1, 1 / 1.21]
    for row, weight in zip(rows, weights):
        assert row["saving_discounted"] == pytest.approx(row["saving"] * weight, rel=1e-6)
    assert result.summary.saving["total"]["discounted"] == pytest.approx(
        sum(r["saving_discounted"] for r in rows), rel=1e-6
    )


def test_payback_from_the_counterfactual_where_explain_ran(tiny_scenario):
    # without O1 its pupils go out of area and nothing else changes: the same years
    result = _three_years(tiny_scenario, explain=True)
    table = result.options.set_index("option_id")
    assert table.loc["O1", "payback_basis"] == "counterfactual" and table.loc["O1", "payback_year"] == 2028
    assert table.loc["O2", "payback_basis"] == "counterfactual" and table.loc["O2", "payback_year"] == 2027
    explained = result.explain.set_index("option_id")
    assert explained.loc["O1", "payback_year"] == 2028


def test_payback_year_by_hand():
    years = [2027, 2028, 2029]
    assert payback_year(np.array([100, 10, 10]), np.array([40, 40, 40]), years, opened=0) == 2029
    assert payback_year(np.array([100, 10, 10]), np.array([10, 10, 10]), years, opened=0) is None
    # nothing opens before 2028: being level in 2027 is not a payback
    assert payback_year(np.array([10, 60, 10]), np.array([10, 40, 40]), years, opened=1) == 2029


def test_no_status_quo_when_the_rules_admit_none(tiny_scenario):
    # no out-of-area places and only 2 places at Hill House: without O1 and the Oak
    # expansion 12 pupils fit nowhere
    set_by_id(tiny_scenario.parent / "tiny", "sites", "S3", "2", column="capacity")
    result = solved(tiny_scenario, NO_RUNNING, "rules.allow_fallback=false")
    assert chosen(result) == {"O1": 8, "O2": 4}
    assert result.summary.status_quo is None and result.summary.saving is None
    assert result.summary.payback_year is None


def test_revenue_limit_caps_the_running_cost_of_new_provision(tiny_scenario):
    # O1's 8 places cost £128,000 a year to run (no running cost of its own here); a limit of
    # £100,000 lets it open at 6 places (£96,000)
    result = solved(tiny_scenario, NO_RUNNING, "rules.revenue_limit_per_year=100000")
    assert chosen(result) == {"O1": 6}
    limited = solved(tiny_scenario, NO_RUNNING, "rules.revenue_limit_per_year=90000")
    assert chosen(limited) == {}
    assert reason(limited, "O1").startswith("over the revenue limit")


# --- the folder and its documents -------------------------------------------------------------


def test_summary_json_and_options_csv_carry_the_decision(tiny_scenario, tmp_path):
    out = tmp_path / "out"
    sets = functools.reduce(operator.iadd, (["--set", s] for s in (*HAND, "horizon.years=3")), [])
    result = run_cli(["solve", str(tiny_scenario), "--out", str(out), "--no-outputs", *sets])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for key in ("status_quo", "saving", "payback_year", "decision_year"):
        assert key in summary
    assert {"objective", "pupils", "journeys", "terms"} <= set(summary["status_quo"])
    assert {"total", "by_year", "basis"} <= set(summary["saving"])
    options = pd.read_csv(out / "options.csv")
    for column in ("annual_fixed_cost", "payback_year", "payback_basis", "earliest_year", "max_places"):
        assert column in options.columns


def test_the_documents_do_not_solve_the_status_quo_again(tiny_scenario, tmp_path, monkeypatch):
    out = tmp_path / "out"
    sets = functools.reduce(operator.iadd, (["--set", s] for s in (*HAND, "horizon.years=3")), [])
    assert run_cli(["solve", str(tiny_scenario), "--out", str(out), "--no-outputs", *sets]).exit_code == 0

    def refuse(*args, **kwargs):
        raise AssertionError("the documents solved a model")

    monkeypatch.setattr("placeplan.optimise.backend.run", refuse)
    result = run_cli(["report", str(out)])
    assert result.exit_code == 0, result.output
    shortlist = pd.read_csv(out / "shortlist.csv")
    o1 = shortlist.set_index("option_id").loc["O1"]
    # the SEMH pupils' journey without new provision is the out-of-area reference journey:
    # 10 km at 24 km/h and the 5 minutes door to door every estimated journey has, 30 minutes
    assert o1["journey_minutes_status_quo"] == pytest.approx(30, abs=0.5)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "No status quo" not in report
