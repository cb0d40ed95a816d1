"""Hand a built :class:`~placeplan.optimise.formulation.Model` to a solver through OR-Tools
MathOpt, and read the answer back as arrays.

The model goes to MathOpt as a ``ModelProto`` filled from numpy arrays in one pass (no
Python object per variable), so a 100,000-arc model is handed over in a fraction of a
second. Solvers: SCIP (``"scip"``), HiGHS (``"highs"``, also for LP relaxations), CP-SAT
(``"cp-sat"``), and GLOP (``"glop"``) for LP relaxations.
"""

from __future__ import annotations

import datetime
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from ortools.math_opt import (
    model_parameters_pb2,
    model_pb2,
    parameters_pb2,
    result_pb2,
    solution_pb2,
    sparse_containers_pb2,
)
from ortools.math_opt.python import mathopt

from ..solvers import SOLVERS
from .formulation import Model

log = logging.getLogger(__name__)

#: Each solver of placeplan.solvers.SOLVERS as MathOpt names it.
MATHOPT_TYPES = {
    "scip": mathopt.SolverType.GSCIP,
    "highs": mathopt.SolverType.HIGHS,
    "cp-sat": mathopt.SolverType.CP_SAT,
    "glop": mathopt.SolverType.GLOP,
}

Progress = Callable[[dict], None]


class Termination(StrEnum):
    """How one solver run ended, whichever solver ran (MathOpt's and HiGHS's own reasons
    mapped here); :func:`placeplan.optimise.result.status_without_plan` turns a run that left
    no plan into the project's :class:`~placeplan.optimise.result.Status`."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    IMPRECISE = "imprecise"
    LIMIT = "limit"  # a limit stopped it (which: RawSolution.limit)
    CUTOFF = "cutoff"  # no plan can beat the cutoff it was given
    FIRST_PLAN = "first_plan"  # the dive's first plan, kept without a search (solve.search = false)
    ERROR = "error"


@dataclass(frozen=True)
class RawSolution:
    """What a solver returned, in the model's variable order."""

    reason: Termination
    limit: str | None  # time, ... when reason == "limit"
    values: np.ndarray | None  # primal values (None when no solution)
    objective: float
    bound: float
    seconds: float
    reduced_costs: np.ndarray | None = None
    duals: np.ndarray | None = None
    detail: str = ""


def to_proto(
    model: Model, *, relax: bool = False, lower: np.ndarray | None = None, upper: np.ndarray | None = None
) -> model_pb2.ModelProto:
    """The model as a MathOpt ModelProto (optionally its LP relaxation, or with other bounds)."""
    proto = model_pb2.ModelProto(name="placeplan")
    n = model.num_variables
    lo = model.lower if lower is None else lower
    up = model.upper if upper is None else upper
    v = proto.variables
    v.ids.extend(range(n))
    v.lower_bounds.extend(lo.tolist())
    v.upper_bounds.extend(up.tolist())
    v.integers.extend([False] * n if relax else model.integer.tolist())
    obj = model.objective
    nz = np.flatnonzero(obj)
    proto.objective.linear_coefficients.ids.extend(nz.tolist())
    proto.objective.linear_coefficients.values.extend(obj[nz].tolist())
    m = model.num_constraints
    c = proto.linear_constraints
    c.ids.extend(range(m))
    c.lower_bounds.extend(model.row_lower.tolist())
    c.upper_bounds.extend(model.row_upper.tolist())
    mat = model.matrix.tocsr()
    mat.sort_indices()
    rows = np.repeat(np.arange(m), np.diff(mat.indptr))
    keep = mat.data != 0
    entries = proto.linear_constraint_matrix
    entries.row_ids.extend(rows[keep].tolist())
    entries.column_ids.extend(mat.indices[keep].tolist())
    entries.coefficients.extend(mat.data[keep].tolist())
    return proto


def _parameters(
    solver: str,
    *,
    time_limit: float | None,
    relative_gap: float,
    threads: int,
    seed: int,
    verbose: bool,
    cutoff: float | None,
) -> parameters_pb2.SolveParametersProto:
    accepts = SOLVERS[solver]
    params = mathopt.SolveParameters(enable_output=verbose)
    if time_limit is not None:
        params.time_limit = datetime.timedelta(seconds=max(0.01, time_limit))
    if accepts.gap:
        params.relative_gap_tolerance = relative_gap
        params.absolute_gap_tolerance = 1e-9 if relative_gap == 0 else None
    if accepts.threads:
        params.threads = threads
    if accepts.seed:
        params.random_seed = seed
    if cutoff is not None and accepts.cutoff:
        params.cutoff_limit = cutoff
    if solver == "cp-sat":  # CP-SAT's own workers and seed, beside MathOpt's common ones
        params.cp_sat.num_workers = threads
        params.cp_sat.random_seed = seed
    return params.to_proto()


def _hint(values: np.ndarray | None) -> model_parameters_pb2.ModelSolveParametersProto:
    mp = model_parameters_pb2.ModelSolveParametersProto()
    if values is not None:
        hint = mp.solution_hints.add()
        hint.variable_values.ids.extend(range(len(values)))
        hint.variable_values.values.extend(np.asarray(values, float).tolist())
    return mp


# The last columns of SCIP's progress table: dual bound | primal bound | gap [| completion].
_SCIP_LINE = re.compile(r"\|\s*([-+0-9.e]+|--)\s*\|\s*([-+0-9.e]+|--)\s*\|\s*([0-9.]+\s*%|Inf)\s*(?:\|\s*\S*\s*)?$")


def _progress_reader(solver: str, progress: Progress | None, started: float):
    """A MathOpt message callback that turns the solver's log table into progress events
    (best bound and incumbent as they improve). SCIP and HiGHS print both."""
    if progress is None or not SOLVERS[solver].progress:
        return None
    last: dict = {}

    def on_lines(lines: list[str]) -> None:
        for line in lines:
            event = _parse_line(solver, line)
            if event and event != last.get("event"):
                last["event"] = event
                progress({"stage": "solve", "solver": solver, "seconds": time.perf_counter() - started, **event})

    return on_lines


def _number(text: str) -> float | None:
    text = text.strip().rstrip("%")
    try:
        return float(text)
    except ValueError:
        return None


def _parse_line(solver: str, line: str) -> dict | None:
    if solver == "scip":
        match = _SCIP_LINE.search(line)
        if match:
            bound, incumbent = _number(match.group(1)), _number(match.group(2))
            if bound is not None or incumbent is not None:
                return {"bound": bound, "incumbent": incumbent}
    elif solver == "highs":
        parts = line.split()
        # HiGHS MIP table: ... BestBound BestSol Gap ...; take the last three numbers before time
        if len(parts) >= 6 and parts[-1].endswith("s") and ("%" in line or "inf" in line.lower()):
            nums = [p for p in parts if _number(p) is not None or p.lower() in ("inf", "-inf")]
            if len(nums) >= 4:
                try:
                    return {"bound": float(nums[-4]), "incumbent": float(nums[-3])}
                except ValueError:
                    return None
    return None


def run(
    model: Model,
    *,
    solver: str = "scip",
    relax: bool = False,
    time_limit: float | None = None,
    relative_gap: float = 0.0,
    threads: int = 1,
    seed: int = 0,
    hint: np.ndarray | None = None,
    cutoff: float | None = None,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
    progress: Progress | None = None,
    verbose: bool = False,
    want_duals: bool = False,
) -> RawSolution:
    """Solve the model (or its LP relaxation) once and return the raw answer."""
    if solver not in MATHOPT_TYPES:
        raise ValueError(f"unknown solver {solver!r}; expected one of {', '.join(MATHOPT_TYPES)}")
    started = time.perf_counter()
    proto = to_proto(model, relax=relax, lower=lower, upper=upper)
    params = _parameters(
        solver,
        time_limit=time_limit,
        relative_gap=relative_gap,
        threads=threads,
        seed=seed,
        verbose=verbose,
        cutoff=cutoff,
    )
    model_params = _hint(hint if SOLVERS[solver].hints and not relax else None)
    if want_duals:
        model_params.reduced_costs_filter.CopyFrom(sparse_containers_pb2.SparseVectorFilterProto())
        model_params.dual_values_filter.CopyFrom(sparse_containers_pb2.SparseVectorFilterProto())
    from ortools.math_opt.core.python import solver as core_solver  # the call mathopt.solve makes

    try:
        result = core_solver.solve(
            proto,
            MATHOPT_TYPES[solver].value,
            mathopt.StreamableSolverInitArguments().to_proto(),
            params,
            model_params,
            _progress_reader(solver, progress, started),
            mathopt.CallbackRegistration().to_proto(),
            None,
            None,
        )
    except Exception as exc:  # MathOpt raises StatusNotOk when a solver refuses a model
        detail = f"{solver} could not take the model: {exc}"
        if SOLVERS[solver].whole_data_only:
            others = " or ".join(s for s in SOLVERS if SOLVERS[s].integers and not SOLVERS[s].whole_data_only)
            detail += (
                f" ({SOLVERS[solver].display} makes every variable an integer, and placements of fractional demand "
                f"are not: use {others})"
            )
        log.info(detail)
        return RawSolution(
            Termination.ERROR, None, None, math.nan, math.nan, time.perf_counter() - started, detail=detail
        )
    return _read(result, model.num_variables, model.num_constraints, time.perf_counter() - started)


_REASONS = {
    result_pb2.TERMINATION_REASON_OPTIMAL: Termination.OPTIMAL,
    result_pb2.TERMINATION_REASON_INFEASIBLE: Termination.INFEASIBLE,
    result_pb2.TERMINATION_REASON_UNBOUNDED: Termination.UNBOUNDED,
    result_pb2.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED: Termination.INFEASIBLE_OR_UNBOUNDED,
    result_pb2.TERMINATION_REASON_IMPRECISE: Termination.IMPRECISE,
    result_pb2.TERMINATION_REASON_FEASIBLE: Termination.LIMIT,
    result_pb2.TERMINATION_REASON_NO_SOLUTION_FOUND: Termination.LIMIT,
    result_pb2.TERMINATION_REASON_NUMERICAL_ERROR: Termination.ERROR,
    result_pb2.TERMINATION_REASON_OTHER_ERROR: Termination.ERROR,
}


def _dense(vector: sparse_containers_pb2.SparseDoubleVectorProto, size: int) -> np.ndarray:
    out = np.zeros(size)
    if len(vector.ids):
        out[np.asarray(vector.ids, np.int64)] = np.asarray(vector.values, float)
    return out


def _read(result: result_pb2.SolveResultProto, n: int, m: int, seconds: float) -> RawSolution:
    term = result.termination
    reason = _REASONS.get(term.reason, Termination.ERROR)
    limit = None
    if reason == Termination.LIMIT:
        limit = result_pb2.LimitProto.Name(term.limit).removeprefix("LIMIT_").lower()
        if limit == "cutoff":
            reason = Termination.CUTOFF
    values = None
    objective = np.inf
    for solution in result.solutions:
        if (
            solution.HasField("primal_solution")
            and solution.primal_solution.feasibility_status == solution_pb2.SOLUTION_STATUS_FEASIBLE
        ):
            values = _dense(solution.primal_solution.variable_values, n)
            objective = solution.primal_solution.objective_value
            break
    reduced = duals = None
    for solution in result.solutions:
        if solution.HasField("dual_solution"):
            reduced = _dense(solution.dual_solution.reduced_costs, n)
            duals = _dense(solution.dual_solution.dual_values, m)
            break
    bounds = term.objective_bounds
    bound = bounds.dual_bound if bounds is not None else -np.inf
    return RawSolution(reason, limit, values, float(objective), float(bound), seconds, reduced, duals, term.detail)
