"""Growth of base-year demand, checked by hand on the tiny fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from placeplan.demand import plan_years, project
from placeplan.pipeline import load_inputs

FIXTURES = Path(__file__).parent / "fixtures"


def test_growth_by_need_compounds_from_the_base_year():
    inputs = load_inputs(FIXTURES / "tiny.toml", ("demand.growth={default = 0.1, SEMH = 0.5}",
                                                  "horizon.first_year=2025", "horizon.years=2"))
    demand = inputs.dataset["demand"]
    projected = project(demand, inputs.scenario.scenario, inputs.dataset.meta.base_year)
    by = projected.groupby(["year", "need"])["pupils"].sum()
    # Base year 2024/25. SEMH: 8 pupils x 1.5 in 2025/26, x 2.25 in 2026/27.
    assert by[(2025, "SEMH")] == pytest.approx(12.0)
    assert by[(2026, "SEMH")] == pytest.approx(18.0)
    # ASD: 14 pupils x 1.1 and x 1.21.
    assert by[(2026, "ASD")] == pytest.approx(14 * 1.21)
    assert set(projected["phase"]) == {"primary", "secondary"}


def test_plan_years_default_to_the_year_after_the_base():
    inputs = load_inputs(FIXTURES / "tiny.toml")
    assert plan_years(inputs.scenario.scenario, 2024) == [2025, 2026, 2027]


def test_zero_growth_conserves_totals():
    inputs = load_inputs(FIXTURES / "tiny.toml", ("demand.growth={default = 0.0}",))
    projected = project(inputs.dataset["demand"], inputs.scenario.scenario, 2024)
    assert projected.groupby("year")["pupils"].sum().tolist() == [26.0, 26.0, 26.0]
