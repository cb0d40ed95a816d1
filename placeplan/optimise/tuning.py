"""The optimiser's tunables, in one place: counts, shares and tolerances that decide how the
search runs (never what a plan must satisfy), each with why it has its value. Counts end
searches rather than clocks, so that a plan is the same on any machine and under any load.

They are fixed for the project (:data:`TUNING`); a benchmark that wants to try others builds
a :class:`Tuning` of its own and patches it in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    # -- when a plan counts as proven ----------------------------------------------------
    #: A plan within this relative gap of its bound is reported optimal.
    optimal_gap: float = 1e-6
    #: The gap the MIP solver is asked to close when the scenario's relative_gap is 0.
    solver_gap: float = 1e-7
    #: An LP value above this is in the LP's support (opened, or a flow that moves pupils).
    support_tolerance: float = 1e-6
    #: Relative noise in summing a plan's terms: one plan beats another only by more.
    float_tolerance: float = 1e-9

    # -- the dive: the first plan, rounded from the LP relaxation ------------------------
    #: Most LPs the dive's rounding solves. A count, not a clock, ends it, so the dive's plan
    #: is the same on any machine and under any load: Kingston and Richmond's rounding ends
    #: by itself in 11; a county's would take tens of LPs of several seconds each, and what
    #: it leaves fractional the dive's MIP decides.
    dive_rounds: int = 12

    # -- the Lagrangian stage (single-period problems: CFLP, p-median) -------------------
    #: Seconds for the root's subgradient ascent, or its share of a time limit: the rest
    #: is for the branch and bound and the MIP solver, which prove what the root leaves.
    lagrangian_seconds: float = 30.0
    lagrangian_share: float = 0.3
    #: Most plans the root's local search prices (with capacities or budgets): pmed5
    #: capacitated goes from 1998 to 1600 (optimum 1580) in 965, about 0.8 s.
    improve_evaluations: int = 1_000
    #: The share of a time limit the branch and bound may run to (the MIP solver has the
    #: rest), and the share of that the MIP probe may take.
    branch_share: float = 0.8
    probe_share: float = 0.5

    # -- the Lagrangian branch and bound (placeplan's own search) ------------------------
    #: Subgradient steps per node (the root has its own, longer ascent). 25 against 40:
    #: capacitated pmed2 0.95 -> 0.81 s, pmed8 14.0 -> 12.8 s, pmed7 0.86 -> 0.91 s;
    #: pmed1-40 uncapacitated 50.4 -> 50.0 s and OR-Library CFLP 25.1 -> 25.4 s in all.
    node_steps: int = 25
    #: Polyak's step factor at a node: few steps, so it is never shrunk.
    node_step: float = 1.5
    #: The branch and bound branches on pseudo-costs (:func:`.branch._branching_option`):
    #: a branch's gain is counted per share of the option's average choice it moved, a share
    #: taken as at least ``branch_share_floor`` (an option never chosen in a node's steps
    #: would otherwise record a gain a thousand times its size), and an option's own
    #: pseudo-costs count once it has ``branch_reliable`` branches each way (before, the
    #: average of every option's). Nodes on capacitated pmed1, 2, 4, 6-8, 11-13, 16, 17, 22
    #: / on uncapacitated pmed26, 31, 35, 36, 38, 39: 3,262 / 1,525 with 8; 3,691 / 1,550
    #: with 16; 4,574 / - with 4; 2,631 / - with 1 (but pmed36 then 5,163 nodes, 38 s); and
    #: 4,941 / 1,546 branching on the option nearest one half throughout (capacitated pmed8:
    #: 3,835 -> 2,171 nodes, 9.9 -> 6.0 s). The branch and bound's trees are sensitive to
    #: the rule: judge a change on the totals, not one instance.
    branch_reliable: int = 8
    branch_share_floor: float = 0.05
    #: With whole-number costs, how far under a whole number a bound may sit and still be
    #: rounded up to it (half of it for subtrees closed by fixing, which record the cutoff).
    step_margin: float = 1e-3
    #: Nodes before the branch and bound hands over to the MIP solver, fewer if the open
    #: nodes' multipliers would pass this many floats (200 MB), and seconds without a limit.
    branch_nodes: int = 20_000
    branch_multipliers: float = 25e6
    branch_seconds: float = 600.0
    #: With whole-number costs, after this many nodes the search asks a MIP solver for a
    #: plan and a bound, for this many times the root's seconds (at least the minimum). Its
    #: bounds can sit just under a whole-unit cutoff and never prune: one unit short of the
    #: optimum (pmed30: > 5 min) HiGHS finds and proves it in 0.7 s; where the search is the
    #: faster (pmed36: 22 s against > 5 min) it costs only the probe's seconds. Searches that
    #: end within 200 nodes (every OR-Library CFLP) never pay for it.
    probe_nodes: int = 200
    #: With capacities, when the units to place per option opened are at most this, the
    #: stage guesses the gap (:attr:`guessed_gaps`) and the probe goes first, at the root;
    #: with more, there is no probe at all. Capacitated pmed4 (5 points an option): 0.64 s
    #: with the probe after 200 nodes, 0.36 s with it first, 0.18 s guessing; pmed5 (3):
    #: 1.80 s, 0.94 s and 0.16 s. pmed1 and pmed6 (20 and 40 points an option): 0.25 s and
    #: 0.70 s after 200 nodes, 1.62 s and 2.74 s with the probe first, 1.27 s guessing
    #: (pmed1); pmed2 (10): 2.68 s with the probe after 200 nodes, 1.23 s with none.
    probe_first_units: float = 5.0
    #: No probe when the fixing leaves more than this many arcs a group: the MIP solver
    #: cannot finish in its seconds, which the search then loses (pmed36: 296 arcs a
    #: point, the probe stopped by its clock after 8.4 s of 23.3 s). Where the probe
    #: pays, few arcs are left: pmed30 1.4 a point, capacitated pmed2 13, pmed5 7.
    probe_arcs_per_group: float = 20.0
    #: The gaps over the Lagrangian bound the stage guesses the optimum is within, in turn
    #: (:func:`.lagrangian_stage._guess_the_gap`), each settled by one MIP on what the
    #: fixing against the guess leaves.
    guessed_gaps: tuple[float, ...] = (0.005, 0.01, 0.02)
    #: A guess is not worth its MIP once its fixing leaves this share of the arcs the
    #: fixing against the plan in hand leaves, when the probe can take that plan's MIP:
    #: capacitated pmed10's 1% guess leaves 2,108 arcs against the plan's 2,117, and takes
    #: as long (3.9 s) as the probe that then proves the plan optimal (2.8 s).
    guess_arc_share: float = 0.8
    #: Seconds each guess's MIP may take (its answer counts only if it ends within them).
    #: Capacitated pmed9's first guess takes 9.3 s, pmed10's two 4.8 s and 5.3 s, and then
    #: both are proven (39 s and 22 s in all); with 2 s neither guess counted and neither
    #: instance was proven in 240 s. pmed4 and pmed5's guesses take under 0.1 s. (Since the
    #: cutoff and :attr:`guess_arc_share`: pmed9 one guess of 7.3 s and a probe of 14.8 s,
    #: 22 s in all; pmed10 one guess of 4.1 s and a probe of 2.8 s, 7.3 s in all.)
    guess_seconds: float = 30.0
    probe_root_multiple: float = 4.0
    probe_min_seconds: float = 2.0

    # -- the placement bound's min-cost flow ---------------------------------------------
    #: The dearest unit cost, scaled to an integer for the min-cost flow.
    cost_scale: float = 2.0**30


TUNING = Tuning()


def is_cheaper(cost: float, than: float) -> bool:
    """Whether ``cost`` beats ``than`` by more than the noise in summing a plan's terms
    (:attr:`Tuning.float_tolerance`, relative to ``cost``, so that any finite cost beats
    no plan at all: ``than`` infinite)."""
    return cost < than - TUNING.float_tolerance * abs(cost)
