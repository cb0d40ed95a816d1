"""The figures of the map and the shortlist, protected together.

One system of :class:`~placeplan.outputs.disclosure.Cells` holds every count of pupils the
map, the shortlist and the workbook's Options sheet print for the last plan year, with
the sums that link them:

* each zone's pupils by need, and by phase, add up to the zone's total; each need's and
  each phase's zones add up to the area's figure (printed in the report, so taken as known);
* the flows into a school add up to the pupils the plan places there; a zone's flows plus
  its pupils placed out of area (never printed) add up to its total;
* the pupils placed in local schools, and away (independent or out of area), add up to
  the area's figures; pupils on roll equal places where places were estimated from them.

Protected once, every output prints the same label for the same figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..codes import LOCAL_KINDS, NEEDS, PHASES
from .disclosure import Cells, Protected, Rule
from .facts import Facts
from .glossary import PHASE_WORDS, need_words


@dataclass(frozen=True)
class ZoneView:
    """Pupils by zone for one view of demand: all needs, one need or one phase."""

    key: str
    title: str
    labels: list[str]
    shown: np.ndarray  # the printed number, NaN where suppressed or withheld
    hidden: np.ndarray  # bool: suppressed or withheld


@dataclass(frozen=True)
class Public:
    rule: Rule
    zone_ids: np.ndarray
    views: list[ZoneView]
    flows: pd.DataFrame  # zone_id, facility_id, pupils, label, hidden
    facilities: pd.DataFrame  # facility_id -> placed, in_reach, on_roll, capacity labels

    def facility(self, facility_id: str) -> pd.Series:
        return self.facilities.loc[facility_id]


def _matrix(frame: pd.DataFrame, zones: np.ndarray, column: str, keys: list[str]) -> np.ndarray:
    table = frame.pivot_table(index="zone_id", columns=column, values="pupils", aggfunc="sum", fill_value=0.0)
    return table.reindex(index=zones, columns=keys, fill_value=0.0).to_numpy(dtype=float)


def protect_plan(facts: Facts) -> Public:
    plan = facts.plan
    rule = plan.rule
    zones = plan.dataset["zones"]["zone_id"].astype(str).to_numpy()
    demand = facts.zone_demand
    needs = [n for n in NEEDS if n in set(demand["need"])]
    phases = [p for p in PHASES if p in set(demand["phase"])]
    by_need = _matrix(demand, zones, "need", needs)
    by_phase = _matrix(demand, zones, "phase", phases)
    base_need = _matrix(facts.base_demand, zones, "need", needs)
    base_phase = _matrix(facts.base_demand, zones, "phase", phases)
    cells = Cells(rule)
    total = cells.add(by_need.sum(axis=1), base=base_need.sum(axis=1), total=True)
    need_cells = cells.add(by_need.ravel(), base=base_need.ravel()).reshape(by_need.shape)
    phase_cells = cells.add(by_phase.ravel(), base=base_phase.ravel()).reshape(by_phase.shape)
    need_totals = cells.add(by_need.sum(axis=0), base=base_need.sum(axis=0), total=True)
    phase_totals = cells.add(by_phase.sum(axis=0), base=base_phase.sum(axis=0), total=True)
    grand = cells.add([by_need.sum()], base=[base_need.sum()], total=True)[0]
    for z in range(len(zones)):
        cells.line(need_cells[z], total[z])
        cells.line(phase_cells[z], total[z])
    for j in range(len(needs)):
        cells.line(need_cells[:, j], need_totals[j])
    for j in range(len(phases)):
        cells.line(phase_cells[:, j], phase_totals[j])
    cells.line(need_totals, grand)
    cells.line(phase_totals, grand)
    cells.line(total, grand)

    table = facts.facilities.set_index("facility_id")
    listed = table[~table["is_option"] | table["chosen"]]
    placed = pd.Series(cells.add(listed["placed"].to_numpy()), index=listed.index)
    flows = facts.flows[facts.flows["facility_id"].isin(listed.index)].reset_index(drop=True)
    flow_cells = cells.add(flows["pupils"].to_numpy())
    for facility, rows in flows.groupby("facility_id").groups.items():
        cells.line(flow_cells[np.asarray(rows)], placed[facility])
    unplaced = facts.unplaced.set_index("zone_id")["pupils"].reindex(zones, fill_value=0.0).to_numpy()
    unplaced_cells = cells.add(unplaced, published=False)
    zone_position = {z: i for i, z in enumerate(zones)}
    flow_zone = flows["zone_id"].map(zone_position).to_numpy()
    for z in range(len(zones)):
        cells.line(np.concatenate([flow_cells[flow_zone == z], [unplaced_cells[z]]]), total[z])
    local = listed["kind"].isin(LOCAL_KINDS).to_numpy()
    local_total = cells.add([listed["placed"][local].sum()], total=True)[0]
    away_total = cells.add([listed["placed"][~local].sum() + unplaced.sum()], total=True)[0]
    cells.line(placed.to_numpy()[local], local_total)
    cells.line(np.concatenate([placed.to_numpy()[~local], unplaced_cells]), away_total)
    cells.line([local_total, away_total], grand)

    sites = table[~table["is_option"]]
    on_roll = pd.Series(cells.add(sites["on_roll"].to_numpy()), index=sites.index)
    capacity = pd.Series(cells.add(sites["capacity"].to_numpy(), pupils=False), index=sites.index)
    for site in sites.index[np.isclose(sites["on_roll"], sites["capacity"])]:
        cells.line([on_roll[site]], capacity[site])
    in_reach = pd.Series(cells.add(table["in_reach"].to_numpy()), index=table.index)

    protected = cells.protect()
    views = [_view("all", "All needs", total, protected)]
    views += [_view(f"need:{n}", _capital(need_words(n)), need_cells[:, j], protected) for j, n in enumerate(needs)]
    views += [_view(f"phase:{p}", _capital(PHASE_WORDS[p]), phase_cells[:, j], protected) for j, p in enumerate(phases)]
    flows = flows.assign(label=protected.labels(flow_cells), hidden=protected.hidden(flow_cells))
    labels = pd.DataFrame(index=table.index)
    labels["placed"] = pd.Series(protected.labels(placed.to_numpy()), index=placed.index)
    labels["on_roll"] = pd.Series(
        [_optional(protected, on_roll[s], sites.at[s, "on_roll"]) for s in sites.index], index=sites.index
    )
    labels["capacity"] = pd.Series(protected.labels(capacity.to_numpy()), index=sites.index)
    labels["in_reach"] = protected.labels(in_reach.to_numpy())
    return Public(rule, zones, views, flows, labels.fillna(""))


def _optional(protected: Protected, index: int, raw: float) -> str:
    return "" if not np.isfinite(raw) else protected.label(int(index))


def _view(key: str, title: str, indices: np.ndarray, protected: Protected) -> ZoneView:
    shown = np.array([np.nan if v is None else v for v in (protected.shown(int(i)) for i in indices)], dtype=float)
    return ZoneView(key, title, protected.labels(indices), shown, protected.hidden(indices))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
