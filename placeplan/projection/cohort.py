"""Cohort ageing: each January's pupils by National Curriculum year (NCY) become next
January's, one year group up, with joiners and leavers.

Next January's pupils in year group ``n`` are::

    P[t+1, n] = stay[n] * P[t, n-1] + join[n] * B[t, n]

``stay`` is the share of last year's group below that is still in specialist provision
(plans ceasing, moves back to mainstream and the end of a phase take the rest; after NCY 11
and NCY 14 most pupils leave); ``join`` counts new pupils (new plans, moves in from
mainstream or from other councils) per pupil of ``B``. For most year groups ``B`` is the
group moving up, ``P[t, n-1]``. Nursery (NCY -1) and reception (NCY 0) are *intake* year
groups: most of their pupils are new each year, so their joiners are counted per pupil of
the same year group this January, ``B[t, n] = P[t, n]`` (nobody is below nursery; nursery
pupils move up into reception). Pupils in NCY 20 (age 24) leave. With ``join = 0`` and
``stay = 1`` every pupil moves up and nobody is gained or lost until they pass NCY 20.

From counts alone (pupils by NCY each January) only the net change can be measured: for
an ordinary year group a net ratio above 1 is read as everyone staying plus joiners, below
1 as leavers and no joiners; for reception, nursery pupils are taken to stay and the rest
are joiners. Rates are pooled toward a wider area's (England's, or every area of a
backtest file) with a prior worth ``prior_pupils`` pupils, so a council's small year
groups do not swing them.

This is the structure of the joiners / movers / leavers transition models SEND forecasters
use, on year groups rather than individual pupils: a move between two specialist settings
keeps a pupil in demand, so movers are inside ``stay``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..codes import NCY_MAX, NCY_MIN

NCYS = np.arange(NCY_MIN, NCY_MAX + 1)
WIDTH = len(NCYS)
#: Intake year groups (nursery, reception): joiners counted per pupil of the same group.
INTAKE = np.isin(NCYS, (-1, 0))


@dataclass(frozen=True)
class Ratios:
    """Stay and join rates by year group (arrays over NCY -1..20, with any leading axes)."""

    stay: np.ndarray
    join: np.ndarray
    log_sd: np.ndarray  # sampling standard deviation of the log of the year group's change

    def scaled(self, scale: np.ndarray) -> Ratios:
        return Ratios(stay=self.stay * scale, join=self.join * scale, log_sd=self.log_sd)


def below(counts: np.ndarray) -> np.ndarray:
    """Each year group's group below (nursery has none)."""
    out = np.zeros_like(counts)
    out[..., 1:] = counts[..., :-1]
    return out


def join_base(counts: np.ndarray) -> np.ndarray:
    """What joiners are counted per: the group below, or the group itself for intake years."""
    return np.where(INTAKE, counts, below(counts))


@dataclass(frozen=True)
class Counts:
    """Sums over consecutive Januaries: pupils arriving in each year group, and the
    stay and join bases a year earlier."""

    arrivals: np.ndarray
    stay_base: np.ndarray
    join_base: np.ndarray

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.arrivals + other.arrivals, self.stay_base + other.stay_base, self.join_base + other.join_base
        )


def empty_counts() -> Counts:
    return Counts(np.zeros(WIDTH), np.zeros(WIDTH), np.zeros(WIDTH))


def count_pairs(years: np.ndarray) -> Counts:
    """Counts from a years x NCY matrix of consecutive Januaries; a pair with a missing
    January (a row with NaN) is skipped."""
    before, after = years[:-1], years[1:]
    counted = np.isfinite(before).all(axis=1) & np.isfinite(after).all(axis=1)
    before, after = before[counted], after[counted]
    if not len(after):
        return empty_counts()
    return Counts(
        arrivals=after.sum(axis=0), stay_base=below(before).sum(axis=0), join_base=join_base(before).sum(axis=0)
    )


def estimate(counts: Counts, *, prior: Ratios | None = None, prior_pupils: float = 0.0) -> Ratios:
    """Stay and join rates from counts, each shrunk toward ``prior`` with a weight of
    ``prior_pupils`` pupils. Without a prior (or data), a year group keeps its size."""
    k = float(prior_pupils) if prior is not None else 0.0
    prior_stay = prior.stay if prior is not None else np.where(NCYS == NCY_MIN, 0.0, 1.0)
    prior_join = prior.join if prior is not None else np.where(INTAKE, 1.0, 0.0)
    arrivals, stay_base, base = counts.arrivals, counts.stay_base, counts.join_base
    # Ordinary year groups: a net ratio on the group below.
    numerator = arrivals + k * (prior_stay + prior_join)
    denominator = stay_base + k
    net = np.divide(numerator, denominator, out=prior_stay + prior_join, where=denominator > 0)
    stay = np.minimum(net, 1.0)
    join = np.maximum(net - 1.0, 0.0)
    # Stayers are binomial and joiners Poisson on the group below: the net ratio's variance
    # is (s(1 - s) + j) / n, and the log's that over the ratio squared.
    spread = (stay * (1.0 - stay) + join) / np.maximum(denominator, 1.0)
    log_sd = np.sqrt(np.divide(spread, net * net, out=np.zeros_like(spread), where=net > 0))
    # Intake year groups: the pupils from below stay; the rest joined, per pupil of the group.
    joiners = np.maximum(arrivals - stay_base, 0.0) + k * prior_join
    intake_denominator = base + k
    intake = np.divide(joiners, intake_denominator, out=prior_join.astype(float).copy(), where=intake_denominator > 0)
    stay = np.where(INTAKE, np.where(NCYS == NCY_MIN, 0.0, 1.0), stay)
    join = np.where(INTAKE, intake, join)
    log_sd = np.where(INTAKE, np.sqrt(1.0 / (joiners + 1.0)), log_sd)  # Poisson joiners
    return Ratios(stay=stay, join=join, log_sd=log_sd)


def step(counts: np.ndarray, ratios: Ratios) -> np.ndarray:
    """One January to the next."""
    return ratios.stay * below(counts) + ratios.join * join_base(counts)


@dataclass(frozen=True)
class Aged:
    """Projected pupils: ``total`` and the part that is base-year pupils moved up
    (``original``), both (years + 1, ..., NCY) with the base year first."""

    total: np.ndarray
    original: np.ndarray

    @property
    def joined(self) -> np.ndarray:
        return np.maximum(self.total - self.original, 0.0)


def age(base: np.ndarray, ratios: Ratios, years: int) -> Aged:
    """Age ``base`` (..., NCY) for ``years`` years; ratios broadcast against it."""
    total = [np.broadcast_to(base.astype(float), np.broadcast_shapes(base.shape, ratios.stay.shape))]
    original = [total[0]]
    for _ in range(years):
        total.append(step(total[-1], ratios))
        original.append(np.minimum(ratios.stay * below(original[-1]), total[-1]))
    return Aged(total=np.stack(total), original=np.stack(original))


def draw(ratios: Ratios, *, draws: int, rng: np.random.Generator) -> Ratios:
    """Ratios with a leading draws axis: each draw scales a year group's stay and join
    together by ``exp(log_sd * z)``, z standard normal, once for the whole horizon."""
    shape = (draws, *np.shape(ratios.stay))
    return ratios.scaled(np.exp(rng.standard_normal(shape) * ratios.log_sd))
