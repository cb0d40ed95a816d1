"""grid.png: each combination of a grid, its total cost and its pupils left to independent
or out-of-area places against the capital it spends. Labels are drawn as written (never
read as mathtext); the same table gives the same bytes (a PNG holds no date)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from ..solved import MARKING


def grid_chart(table: pd.DataFrame, keys: list[str]) -> bytes:
    planned = table[table["status"].isin(["optimal", "feasible", "time_limit"])]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    labels = [", ".join(f"{k.split('.')[-1]} {row[k]}" for k in keys) for _, row in planned.iterrows()]
    capital = planned["capital"] / 1e6
    for ax, column, title in (
        (axes[0], "total_cost", "Total cost over the plan (£m)"),
        (axes[1], "out_of_area_pupils", "Pupils independent or out of area, last year"),
    ):
        values = planned[column] / (1e6 if column == "total_cost" else 1.0)
        ax.scatter(capital, values, color="#1D70B8", zorder=3)
        # combinations that come to the same plan share a point: one label lists them all
        together: dict[tuple[float, float], list[str]] = {}
        for x, y, label in zip(capital, values, labels):
            together.setdefault((round(float(x), 6), round(float(y), 6)), []).append(label)
        for (x, y), names in together.items():
            ax.annotate(
                "\n".join(names),
                (x, y),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=7,
                parse_math=False,
                va="bottom",
            )
        ax.set_xlabel("Capital spent (£m)", fontsize=9)
        ax.set_title(title, fontsize=10)
        ax.margins(x=0.2, y=0.25)
        ax.grid(color="#DDDDDD")
        ax.tick_params(labelsize=8)
    fig.suptitle(MARKING, fontsize=8, color="#505A5F")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()
