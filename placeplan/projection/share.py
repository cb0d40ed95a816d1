"""The specialist-share path: the share of pupils with EHC plans who need a specialist
place, by need and phase, from the councils' January 2025 placements (DfE; England's where
theirs cannot be fitted), moved by the scenario's share_change in equal steps to the last
plan year. Demand scales with the share: an inclusion scenario that moves 5 points of a
40% share back to mainstream plans for 35/40 of the pupils."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..codes import PHASES
from ..errors import OpenDataError, ProjectionError
from ..scenario.model import Demand
from ..scenario.projection import rate_for
from . import cohort as cohorts
from . import dfe


def share_factors(
    needs: list[str],
    settings: Demand,
    codes: tuple[str, ...],
    folder: Path | None,
    base_year: int,
    last_plan_year: int,
    ahead: int,
    notes: list[str],
) -> tuple[np.ndarray, pd.DataFrame]:
    """(needs x NCY x (K+1) multipliers, table of need, phase, ahead, share). The share
    moves from its base value by share_change in equal steps to the last plan year."""
    factors = np.ones((len(needs), cohorts.WIDTH, ahead + 1))
    try:
        shares = dfe.specialist_shares(list(codes), folder)
    except OpenDataError as exc:
        if settings.share_change:
            raise ProjectionError(
                f"share_change needs the councils' specialist shares from the DfE's open data: {exc}"
            ) from None
        return factors, pd.DataFrame(columns=["need", "phase", "ahead", "share"])
    span = max(last_plan_year - base_year, 1)
    progress = np.clip(np.arange(ahead + 1) / span, 0.0, 1.0)
    rows = []
    unknown = set()
    for i, need in enumerate(needs):
        for phase, (low, high) in PHASES.items():
            start = shares.get(need, phase)
            change = rate_for(settings.share_change, need, phase, 0.0)
            if start is None or start <= 0:
                if change:
                    unknown.add(f"{need} {phase}")
                continue
            path = np.maximum(start + change * progress, 0.0)
            factors[i, low - cohorts.NCYS[0] : high - cohorts.NCYS[0] + 1, :] = path / start
            rows += [(need, phase, k, float(s)) for k, s in enumerate(path)]
    if unknown:
        notes.append("share_change not applied where the base share is unknown or 0: " + ", ".join(sorted(unknown)))
    if settings.share_change:
        notes.append(
            f"specialist share: {shares.source}'s shares by need and phase (January 2025), changed by "
            f"{settings.share_change} by {last_plan_year}/{(last_plan_year + 1) % 100:02d}"
        )
    return factors, pd.DataFrame(rows, columns=["need", "phase", "ahead", "share"])
