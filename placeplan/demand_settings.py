"""Projected demand split by the setting each pupil needs, with the scenario's step-down
shares and inclusion shifts (``[settings]``, :mod:`placeplan.scenario.settings`).

The projection forecasts pupils by zone, need and year group; the setting they need is
shared out as the dataset's base year records it: the zone's own split of that need and
year group where it has pupils there, else the area's split for that need and year group,
else for that need, else ``any`` (no setting recorded); that split then moves each year
with each setting's growth relative to all settings' (the council's DfE placement series,
pooled over England's councils), renormalised so the cell's pupils stay the projection's.
An inclusion shift then moves a
share of one setting's demand to another, reached by the plan's last year in equal steps.
Last, the step-down shares mark the part of special (resourced) demand that resourced
(enhanced) provision may take instead: a ``stepdown`` row is the same pupils' setting with
one more kind of provision allowed, so totals never change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .scenario.settings import ANY, Settings

KEY = ["zone_id", "need", "ncy", "year"]
#: Which setting a step-down lets a pupil's place come from instead.
STEP_DOWN = {"special": "resourced", "resourced": "enhanced"}


def _base_settings(base: pd.DataFrame) -> pd.DataFrame:
    """zone_id, need, ncy, setting, pupils of the base year; blank settings are 'any'."""
    if "setting" not in base:
        base = base.assign(setting=ANY)
    frame = base.assign(
        setting=base["setting"].astype(object).where(base["setting"].notna(), ANY), zone_id=base["zone_id"].astype(str)
    )
    return frame.groupby(["zone_id", "need", "ncy", "setting"], as_index=False)["pupils"].sum()


def _shares(base: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Each setting's share of the base year's pupils within ``keys``."""
    counts = base.groupby([*keys, "setting"], as_index=False)["pupils"].sum()
    counts = counts[counts["pupils"] > 0]
    counts["share"] = counts["pupils"] / counts.groupby(keys)["pupils"].transform("sum")
    return counts[[*keys, "setting", "share"]]


def split_by_setting(
    planned: pd.DataFrame,
    base: pd.DataFrame,
    settings: Settings,
    years: list[int],
    mix: dict[str, float] | None = None,
    base_year: int | None = None,
) -> pd.DataFrame:
    """``planned`` (zone_id, need, ncy, phase, year, pupils) as rows by setting, with a
    ``stepdown`` flag; the pupils of every (zone, need, ncy, year) add up as before.
    ``mix`` is each setting's annual log growth relative to all settings (from
    :func:`placeplan.projection.council.setting_mix`): the base year's shares move with it
    from ``base_year`` and are renormalised within each cell."""
    base = _base_settings(base)
    rows = planned.assign(zone_id=planned["zone_id"].astype(str), _row=np.arange(len(planned)))
    found = pd.DataFrame()
    left = rows
    for keys in (["zone_id", "need", "ncy"], ["need", "ncy"], ["need"]):
        shares = _shares(base, keys)
        joined = left.merge(shares, on=keys, how="inner")
        found = pd.concat([found, joined], ignore_index=True)
        left = left[~left["_row"].isin(joined["_row"])]
    found = pd.concat([found, left.assign(setting=ANY, share=1.0)], ignore_index=True)
    if mix and base_year is not None:
        relative = found["setting"].map(mix).fillna(0.0).to_numpy(dtype=float)
        weight = found["share"] * np.exp(relative * (found["year"].to_numpy() - base_year))
        found["share"] = weight / weight.groupby(found["_row"]).transform("sum")
    found["pupils"] = found["pupils"] * found["share"]
    out = found.drop(columns=["share"])
    out = _shift(out, settings, years)
    out = _step_down(out, settings)
    out = out[out["pupils"] > 0]
    columns = ["zone_id", "need", "ncy", "phase", "year", "setting", "stepdown", "pupils"]
    return out.sort_values(["_row", "setting", "stepdown"], kind="stable")[columns].reset_index(drop=True)


def _shift(frame: pd.DataFrame, settings: Settings, years: list[int]) -> pd.DataFrame:
    """Move each shift's share of its setting's demand, growing to the full share by the
    last plan year."""
    if not settings.shift:
        return frame
    # 1/T of the share in the first plan year, all of it by the last; none before the plan
    reached = np.clip((frame["year"].to_numpy() - years[0] + 1) / len(years), 0.0, 1.0)
    frame = frame.copy()
    moved_parts = []
    for shift in settings.shift:
        hit = (frame["setting"] == shift.source) & ((frame["need"] == shift.need) if shift.need != "all" else True)
        fraction = shift.share * reached
        moved = frame[hit].assign(setting=shift.to, pupils=frame["pupils"][hit] * fraction[hit.to_numpy()])
        frame.loc[hit, "pupils"] = frame.loc[hit, "pupils"] * (1.0 - fraction[hit.to_numpy()])
        moved_parts.append(moved)
    combined = pd.concat([frame, *moved_parts], ignore_index=True)
    keys = ["_row", "zone_id", "need", "ncy", "phase", "year", "setting"]
    return combined.groupby(keys, as_index=False, sort=False)["pupils"].sum()


def _step_down(frame: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Split special (resourced) rows into the share resourced (enhanced) provision may
    take (``stepdown`` True) and the rest."""
    tables = {"special": settings.special_to_resourced, "resourced": settings.resourced_to_enhanced}
    share = np.array(
        [
            settings.step_down(tables[s], n, p) if s in tables else 0.0
            for s, n, p in zip(frame["setting"], frame["need"], frame["phase"])
        ]
    )
    stay = frame.assign(stepdown=False, pupils=frame["pupils"] * (1.0 - share))
    step = frame.assign(stepdown=True, pupils=frame["pupils"] * share)[share > 0]
    return pd.concat([stay, step], ignore_index=True)


def settings_allowed(setting: str, stepdown: bool) -> tuple[str, ...]:
    """The settings whose provision may place a pupil of ``setting``: 'any' means a special
    or resourced place (never an ESTA)."""
    if setting == ANY:
        return ("special", "resourced")
    if stepdown and setting in STEP_DOWN:
        return (setting, STEP_DOWN[setting])
    return (setting,)
