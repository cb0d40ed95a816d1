"""Pupils continue where they are placed: each year's pupils are those who stay from the
year group below and those who join; everyone is placed afresh at a transfer point."""

from __future__ import annotations

import pandas as pd
import pytest

from placeplan.plan.cohorts import continuing_and_joining, stays


def _cells(rows):
    frame = pd.DataFrame(rows, columns=["ncy", "year", "pupils"])
    return frame.assign(zone_id="Z1", need="ASD", setting="special", stepdown=False)


BEFORE = _cells([(3, 2026, 10.0), (6, 2026, 8.0)]).drop(columns="year")
PLAN = _cells([(4, 2027, 12.0), (7, 2027, 9.0), (5, 2028, 6.0), (8, 2028, 9.0)])


def test_growth_joins_shrinkage_leaves_and_transfer_points_start_afresh():
    out = continuing_and_joining(PLAN, BEFORE, transfer={7}).set_index(["ncy", "year"])
    # Year 4 in 2027: 10 stay from Year 3, 2 join
    assert out.loc[(4, 2027), ["continuing", "joining", "stay"]].tolist() == pytest.approx([10.0, 2.0, 1.0])
    # Year 7: a transfer point, all 9 placed afresh although 8 were in Year 6
    assert out.loc[(7, 2027), ["continuing", "joining"]].tolist() == pytest.approx([0.0, 9.0])
    # Year 5 in 2028: 6 of last year's 12 stay (half), nobody joins
    assert out.loc[(5, 2028), ["continuing", "joining", "stay"]].tolist() == pytest.approx([6.0, 0.0, 0.5])
    assert (out["continuing"] + out["joining"]).tolist() == pytest.approx(out["pupils"].tolist())


def test_joiners_stay_by_the_product_of_the_stay_ratios():
    cells = continuing_and_joining(PLAN, BEFORE, transfer={7})
    share = stays(cells, [2027, 2028]).set_index(["ncy", "year"])
    assert share.loc[(4, 2027), ["y2027", "y2028"]].tolist() == pytest.approx([1.0, 0.5])
    assert share.loc[(7, 2027), ["y2027", "y2028"]].tolist() == pytest.approx([1.0, 1.0])
    assert share.loc[(5, 2028), ["y2027", "y2028"]].tolist() == pytest.approx([0.0, 1.0])


def test_every_years_pupils_are_the_continuing_and_the_joining_of_earlier_joiners():
    """Followed through: the joiners of every year, times their stays, give each year's
    pupils back (those already placed before the plan aside)."""
    cells = continuing_and_joining(PLAN, BEFORE, transfer={7})
    share = stays(cells, [2027, 2028])
    joined = cells["joining"].to_numpy()
    for year in (2027, 2028):
        from_joiners = (share[f"y{year}"] * joined).sum()
        placed_before = {2027: 10.0, 2028: 5.0}[year]  # 10 stay in 2027, half of them again in 2028
        assert from_joiners + placed_before == pytest.approx(cells.loc[cells["year"] == year, "pupils"].sum())
