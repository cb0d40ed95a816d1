"""One table of solvers (placeplan.solvers) drives the backend, the scenario's allowed values,
the CLI's choice and the name the documents print."""

from __future__ import annotations

import pytest
from conftest import run_cli

from placeplan.commands.solve import solve as solve_command
from placeplan.optimise import backend
from placeplan.scenario.model import Solve
from placeplan.solvers import PLAN_SOLVERS, SOLVERS, display_name


def test_the_backend_can_run_every_solver_in_the_table_and_no_other():
    assert set(backend.MATHOPT_TYPES) == set(SOLVERS)


def test_the_scenario_and_the_cli_allow_exactly_the_plan_solvers():
    option = next(p for p in solve_command.params if p.name == "solver")
    assert tuple(option.type.choices) == PLAN_SOLVERS
    assert "glop" not in PLAN_SOLVERS  # LPs only: it cannot make the plan
    for name in PLAN_SOLVERS:
        assert Solve(solver=name).solver == name
    with pytest.raises(ValueError, match="expected one of highs, scip, cp-sat"):
        Solve(solver="glop")
    assert Solve.model_json_schema()["properties"]["solver"]["enum"] == list(PLAN_SOLVERS)


def test_a_scenario_naming_another_solver_is_refused_with_the_choices(tiny_scenario):
    result = run_cli(["validate", str(tiny_scenario), "--set", 'solve.solver="gurobi"'])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "gurobi" in result.output and "highs, scip, cp-sat" in result.output


def test_each_solver_is_given_only_the_parameters_it_takes():
    def given(name: str, cutoff: float | None = 10.0):
        return backend._parameters(
            name, time_limit=5, relative_gap=0.01, threads=2, seed=7, verbose=False, cutoff=cutoff
        )

    highs, scip, glop = given("highs"), given("scip"), given("glop")
    assert highs.threads == 0 and scip.threads == 2 and glop.threads == 2  # HiGHS: one thread via MathOpt
    assert highs.relative_gap_tolerance == scip.relative_gap_tolerance == 0.01
    assert not glop.HasField("relative_gap_tolerance") and not glop.HasField("cutoff_limit")
    assert scip.cutoff_limit == highs.cutoff_limit == 10.0 and not given("cp-sat").HasField("cutoff_limit")
    assert given("cp-sat").cp_sat.num_workers == 2


def test_documents_print_each_solver_by_its_own_name():
    assert [display_name(n) for n in PLAN_SOLVERS] == ["HiGHS", "SCIP", "CP-SAT"]
    assert display_name("something-else") == "something-else"
