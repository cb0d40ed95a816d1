"""Charts for the report, drawn with matplotlib into PNG images that live inside it:

* sufficiency: pupils needing a place against local places, before and after the plan,
  year by year, by phase and by need;
* placements by year: pupils continuing where they were placed, newly placed locally and
  newly placed independent or out of area, beside pupils placed independent or out of
  area with and without the plan;
* filling: pupils placed at each new provision the plan opens, year by year, against its
  places.

The sufficiency charts are PNG images; the year-by-year ones are SVG, inline in the page
(text drawn as outlines, so a name is never markup there, and matplotlib's comments, which
repeat the text, are left out). Only printed (protected) numbers are drawn: a year whose
count is suppressed is a gap marked as such, never a point or a bar. Names are drawn as
written (never read as mathtext). The same figures give the same bytes: a PNG holds no
date, and an SVG is written with a fixed hash salt and no date.
"""

from __future__ import annotations

import base64
import io
import math
import re
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from ..codes import NEEDS
from .glossary import PHASE_WORDS, academic_year
from .sufficiency import ALL_NEEDS, ALL_PHASES, Sufficiency
from .words import capital

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
        ax.text(
            0.02, 0.95, "gaps: small numbers not shown", transform=ax.transAxes, fontsize=7, va="top", color="#505A5F"
        )


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
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return _data_uri(fig)


def _data_uri(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def phase_panels(suff: Sufficiency) -> list[tuple[int, int, str]]:
    i = suff.needs.index(ALL_NEEDS)
    return [
        (i, j, capital(PHASE_WORDS.get(p, p)) if p != ALL_PHASES else "All phases") for j, p in enumerate(suff.phases)
    ]


def need_panels(suff: Sufficiency) -> list[tuple[int, int, str]]:
    j = suff.phases.index(ALL_PHASES)
    return [(i, j, textwrap.fill(f"{NEEDS[n]} ({n})", 34)) for i, n in enumerate(suff.needs) if n != ALL_NEEDS]


def by_phase(suff: Sufficiency) -> str:
    """All needs, one panel per phase and one for all phases: a PNG data URI."""
    return _figure(phase_panels(suff), suff, columns=3)


def by_need(suff: Sufficiency) -> str:
    """All phases, one panel per need: a PNG data URI."""
    return _figure(need_panels(suff), suff, columns=4)


#: matplotlib's SVG ids (clip paths) are hashes salted with this: fixed, so that the same
#: chart is the same text.
SVG_SALT = "placeplan"
_SVG_START = re.compile(r"^.*?(?=<svg\b)", re.S)
_SVG_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SVG_SIZE = re.compile(r'<svg([^>]*?) width="([\d.]+)pt" height="([\d.]+)pt"')


def _inline_svg(fig) -> str:
    """The figure as an <svg> element to put in a page: no XML prolog, no comments, no
    metadata, text as outlines; as wide as it was drawn, or the page if narrower."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    plt.close(fig)
    text = _SVG_COMMENT.sub("", _SVG_START.sub("", buffer.getvalue(), count=1))
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    return _SVG_SIZE.sub(r'<svg\1 width="\2pt" height="\3pt" style="max-width: 100%; height: auto"', text, count=1)


#: (key, legend, colour) of the bars of placements by year.
PLACEMENTS = (
    ("continuing", "Continuing in their placement", "#505A5F"),
    ("new_local", "Newly placed locally", "#1D70B8"),
    ("new_away", "Newly placed independent or out of area", "#D4351C"),
)
HIDDEN_NOTE = "gaps: small numbers not shown"


def _note_hidden(ax) -> None:
    ax.text(0.02, 0.95, HIDDEN_NOTE, transform=ax.transAxes, fontsize=7, va="top", color="#505A5F")


def placements_chart(
    years: list[str], parts: dict[str, np.ndarray], away_with: np.ndarray, away_without: np.ndarray | None
) -> str:
    """Two panels over the plan years: the plan's pupils continuing, newly placed locally
    and newly placed away, side by side each year (side by side, not stacked: a bar on top
    of a suppressed one would give it away); and pupils placed independent or out of area
    with the plan and, when there is one, without it. An inline SVG."""
    x = np.arange(len(years))
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    width = 0.27
    hidden = False
    for offset, (key, label, colour) in zip((-width, 0.0, width), PLACEMENTS):
        values = parts[key]
        drawn = np.isfinite(values)
        hidden |= not bool(drawn.all())
        left.bar(x[drawn] + offset, values[drawn], width=width, color=colour, label=label)
    left.set_title("The plan's pupils each year", fontsize=10)
    if hidden:
        _note_hidden(left)
    hidden = bool(np.isnan(away_with).any())
    if away_without is not None:
        right.plot(
            x, away_without, color="#505A5F", marker="s", linestyle="--", linewidth=1.5, label="Without the plan"
        )
        hidden |= bool(np.isnan(away_without).any())
    right.plot(x, away_with, color="#1D70B8", marker="o", linewidth=2, label="With the plan")
    right.set_title("Pupils placed independent or out of area", fontsize=10)
    if hidden:
        _note_hidden(right)
    handles = [Patch(color=colour, label=label) for _, label, colour in PLACEMENTS]
    for ax, legend in ((left, handles), (right, None)):
        ax.set_xticks(x, [y[2:] for y in years], fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        ax.set_ylim(0, max(1.0, ax.get_ylim()[1]) * 1.12)
        ax.set_xlim(-0.6, len(years) - 0.4)
        ax.grid(axis="y", color="#DDDDDD")
        ax.set_axisbelow(True)
        ax.legend(handles=legend, fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(0, -0.1))
    fig.tight_layout()
    return _inline_svg(fig)


def filling_chart(years: list[str], panels: list[tuple[str, np.ndarray, np.ndarray]], *, columns: int = 4) -> str:
    """One panel per new provision: pupils placed there each year (bars; a suppressed year
    is a gap) against its places (a step, nothing before it opens). ``panels``: (name,
    pupils as printed or NaN, places) each. An inline SVG."""
    columns = max(1, min(columns, len(panels)))
    rows = max(1, math.ceil(len(panels) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(2.9 * columns, 2.3 * rows + 0.5), squeeze=False)
    x = np.arange(len(years))
    for ax, (name, pupils, places) in zip(axes.ravel(), panels):
        drawn = np.isfinite(pupils)
        ax.bar(x[drawn], pupils[drawn], color="#1D70B8", width=0.6, label="Pupils placed there")
        steps = np.where(places > 0, places, np.nan)  # no line before it opens
        ax.step(
            np.append(x, x[-1] + 1) - 0.5,
            np.append(steps, steps[-1]),
            where="post",
            color="#D4351C",
            linewidth=1.5,
            label="Places",
        )
        title = textwrap.fill(textwrap.shorten(str(name), 60, placeholder="..."), 28)
        ax.set_title(title, fontsize=8, parse_math=False)
        ax.set_xticks(x, [y[2:] for y in years], fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylim(0, max(1.0, float(np.nanmax(np.concatenate([places, pupils[drawn], [0.0]])))) * 1.15)
        ax.grid(axis="y", color="#DDDDDD")
        ax.set_axisbelow(True)
        if not drawn[places > 0].all():
            _note_hidden(ax)
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.5 / (2.3 * rows + 0.5), 1, 1))
    return _inline_svg(fig)
