"""placeplan sweep: demand draws planned on Dask, identical on any cluster."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli

from placeplan.codes import PHASES
from placeplan.demand import projection
from placeplan.pipeline import load_inputs
from placeplan.sweep.jobs import Opened, Outcome
from placeplan.sweep.tables import robustness_table

FILES = ("robustness.csv", "draws.csv", "sweep.json")
ROBUST_FILES = ("robust.csv", "robust_draws.csv", "robust_options.csv")


def test_a_draw_is_one_future_of_the_projection_and_its_cells_add_up(tiny_scenario):
    inputs = load_inputs(str(tiny_scenario))
    projected = projection(inputs.dataset, inputs.scenario.scenario)
    assert projected.draws == inputs.scenario.scenario.demand.draws
    first, second = projected.draw(0), projected.draw(1)
    assert not first["pupils"].equals(second["pupils"])
    for year, rows in first.groupby("year"):
        for (need, phase), cells in rows.groupby(["need", "phase"]):
            council = projected.phase_draws[
                0, projected.needs.index(need), list(PHASES).index(phase), year - projected.base_year
            ]
            assert cells["pupils"].sum() == pytest.approx(council, abs=0.001 * len(cells))
    # Over many draws the cells' median is the planned percentile's.
    draws = np.array(
        [
            projected.draw(d)
            .set_index(["zone_id", "need", "ncy", "year"])["pupils"]
            .reindex(pd.MultiIndex.from_frame(projected.planned()[["zone_id", "need", "ncy", "year"]]))
            .fillna(0.0)
            .to_numpy()
            for d in range(projected.draws)
        ]
    )
    assert np.median(draws, axis=0) == pytest.approx(projected.planned()["pupils"].to_numpy(), rel=0.01, abs=0.01)


def test_the_robustness_table_counts_each_option_over_the_draws():
    options = pd.DataFrame(
        {"option_id": ["A", "B", "C"], "name": ["a", "=HYPERLINK(1)", "c"], "kind": ["srp", "esta", "srp"]}
    )
    draws = [
        Outcome(d, "optimal", 1.0, 0.0, 1.0, 0.0, 10.0, opened)
        for d, opened in enumerate(
            [(Opened("A", 8, 2027), Opened("B", 4, 2028)), (Opened("A", 12, 2028),), (Opened("A", 10, 2027),), ()]
        )
    ]
    plan = Outcome(None, "optimal", 1.0, 0.0, 1.0, 0.0, 10.0, (Opened("B", 6, 2027),))
    table = robustness_table(options, draws, plan).set_index("option_id")
    assert list(table.index) == ["A", "B", "C"]
    assert table.loc["A", "chosen_share"] == 0.75 and table.loc["A", "mean_places"] == 10.0
    assert table.loc["A", "mean_opening_year"] == pytest.approx(2027.33)
    assert table.loc["B", "chosen_share"] == 0.25 and table.loc["B", "in_plan"] == "yes"
    assert table.loc["B", "plan_places"] == 6 and table.loc["A", "in_plan"] == "no"
    assert table.loc["C", "draws_chosen"] == 0 and np.isnan(table.loc["C", "mean_places"])


def _sweep(tiny_scenario: Path, out: Path, *extra: str) -> dict[str, bytes]:
    result = run_cli(["sweep", str(tiny_scenario), "--draws", "4", "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    names = FILES + (ROBUST_FILES if "--robust" in extra else ())
    return {name: (out / name).read_bytes() for name in names}


def test_two_local_workers_give_the_files_one_process_gives(tiny_scenario, tmp_path):
    alone = _sweep(tiny_scenario, tmp_path / "alone", "--workers", "0")
    cluster = _sweep(tiny_scenario, tmp_path / "cluster", "--workers", "2")
    assert alone == cluster
    draws = pd.read_csv(tmp_path / "alone" / "draws.csv")
    assert list(draws["draw"]) == [0, 1, 2, 3] and draws["marking"].str.startswith("OFFICIAL-SENSITIVE").all()
    assert draws["total_cost"].nunique() == 4
    robustness = pd.read_csv(tmp_path / "alone" / "robustness.csv")
    assert set(robustness["option_id"]) == {"O1", "O2", "O3"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_sweep_on_a_dask_cluster_started_from_the_command_line_gives_the_same_files(tiny_scenario, tmp_path):
    """A real scheduler and two workers on 127.0.0.1, started with the dask command line
    (``dask scheduler``, ``dask worker``: here ``python -m dask``, this interpreter's)."""
    from dask.distributed import Client

    address = f"tcp://127.0.0.1:{_free_port()}"
    dask = [sys.executable, "-m", "dask", "scheduler"]
    worker = [sys.executable, "-m", "dask", "worker"]
    logs = open(tmp_path / "dask.log", "w")
    processes = [
        subprocess.Popen(
            [*dask, "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
            stdout=logs,
            stderr=logs,
        )
    ]
    try:
        time.sleep(1.0)
        processes += [
            subprocess.Popen([*worker, address, "--nthreads", "1", "--no-dashboard"], stdout=logs, stderr=logs)
            for _ in range(2)
        ]
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        remote = _sweep(tiny_scenario, tmp_path / "remote", "--scheduler", address, "--robust", "3")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        logs.close()
    assert remote == _sweep(tiny_scenario, tmp_path / "alone", "--workers", "0", "--robust", "3")
    assert set(remote) == set(FILES + ROBUST_FILES)


def test_more_draws_than_the_projection_has_is_a_clear_error(tiny_scenario, tmp_path):
    result = run_cli(["sweep", str(tiny_scenario), "--draws", "5000", "--workers", "0", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--draws" in result.output and "expected 1 to 1000" in result.output and "demand.draws" in result.output
    assert not (tmp_path / "out").exists()


def test_a_scheduler_that_does_not_answer_is_a_clear_error(tiny_scenario, tmp_path):
    result = run_cli(
        [
            "sweep",
            str(tiny_scenario),
            "--draws",
            "2",
            "--scheduler",
            f"tcp://127.0.0.1:{_free_port()}",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert "no Dask scheduler answered" in result.output


def test_grid_values_split_at_top_level_commas_and_every_combination_is_planned():
    from placeplan.sweep.grid import combinations, parse_axes, split_values

    assert split_values('1,2,[3,4],{a = 1, b = 2},"x,y"') == ["1", "2", "[3,4]", "{a = 1, b = 2}", '"x,y"']
    axes = parse_axes(("rules.capital_budget=1,2", "travel.speed_kmh=15,20,25"))
    points = combinations(axes)
    assert len(points) == 6 and points[1] == ("rules.capital_budget=1", "travel.speed_kmh=20")


def test_a_grid_is_the_same_on_two_workers_and_in_one_process(tiny_scenario, tmp_path):
    def grid(out: Path, workers: str) -> dict[str, bytes]:
        result = run_cli(
            [
                "sweep",
                str(tiny_scenario),
                "--grid",
                "rules.capital_budget=100000,1000000",
                "--grid",
                "travel.speed_kmh=15,24",
                "--workers",
                workers,
                "--out",
                str(out),
            ]
        )
        assert result.exit_code == 0, result.output
        return {name: (out / name).read_bytes() for name in ("grid.csv", "grid.png")}

    assert grid(tmp_path / "alone", "0") == grid(tmp_path / "cluster", "2")
    table = pd.read_csv(tmp_path / "alone" / "grid.csv")
    assert len(table) == 4 and list(table.columns[:3]) == ["marking", "rules.capital_budget", "travel.speed_kmh"]
    # A budget too small for any option leaves more pupils out of area and spends no capital.
    small, large = (table[table["rules.capital_budget"] == b].iloc[0] for b in (100000, 1000000))
    assert small["capital"] == 0 and small["out_of_area_pupils"] > large["out_of_area_pupils"]
    assert small["total_cost"] > large["total_cost"]


def test_a_grid_value_that_is_not_a_valid_setting_is_reported_with_every_other(tiny_scenario, tmp_path):
    result = run_cli(
        [
            "sweep",
            str(tiny_scenario),
            "--grid",
            "travel.speed_kmh=15,fast,-3",
            "--workers",
            "0",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "fast" in result.output and "-3" in result.output
    assert not (tmp_path / "out").exists()
    neither = run_cli(["sweep", str(tiny_scenario)])
    assert neither.exit_code == 2 and "expected one of them" in neither.output


def test_each_alternative_opens_another_set_of_options_and_costs_no_less(tiny_scenario):
    """On the tiny case (two options worth opening) the four distinct plans are, in order:
    both, the SRP alone, the expansion alone, neither; after those the rules admit none
    that differs (the third option, an ESTA, is excluded by the case's own rules)."""
    from placeplan.optimise import solve
    from placeplan.plan.run import prepare

    problem = prepare(load_inputs(str(tiny_scenario))).send.problem
    seen, costs = [], []
    for _ in range(4):
        result = solve(problem.differing(seen), solver="highs", threads=1)
        opened = tuple(int(o) for o in np.flatnonzero(result.option_open))
        assert opened not in seen
        seen.append(opened)
        costs.append(result.objective)
    assert seen == [(0, 1), (0,), (1,), ()]
    assert costs == sorted(costs)
    assert bool(problem.options.excluded[2])
    assert str(solve(problem.differing(seen), solver="highs", threads=1).status) == "infeasible"


def test_the_alternatives_file_says_what_each_plan_adds_and_drops(tiny_scenario, tmp_path):
    result = run_cli(["sweep", str(tiny_scenario), "--alternatives", "2", "--out", str(tmp_path / "alt")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "alt" / "alternatives.csv", keep_default_na=False)
    assert list(table["rank"]) == [1, 2, 3]
    assert list(table["options"]) == ["O1;O2", "O1", "O2"]
    assert list(table["dropped"]) == ["", "O2", "O1"] and list(table["added"]) == ["", "", ""]
    assert table["cost_difference"].iloc[0] == 0 and (table["cost_difference"].diff().iloc[1:] > 0).all()
    assert "#2 £79,443 more" in result.output
    assert list(table["proven_dearer"]) == ["", "yes", "yes"]  # the tiny case is solved to optimality


def test_alternatives_found_out_of_order_are_ranked_by_cost():
    """Each next best plan is solved only to the gap, so the third found can cost less than
    the second: the table ranks them by cost, the scenario's plan first."""
    from placeplan.sweep.jobs import Opened, Outcome
    from placeplan.sweep.tables import alternatives_table

    def plan(cost: float, *ids: str) -> Outcome:
        return Outcome(None, "feasible", cost, 0.003, 0.0, 0.0, 100.0, tuple(Opened(i, 8.0, 2027) for i in ids))

    table = alternatives_table([plan(1000.0, "A", "B"), plan(1220.0, "A", "B", "C"), plan(1067.0, "A", "D")])
    assert list(table["rank"]) == [1, 2, 3]
    assert list(table["cost_difference"]) == [0.0, 67.0, 220.0]
    assert list(table["added"]) == ["", "D", "C"] and list(table["dropped"]) == ["", "B", ""]


def test_a_national_sweep_plans_every_dataset_under_a_folder(tmp_path):
    """Two councils' datasets (copies of the tiny one, one with a bigger caseload): each
    planned with its default scenario, one row each, the same on two workers as in one
    process; the shortfall is what the status quo leaves out of area."""
    import shutil

    from conftest import TINY

    root = tmp_path / "datasets"
    for name in ("001-first", "002-second"):
        shutil.copytree(TINY, root / name)
    demand = root / "002-second" / "demand.csv"
    table = pd.read_csv(demand)
    table.assign(pupils=table["pupils"] * 2).to_csv(demand, index=False)
    (root / "notes").mkdir()  # not a dataset: left alone
    toml = root / "002-second" / "dataset.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('name = "', 'name = "<b>Oak & {{ 7*7 }}</b> ', 1), encoding="utf-8"
    )
    files = {}
    for workers in ("0", "2"):
        out = tmp_path / f"national-{workers}"
        result = run_cli(["sweep", "--datasets", str(root), "--workers", workers, "--out", str(out)])
        assert result.exit_code == 0, result.output
        files[workers] = {
            n: (out / n).read_bytes() for n in ("national.csv", "national_shortfall.csv", "national.html")
        }
    assert files["0"] == files["2"]
    page = files["0"]["national.html"].decode("utf-8")
    import json
    import re

    data = json.loads(re.search(r'<script type="application/json" id="pp-data">(.*?)</script>', page, re.S).group(1))
    councils = data["councils"]["features"]
    names = [c["properties"]["name"] for c in councils]
    assert names[1] == "&lt;b&gt;Oak &amp; {{ 7*7 }}&lt;/b&gt; Tiny test borough" and "<b>Oak" not in page
    # each council an area around its zones, shaded by each view's classes
    assert all(c["geometry"]["type"] in ("Polygon", "MultiPolygon") for c in councils)
    assert set(data["views"]) == {"shortfall", "saving"}
    assert all(set(c["properties"]["fill"]) == {"shortfall", "saving"} for c in councils)
    national = pd.read_csv(tmp_path / "national-0" / "national.csv").set_index("folder")
    assert list(national.index) == ["001-first", "002-second"]
    assert national.loc["002-second", "pupils"] > national.loc["001-first", "pupils"]
    assert (national["saving"] >= 0).all() and (national["shortfall"] > 0).all()
    # the shortfall is some of the last year's pupils (all of them, not only that year's joiners)
    assert (national["shortfall"] <= national["pupils"]).all()
    shortfall = pd.read_csv(tmp_path / "national-0" / "national_shortfall.csv")
    by_council = shortfall.groupby("folder")["pupils"].sum()
    assert by_council.to_numpy() == pytest.approx(national["shortfall"].to_numpy(), abs=0.2)


def test_a_national_sweep_needs_dataset_folders_and_an_out_folder(tmp_path, tiny_scenario):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli(["sweep", "--datasets", str(empty), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "holds no dataset folders" in result.output
    both = run_cli(["sweep", str(tiny_scenario), "--datasets", str(empty), "--out", str(tmp_path / "out")])
    assert both.exit_code == 2 and "expected no SCENARIO" in both.output
    assert not (tmp_path / "out").exists()


def test_the_robust_plan_is_the_best_candidate_and_its_gap_bounds_the_exact_one(tiny_scenario):
    """The decomposition's plan against the exact sample average approximation (one model
    of every draw): the exact plan is no dearer on average, and no cheaper than the bound."""
    from placeplan.sweep.jobs import Context
    from placeplan.sweep.robust import stacked_job
    from placeplan.sweep.run import sweep_draws

    inputs = load_inputs(str(tiny_scenario), ("solve.relative_gap=0",))
    swept = sweep_draws(inputs, 5, workers=0, robust=4)
    said, table, draws = swept.robust.summary, swept.robust.table.set_index("plan"), swept.robust.draws
    exact, _ = stacked_job(Context.of(inputs), (0, 1, 2, 3))
    assert exact.status == "optimal"
    assert exact.expected_cost <= said["expected_cost"] * (1 + 1e-9)
    assert said["bound"] <= exact.expected_cost * (1 + 1e-9)
    assert said["gap"] == pytest.approx((said["expected_cost"] - said["bound"]) / said["expected_cost"], abs=1e-6)
    # priced in every draw, the robust plan's mean over the draws it was chosen against is its expected cost
    robust_rows = draws[draws["plan"] == "robust"]
    assert list(robust_rows["draw"]) == [0, 1, 2, 3, 4]
    assert robust_rows["total_cost"].iloc[:4].mean() == pytest.approx(said["expected_cost"], rel=1e-6)
    # with the solves exact, no plan beats a draw's own plan there, and the robust plan is
    # no dearer on average over its draws than the scenario's plan
    assert (draws["regret"] >= -1e-3).all()
    p50 = draws[draws["plan"] == "P50"]["total_cost"].iloc[:4].mean()
    assert said["expected_cost"] <= p50 * (1 + 1e-9)
    assert table.loc["robust", "chosen_against_draws"] == 4 and table.loc["robust", "priced_in_draws"] == 5


def test_the_councillors_sentence_says_what_the_robust_plan_changes():
    from placeplan.sweep.compare import compare
    from placeplan.sweep.robust import Robust

    options = pd.DataFrame(
        {
            "option_id": ["A", "B", "C"],
            "name": ["Oak <b>SRP</b>", "{{ Elm }} unit", "Ash"],
            "kind": ["srp", "unit", "srp"],
        }
    )
    p50 = (Opened("A", 8, 2027), Opened("C", 10, 2027))
    robust = (Opened("A", 16, 2027), Opened("B", 6, 2028), Opened("C", 10, 2027))
    own = [Outcome(d, "optimal", 100.0 + 10 * d, 0.0, 5.0, 1.0, 50.0 + d, ()) for d in range(10)]
    priced = [
        (
            Outcome(d, "optimal", 110.0 + 20 * d, 0.0, 5.0, 2.0, 50.0 + d, p50),
            Outcome(d, "optimal", 112.0 + 12 * d, 0.0, 8.0, 1.0, 50.0 + d, robust),
        )
        for d in range(10)
    ]
    chosen = Robust("feasible", 166.0, 145.0, 0.13, 10, 3, robust, "test", 1)
    plan = Outcome(None, "optimal", 150.0, 0.0, 5.0, 2.0, 55.0, p50)
    compared = compare("P50", plan, chosen, own, priced, options)
    table = compared.table.set_index("plan")
    assert table.loc["P50", "expected_cost"] == 200.0 and table.loc["robust", "expected_cost"] == 166.0
    assert table.loc["P50", "high_demand_cost"] == 290.0 and table.loc["robust", "high_demand_cost"] == 220.0
    assert table.loc["P50", "max_regret"] == 100.0 and table.loc["robust", "max_regret"] == 30.0
    assert table.loc["robust", "places_opened"] == 32 and table.loc["robust", "capital"] == 8.0
    said = compared.summary
    assert said["changes"] == {"adds": ["B"], "drops": [], "enlarges": ["A"], "shrinks": [], "moves_year": []}
    sentence = said["sentence"]
    assert "the 1 of 10 demand futures with the most pupils" in sentence
    assert "the P50 plan costs £290 over the plan's years" in sentence and "costs £220 there" in sentence
    assert "makes bigger Oak <b>SRP</b>; adds {{ Elm }} unit (+14 places in all, £3 more capital)" in sentence
    assert list(compared.options["plan"]) == ["P50", "P50", "robust", "robust", "robust"]


def test_a_robust_plan_needs_draws_and_no_more_draws_than_those(tiny_scenario, tmp_path):
    alone = run_cli(["sweep", str(tiny_scenario), "--alternatives", "2", "--robust", "2", "--out", str(tmp_path / "a")])
    assert alone.exit_code == 2 and "--robust" in alone.output and "--draws N beside it" in alone.output
    more = run_cli(
        ["sweep", str(tiny_scenario), "--draws", "3", "--robust", "4", "--workers", "0", "--out", str(tmp_path / "b")]
    )
    assert more.exit_code == 2 and "expected 1 to the 3 draws of --draws" in more.output
    assert "Traceback" not in alone.output + more.output
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
