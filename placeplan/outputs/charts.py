"""Sufficiency charts for the report: pupils needing a place against local places, before
and after the plan, year by year, by phase and by need. Drawn with matplotlib into PNG
images that live inside the report. Only printed (protected) numbers are drawn: a year
whose count is suppressed is a gap marked with the suppression label, never a point.
"""

from __future__ import annotations

import base64
import io
import math
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

from ..codes import NEEDS  # noqa: E402
from .glossary import PHASE_WORDS, academic_year  # noqa: E402
from .sufficiency import ALL_NEEDS, ALL_PHASES, Sufficiency  # noqa: E402
from .words import capital  # noqa: E402

SERIES = (
    ("pupils", "Pupils needing a place", {"color": "#D4351C", "marker": "o", "linewidth": 2}),
    ("places_before", "Local places before the plan", {"color": "#505A5F", "linestyle": "--", "linewidth": 1.5}),
    ("places_after", "Local places after the plan", {"color": "#1D70B8", "linewidth": 2}),
)


def _panel(ax, suff: Sufficiency, i: int, j: int, title: str) -> None:
    years = [academic_year(y) for y in suff.years]
    x = np.arange(len(years))
    hidden_any = False
    for measure, label, style in SERIES:
        values = suff.shown[measure][i, j, :]
        hidden_any |= bool(np.isnan(values).any())
        ax.plot(x, values, label=label, **style)
    ax.set_title(title, fontsize=10)
    ax.set_xticks(x, [y[2:] for y in years], fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="#DDDDDD")
    if hidden_any:
        ax.text(0.02, 0.95, "gaps: small numbers not shown", transform=ax.transAxes, fontsize=7, va="top",
                color="#505A5F")


def hidden_panels(suff: Sufficiency, panels: list[tuple[int, int, str]]) -> list[str]:
    """Panels with no year whose pupils may be printed: left out of the charts."""
    return [title for i, j, title in panels if np.isnan(suff.shown["pupils"][i, j, :]).all()]


def _figure(panels: list[tuple[int, int, str]], suff: Sufficiency, columns: int) -> str:
    hidden = set(hidden_panels(suff, panels))
    panels = [panel for panel in panels if panel[2] not in hidden] or panels[:1]
    columns = min(columns, len(panels))
    rows = max(1, math.ceil(len(panels) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(3.3 * columns, 2.5 * rows + 0.6), squeeze=False)
    for ax, (i, j, title) in zip(axes.ravel(), panels):
        _panel(ax, suff, i, j, title)
    for ax in axes.ravel()[len(panels):]:
        ax.axis("off")
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def phase_panels(suff: Sufficiency) -> list[tuple[int, int, str]]:
    i = suff.needs.index(ALL_NEEDS)
    return [(i, j, capital(PHASE_WORDS.get(p, p)) if p != ALL_PHASES else "All phases")
            for j, p in enumerate(suff.phases)]


def need_panels(suff: Sufficiency) -> list[tuple[int, int, str]]:
    j = suff.phases.index(ALL_PHASES)
    return [(i, j, textwrap.fill(f"{NEEDS[n]} ({n})", 34)) for i, n in enumerate(suff.needs) if n != ALL_NEEDS]


def by_phase(suff: Sufficiency) -> str:
    """All needs, one panel per phase and one for all phases: a PNG data URI."""
    return _figure(phase_panels(suff), suff, columns=3)


def by_need(suff: Sufficiency) -> str:
    """All phases, one panel per need: a PNG data URI."""
    return _figure(need_panels(suff), suff, columns=4)
