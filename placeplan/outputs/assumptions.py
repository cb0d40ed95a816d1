"""Every assumption a plan used (the merged scenario, with what each setting means) and
the data it was made from (the dataset's sources, licences and attributions).

A setting the chosen demand method never reads (``demand.growth`` under the trend method)
is left out: listed, it would read as an assumption the plan made."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import BaseModel

from ..dataset import Dataset

#: Settings that name files on the officer's machine: only the last part is published.
PATH_SETTINGS = ("dataset", "output.folder")

#: The cohort method's rates given in the scenario (demand.cohort.source = 'scenario').
COHORT_RATES = ("demand.cohort.join", "demand.cohort.cease", "demand.cohort.stay_post16", "demand.cohort.stay_post19")
#: Settings each demand method does not read (placeplan/projection/project.py
#: _method_paths and methods.py): growth applies its own rates and draws nothing; the
#: others draw from the pooled growth model, and only cohort reads demand.cohort.
UNUSED_BY_METHOD = {
    "trend": ("demand.growth", "demand.rate_trend", "demand.cohort."),
    "prevalence": ("demand.growth", "demand.cohort."),
    "cohort": ("demand.growth", "demand.rate_trend"),
    "growth": ("demand.draws", "demand.pool", "demand.rate_trend", "demand.cohort."),
}


def _number(value: float, *, money: bool) -> str:
    """A number as a person writes it, never in exponent form (64,000, not 6.4e+04); pounds
    with £, and pence only below £100 where they are not whole (£0.50 a minute)."""
    if money:
        return f"£{value:,.0f}" if value == round(value) or abs(value) >= 100 else f"£{value:,.2f}"
    if value == round(value):
        return f"{value:,.0f}"
    return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) >= 0.0001 else f"{value:.2e}"


def _text(value: object, *, money: bool = False) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_text(v, money=money)}" for k, v in value.items()) or "(none)"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v, money=money) for v in value) or "(none)"
    if isinstance(value, float) or (money and isinstance(value, int)):
        return _number(float(value), money=money)
    return str(value)  # whole-number settings (a seed, a count of draws) as they are written


def _rows(model: BaseModel, prefix: str) -> list[dict]:
    rows = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        key = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            rows += _rows(value, f"{key}.")
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        text = _text(value, money=extra.get("unit") == "GBP")
        if key in PATH_SETTINGS and value:
            text = Path(str(value)).name
        rows.append({"setting": key, "value": text, "what it means": field.description or ""})
    return rows


def unused_settings(scenario: BaseModel) -> tuple[str, ...]:
    """Settings (or, ending in '.', groups of them) the scenario's demand method does not
    read; none for a model without a demand section."""
    demand = getattr(scenario, "demand", None)
    if demand is None:
        return ()
    unused = UNUSED_BY_METHOD.get(demand.method, ())
    if demand.method == "cohort":
        # scenario rates draw nothing and pool nothing; estimated rates read no scenario rate
        own = demand.cohort.source == "scenario"
        unused += ("demand.cohort.prior_pupils", "demand.draws", "demand.pool") if own else COHORT_RATES
    return unused


def settings_table(scenario: BaseModel) -> pd.DataFrame:
    """setting, value, what it means: the merged scenario, one row per setting the plan
    used (settings its demand method does not read are left out)."""
    unused = unused_settings(scenario)
    rows = [
        row
        for row in _rows(scenario, "")
        if not any(row["setting"] == u or (u.endswith(".") and row["setting"].startswith(u)) for u in unused)
    ]
    return pd.DataFrame(rows, columns=["setting", "value", "what it means"])


def sources_table(dataset: Dataset) -> pd.DataFrame:
    """source, licence, attribution, link: from dataset.toml."""
    rows = [
        {"source": s.name, "licence": s.licence or dataset.meta.licence, "attribution": s.attribution, "link": s.url}
        for s in dataset.meta.sources
    ]
    if not rows:
        rows.append({"source": dataset.meta.name, "licence": dataset.meta.licence, "attribution": "", "link": ""})
    return pd.DataFrame(rows, columns=["source", "licence", "attribution", "link"])


SOFTWARE = pd.DataFrame(
    [
        {
            "source": "Leaflet (the map's library, inside the map file)",
            "licence": "BSD 2-Clause",
            "attribution": "© Volodymyr Agafonkin and Leaflet contributors",
            "link": "https://leafletjs.com",
        },
        {
            "source": "OpenStreetMap (the map's optional street background)",
            "licence": "Open Database Licence",
            "attribution": "© OpenStreetMap contributors",
            "link": "https://www.openstreetmap.org/copyright",
        },
    ],
    columns=["source", "licence", "attribution", "link"],
)
