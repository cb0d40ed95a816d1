"""A new provision's phased intake: the share of its places it has in each of its first
years open (``rules.phased_intake``), then all of them.

The solve works with it as arrays (:meth:`placeplan.optimise.core.Options.usable_share`);
options.csv carries each option's shares as text in its ``intake`` column, which the
documents read back here to draw the places each provision has year by year.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence


def as_text(shares: Sequence[float]) -> str:
    """Shares as options.csv writes them: space-separated, six significant figures; blank
    when every place is there from opening."""
    return " ".join(f"{share:.6g}" for share in shares)


def from_text(text: object) -> tuple[float, ...]:
    """The shares of an ``intake`` cell (blank or missing: none)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ()
    words = str(text).split()
    shares = tuple(float(word) for word in words)
    if any(not 0 < share <= 1 for share in shares) or any(b < a for a, b in itertools.pairwise(shares)):
        raise ValueError(f"'{text}' is not an intake: expected shares above 0 and at most 1 that never fall")
    return shares


def share_in_year(shares: Sequence[float], years_open: int) -> float:
    """The share of its places a provision has in its ``years_open``-th year open (0: its
    opening year; 0 before it opens)."""
    if years_open < 0:
        return 0.0
    return float(shares[years_open]) if years_open < len(shares) else 1.0
