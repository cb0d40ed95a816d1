"""The solvers placeplan can hand its model to, and what each accepts: one table that drives
the backend's parameters (:mod:`placeplan.optimise.backend`), the scenario's allowed values
(``solve.solver``), the CLI's ``--solver`` choice and the name the documents print.

It lives on the ground floor, as data, so that the scenario and the documents can name the
solvers without importing the optimiser.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Solver:
    name: str  # as a scenario and --solver write it
    display: str  # as the documents print it
    integers: bool  # solves models with integer variables (the plan's MIP), not only LPs
    whole_data_only: bool  # refuses fractional data (CP-SAT: its flows must be whole units)
    gap: bool  # takes a relative gap at which to stop
    seed: bool  # takes a random seed
    threads: bool  # takes a thread count through MathOpt (HiGHS runs one thread there)
    cutoff: bool  # takes an objective cutoff (stop when no plan can beat it)
    hints: bool  # takes a starting solution (the dive's plan) as a hint
    progress: bool  # its log prints the bound and incumbent placeplan reads for progress


SOLVERS: dict[str, Solver] = {
    s.name: s
    for s in (
        Solver("highs", "HiGHS", True, False, True, True, False, True, True, True),
        Solver("scip", "SCIP", True, False, True, True, True, True, True, True),
        Solver("cp-sat", "CP-SAT", True, True, True, True, True, False, True, False),
        Solver("glop", "GLOP", False, False, False, False, True, False, False, False),
    )
}
#: The solvers that can solve the plan (a scenario's and the CLI's choices), the default first.
PLAN_SOLVERS = tuple(name for name, solver in SOLVERS.items() if solver.integers)
DEFAULT_PLAN_SOLVER = PLAN_SOLVERS[0]
#: The core's MIP solver when a caller names none (a classic problem handed to
#: :func:`placeplan.optimise.solve`). The plan's default is HiGHS, whose LPs its strategy
#: re-solves from a basis; what the core hands a MIP solver is what the Lagrangian stage
#: left of a CFLP or p-median (benchmarks/orlib.py and pmedian.py measure it on SCIP).
DEFAULT_CORE_SOLVER = "scip"


def display_name(name: str) -> str:
    """The solver's name as documents print it (the name itself for one not in the table)."""
    solver = SOLVERS.get(name)
    return solver.display if solver else name
