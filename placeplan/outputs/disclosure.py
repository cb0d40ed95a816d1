"""Disclosure control: no public output shows a count of pupils below the threshold.

Implemented once, here, and used by every public output (map, shortlist, report, the
public sheets of the workbook), the way official statistics do it:

* **Primary suppression.** A count of pupils that rounds to 1..N-1 (or any positive
  number below one: projections are fractional) is shown as ``<N``, N the scenario's
  ``output.suppression_threshold`` (5 by default), and so is a projection of such a count
  (the published growth rates would give it back). Zero is shown as 0.
* **Secondary suppression.** Published counts are linked by sums (a zone's pupils by need
  add up to its total; a school's pupils are the sum of the flows into it). Whenever the
  sums, worked together, would let a reader narrow a suppressed count down to less than
  :data:`PROTECTION` pupils, another number in a sum that does it is withheld as ``c``:
  the smallest non-zero one, totals last. This repeats until no count can be narrowed.

Counts are described as :class:`Cells` (values and whether each is published) and
:meth:`Cells.line` relations ``parts = total``; :meth:`Cells.protect` returns what each cell
may show. The reader modelled knows every shown number (to within its rounding), that
``<N`` is 1..N-1 (above 0 and below N - 0.5 for a projection) and that ``c`` is not, and
works the sums together: bounds on every hidden number are tightened through every sum
until nothing changes (interval propagation, the audit statistical offices run on linked
tables, short of solving a linear programme for each cell; the tests check the result
with one). Places, costs and minutes are not counts of pupils and are shown as they are,
unless chosen to protect a count they are summed with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Shown for a count withheld so that a suppressed count cannot be worked out.
SECONDARY = "c"
#: A suppressed count must stay uncertain by at least this many pupils.
PROTECTION = 1.0

SHOWN, SMALL, WITHHELD, UNPUBLISHED, PROJECTED = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class Rule:
    """The scenario's threshold and how a count looks in print."""

    threshold: int = 5

    @property
    def small(self) -> str:
        return f"<{self.threshold}"

    @property
    def off(self) -> bool:
        """No count is suppressed (a threshold of 0 or 1): the documents are internal."""
        return self.threshold <= 1

    @property
    def marking(self) -> str:
        """What every document says in its title when nothing is suppressed ('' otherwise)."""
        return "NOT FOR PUBLICATION: small counts of pupils shown" if self.off else ""

    @property
    def largest(self) -> int:
        """The largest whole count that is suppressed (threshold - 1)."""
        return self.threshold - 1

    def is_small(self, value: float | np.ndarray) -> np.ndarray:
        """Positive counts that round to below the threshold."""
        value = np.asarray(value, dtype=float)
        if self.threshold <= 0:
            return np.zeros(value.shape, dtype=bool)
        return (value > 1e-9) & (np.floor(value + 0.5) <= self.largest)

    def count(self, value: float | None) -> str:
        """One count on its own (no sum links it to another published number)."""
        if value is None or not np.isfinite(value):
            return ""
        return self.small if bool(self.is_small(value)) else f"{int(np.floor(value + 0.5)):,}"

    def describe(self) -> str:
        if self.off:
            return (
                "Disclosure control is off (output.suppression_threshold is "
                f"{self.threshold}): every count of pupils is shown, however small, so this document "
                "must not be published. Numbers of pupils are rounded to whole pupils."
            )
        return (
            f"{self.small} means between 1 and {self.largest} pupils; {SECONDARY} means a number "
            "withheld, so that a smaller one cannot be worked out from a total, or because it is a "
            f"projection of {self.largest} pupils or fewer. Numbers of pupils are rounded to whole pupils."
        )


@dataclass
class Cells:
    """Counts to publish together, and the sums that link them."""

    rule: Rule
    values: list[np.ndarray] = field(default_factory=list)
    published: list[np.ndarray] = field(default_factory=list)
    counts: list[np.ndarray] = field(default_factory=list)
    priority: list[np.ndarray] = field(default_factory=list)
    bases: list[np.ndarray] = field(default_factory=list)
    signed: list[np.ndarray] = field(default_factory=list)
    members: list[np.ndarray] = field(default_factory=list)
    coefs: list[np.ndarray] = field(default_factory=list)
    size: int = 0

    def add(
        self,
        values,
        *,
        base=None,
        published: bool = True,
        pupils: bool = True,
        total: bool = False,
        signed: bool = False,
    ) -> np.ndarray:
        """Cells for ``values``; returns their indices.

        ``base``: the whole counts each value was projected from; a projection of a small
        count is suppressed too, as the published growth rates would give the count back.
        ``pupils=False`` marks numbers that are not counts of pupils (never suppressed for
        being small); ``signed=True`` numbers that may be negative (a surplus);
        ``total=True`` makes a cell the last choice for withholding; ``published=False``
        one a reader never sees (it still links the others).
        """
        values = np.atleast_1d(np.asarray(values, dtype=float))
        count = len(values)
        base = np.zeros(count) if base is None else np.nan_to_num(np.atleast_1d(np.asarray(base, dtype=float)))
        self.bases.append(base)
        self.values.append(np.nan_to_num(values))
        self.published.append(np.full(count, published))
        self.counts.append(np.full(count, pupils))
        self.priority.append(np.full(count, 1 if total else 0))
        self.signed.append(np.full(count, signed))
        index = np.arange(self.size, self.size + count)
        self.size += count
        return index

    def line(self, parts, total, *, signs=None) -> None:
        """``sum(parts) = total`` (or ``sum(signs * parts) = total``) holds between cells."""
        parts = np.atleast_1d(np.asarray(parts, dtype=np.int64))
        coef = np.ones(len(parts)) if signs is None else np.asarray(signs, dtype=float)
        self.members.append(np.concatenate([parts, np.atleast_1d(np.asarray(total, dtype=np.int64))]))
        self.coefs.append(np.concatenate([coef, [-1.0]]))

    def protect(self) -> Protected:
        """Primary suppression, then withhold cells until no suppressed count can be narrowed
        to less than PROTECTION pupils by any chain of the sums (interval propagation)."""
        values = _joined(self.values, float)
        counts = _joined(self.counts, bool)
        bases = _joined(self.bases, float)
        status = np.full(len(values), SHOWN)
        # A projection of a small count is withheld, but a projection of nothing (pupils
        # who have all moved on, as the cohort method ages them out) is a plain 0: the
        # reader's bound for a withheld projection (above the threshold) would be false.
        status[counts & self.rule.is_small(bases) & (values > 1e-9)] = PROJECTED
        status[counts & self.rule.is_small(values)] = SMALL
        status[~_joined(self.published, bool)] = UNPUBLISHED
        lines = _Lines(self.members, self.coefs, len(values))
        audit = _Audit(values, bases, counts, _joined(self.signed, bool), self.rule)
        priority = _joined(self.priority, float)
        rounded = np.floor(values + 0.5)
        for _ in range(10_000):
            exposed = audit.exposed_cells(lines, status)
            if not len(exposed):
                break
            picks = {
                pick for cell in exposed if (pick := _cover(int(cell), lines, status, rounded, priority)) is not None
            }
            if not picks:
                break  # nothing printed is left that could hide them
            status[list(picks)] = WITHHELD
        return Protected(self.rule, values, status, counts)


def _cover(cell: int, lines: _Lines, status: np.ndarray, rounded: np.ndarray, priority: np.ndarray) -> int | None:
    """The printed number to withhold so that ``cell`` is harder to work out: the cheapest
    one in a sum with it, or, when every number there is hidden already, in a sum that
    pins one of those (searching outwards, nearest sums first)."""
    seen_lines: set[int] = set()
    seen_cells = {cell}
    frontier = [cell]
    while frontier:
        candidates: list[int] = []
        following: list[int] = []
        for current in frontier:
            for line in lines.lines_of(current):
                if line in seen_lines:
                    continue
                seen_lines.add(line)
                members = lines.members_of(line)
                candidates += [int(m) for m in members[status[members] == SHOWN]]
                following += [int(m) for m in members if status[m] != SHOWN and int(m) not in seen_cells]
        if candidates:
            shown = np.unique(candidates)
            order = np.lexsort((rounded[shown], rounded[shown] == 0, priority[shown]))
            return int(shown[order[0]])
        seen_cells.update(following)
        frontier = list(dict.fromkeys(following))
    return None


def _joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


class _Lines:
    """The sums as flat arrays: member cells, their coefficients, and where each line starts."""

    def __init__(self, members: list[np.ndarray], coefs: list[np.ndarray], size: int):
        lengths = np.array([len(m) for m in members], dtype=np.int64)
        self.count = len(members)
        self.start = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(members) else np.zeros(0, np.int64)
        self.cell = _joined(members, np.int64)
        self.coef = _joined(coefs, float)
        self.line = np.repeat(np.arange(self.count), lengths)
        self.lengths = lengths
        order = np.argsort(self.cell, kind="stable")
        self._by_cell = self.line[order]
        self._cell_start = np.searchsorted(self.cell[order], np.arange(size + 1))

    def lines_of(self, cell: int) -> np.ndarray:
        return self._by_cell[self._cell_start[cell] : self._cell_start[cell + 1]]

    def members_of(self, line: int) -> np.ndarray:
        return self.cell[self.start[line] : self.start[line] + self.lengths[line]]


class _Audit:
    """What a reader can work out: bounds on every hidden cell, tightened through the sums."""

    def __init__(self, values: np.ndarray, bases: np.ndarray, counts: np.ndarray, signed: np.ndarray, rule: Rule):
        self.rounded = np.floor(values + 0.5)
        # a projection must stay as uncertain as the count it grew from
        self.factor = np.where(bases > 0, np.maximum(1.0, values / np.where(bases > 0, bases, 1.0)), 1.0)
        self.integral = np.abs(values - self.rounded) < 1e-6
        self.counts, self.signed, self.rule = counts, signed, rule

    def bounds(self, status: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What a reader knows of each cell before working anything out: the printed number
        when shown (to within rounding, for a fraction); 1..t for a suppressed whole count, t
        the largest suppressed (above 0 and below t + 0.5 for a projection); not 1..t for a
        withheld count; nothing of an unpublished cell; a withheld projection of a small
        count is above t."""
        t = float(self.rule.largest)
        slack = np.where(self.integral, 0.0, 0.5)
        low, high = self.rounded - slack, self.rounded + slack
        small = status == SMALL
        low[small] = np.where(self.integral[small], 1.0, 0.0)
        high[small] = np.where(self.integral[small], t, t + 0.5)
        hidden = (status == WITHHELD) | (status == UNPUBLISHED)
        low[hidden] = np.where(
            self.counts[hidden] & (status[hidden] == WITHHELD) & (self.rounded[hidden] > t), t + 0.5, 0.0
        )
        low[hidden & self.signed] = -np.inf
        high[hidden] = np.inf
        projected = status == PROJECTED
        low[projected], high[projected] = t + 0.5, np.inf
        return low, high

    def propagate(self, lines: _Lines, status: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        low, high = self.bounds(status)
        if not lines.count:
            return low, high
        c = lines.coef
        for _ in range(100):
            term_low = np.where(c > 0, c * low[lines.cell], c * high[lines.cell])
            term_high = np.where(c > 0, c * high[lines.cell], c * low[lines.cell])
            others_low = _others(term_low, lines)
            others_high = _others(term_high, lines)
            with np.errstate(invalid="ignore", divide="ignore"):
                new_low = np.where(c > 0, -others_high / c, -others_low / c)
                new_high = np.where(c > 0, -others_low / c, -others_high / c)
            new_low = np.where(np.isnan(new_low), -np.inf, new_low)
            new_high = np.where(np.isnan(new_high), np.inf, new_high)
            tighter_low, tighter_high = low.copy(), high.copy()
            np.maximum.at(tighter_low, lines.cell, new_low)
            np.minimum.at(tighter_high, lines.cell, new_high)
            if not np.any((tighter_low > low + 1e-9) | (tighter_high < high - 1e-9)):
                break
            low, high = tighter_low, tighter_high
        if np.any(low > high + 1e-6):
            raise ValueError("disclosure control: the sums given do not hold for the values given")
        return low, high

    def exposed_cells(self, lines: _Lines, status: np.ndarray) -> np.ndarray:
        """Suppressed counts that a reader can narrow too far."""
        small, projected = status == SMALL, status == PROJECTED
        if not (small.any() or projected.any()):
            return np.zeros(0, np.int64)
        low, high = self.propagate(lines, status)
        start_low, start_high = self.bounds(status)
        needed = np.where(small, np.minimum(PROTECTION, start_high - start_low), PROTECTION * self.factor)
        return np.flatnonzero((small | projected) & (high - low < needed - 1e-9))


def _others(terms: np.ndarray, lines: _Lines) -> np.ndarray:
    """For each member of each line: the sum of the line's other terms (infinities kept;
    lower bounds are finite or -inf, upper bounds finite or +inf, never both)."""
    finite = np.where(np.isfinite(terms), terms, 0.0)
    sums = np.add.reduceat(finite, lines.start) if len(terms) else np.zeros(0)
    plus = np.add.reduceat((terms == np.inf).astype(np.int64), lines.start)
    minus = np.add.reduceat((terms == -np.inf).astype(np.int64), lines.start)
    line = lines.line
    out = sums[line] - finite
    rest_plus = plus[line] - (terms == np.inf)
    rest_minus = minus[line] - (terms == -np.inf)
    out = np.where(rest_plus > 0, np.inf, out)
    return np.where(rest_minus > 0, -np.inf, out)


@dataclass(frozen=True)
class Protected:
    """What each cell of a :class:`Cells` may show."""

    rule: Rule
    values: np.ndarray
    status: np.ndarray
    counts: np.ndarray

    def label(self, index: int, *, money: bool = False, decimals: int = 0) -> str:
        status = self.status[index]
        if status == SMALL:
            return self.rule.small
        if status in (WITHHELD, UNPUBLISHED, PROJECTED):
            return SECONDARY
        value = self.values[index]
        if self.counts[index]:
            value = np.floor(value + 0.5)
        text = f"{value:,.{decimals}f}"
        if text.startswith("-") and not text.strip("-0.,"):
            text = text[1:]  # -0.4 rounds to 0, not -0
        return f"£{text}" if money else text

    def labels(self, indices) -> list[str]:
        return [self.label(int(i)) for i in np.atleast_1d(indices)]

    def shown(self, index: int) -> float | None:
        """The number as printed, or None when it is withheld or suppressed."""
        if self.status[index] != SHOWN:
            return None
        value = self.values[index]
        return float(np.floor(value + 0.5)) if self.counts[index] else float(value)

    def hidden(self, indices) -> np.ndarray:
        return self.status[np.atleast_1d(indices)] != SHOWN


def protect_counts(values, rule: Rule) -> list[str]:
    """Counts that no sum links: primary suppression only."""
    return [rule.count(v) for v in np.atleast_1d(np.asarray(values, dtype=float))]
