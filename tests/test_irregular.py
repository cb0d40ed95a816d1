"""Forecasts on the histories officers have: years with gaps or two apart, areas that start
late, a single area, areas outside the DfE pool, and histories by setting; the backtest's
interval score."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, run_cli

from placeplan.projection.backtest import Settings, interval_score, run_backtest
from placeplan.projection.history import read_history
from placeplan.projection.trend import REFERENCE_VARIANCE, Z80, area_growths, fit_pool, steps

EXACT = Settings(horizon=2, draws=200)


def _write(tmp_path: Path, frame: pd.DataFrame, name: str = "history.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _simulated(
    rng: np.random.Generator, *, areas: int, years: list[int], growth: float, lasting: float, passing: float
) -> pd.DataFrame:
    """Areas x years of counts whose annual log growth is ``growth`` plus a lasting
    difference per area and fresh noise each year (sds ``lasting`` and ``passing``)."""
    every = range(years[0], years[-1] + 1)
    own = rng.normal(0.0, lasting, size=(areas, 1))
    annual = growth + own + rng.normal(0.0, passing, size=(areas, len(every) - 1))
    logs = np.log(rng.uniform(200, 2000, size=(areas, 1))) + np.concatenate(
        [np.zeros((areas, 1)), np.cumsum(annual, axis=1)], axis=1
    )
    wide = pd.DataFrame(np.exp(logs), index=[f"A{i}" for i in range(areas)], columns=list(every))
    return wide[years]


def test_steps_annualise_growth_over_gaps_and_late_starts():
    wide = pd.DataFrame({2011: [100.0, np.nan], 2013: [121.0, 50.0], 2014: [133.1, 55.0]}, index=["a", "b"])
    found = steps(wide)
    assert list(found.rate.columns) == [(2011, 2013), (2013, 2014)]
    assert found.rate.loc["a", (2011, 2013)] == pytest.approx(np.log(1.1))
    assert np.isnan(found.rate.loc["b", (2011, 2013)])
    assert found.rate.loc["b", (2013, 2014)] == pytest.approx(np.log(1.1))
    # Each year a two-year step spans takes its annual rate.
    assert list(found.per_year.loc["a"]) == pytest.approx([np.log(1.1)] * 3)
    assert found.boundaries() == [2011, 2013, 2014]


def test_years_two_apart_recover_a_known_growth_and_an_honest_range():
    """Twenty simulated pools of 30 areas counted every other year, growth 6% a year with
    lasting and passing differences: the pooled forecast two years on finds the growth and
    its P10-P90 range holds about 80% of what the simulation then drew."""
    rng = np.random.default_rng(2011)
    years = [2009, 2011, 2013, 2015, 2017, 2019]
    inside, found = [], []
    for _ in range(20):
        wide = _simulated(rng, areas=30, years=years, growth=0.06, lasting=0.01, passing=0.04)
        train = wide[years[:-1]]
        fit = fit_pool(train)
        models = area_growths(fit, train)
        found.append(fit.growth)
        sd = np.sqrt(
            4 * (models["persistent"] + models["common_persistent"]) + 2 * (models["annual"] + models["common_annual"])
        )
        error = np.log(wide[2019] / train[2017]) - 2 * models["growth"]
        inside.extend(np.abs(error) <= Z80 * sd)
    assert np.mean(found) == pytest.approx(0.06, abs=0.005)
    assert 0.72 <= np.mean(inside) <= 0.88


def test_a_history_two_years_apart_is_not_forecast_as_no_change(tmp_path):
    """15 areas counted in January 2012, 2014, 2016 and 2018 (years 2011-2017), growing
    about 8% a year: from 2015, two years on. Before, every count-to-count growth was
    missing, so trend forecast the last value (bias -14%) and no range covered anything."""
    rng = np.random.default_rng(15)
    wide = _simulated(rng, areas=15, years=[2011, 2013, 2015, 2017], growth=np.log(1.08), lasting=0.01, passing=0.02)
    long = wide.rename_axis("area").reset_index().melt(id_vars="area", var_name="year", value_name="pupils")
    result = run_backtest(read_history(_write(tmp_path, long)), settings=EXACT)
    scores = result.scores.set_index(["method", "origin"])
    trend = scores.loc[("trend", "all")]
    assert abs(trend["bias"]) < 3.0
    assert trend["mape"] < scores.loc[("last", "all"), "mape"] / 3
    assert trend["coverage80"] >= 50
    assert "no region column" in result.evidence and "2 apart" in result.evidence


def test_a_single_area_gets_a_range_that_widens_with_distance_and_narrows_with_evidence():
    rng = np.random.default_rng(7)
    long_history = _simulated(rng, areas=1, years=list(range(2012, 2025, 2)), growth=0.05, lasting=0.0, passing=0.03)
    short_history = long_history[[2020, 2022, 2024]]
    short, long = (area_growths(fit_pool(w), w).iloc[0] for w in (short_history, long_history))
    from placeplan.projection.trend import area_growth

    one = area_growth(fit_pool(short_history), short_history.iloc[0])
    assert one.variance(3) > one.variance(1) > 0
    # One step of growth leaves the variance mostly England's, with few degrees of freedom.
    few = area_growth(fit_pool(long_history[[2022, 2024]]), long_history[[2022, 2024]].iloc[0])
    assert few.common_annual == pytest.approx(REFERENCE_VARIANCE)
    assert few.dof(2) == pytest.approx(2.0)
    assert one.quantile(0.9, 2) < few.quantile(0.9, 2)
    assert short["years"] == 4 and long["years"] == 12


def test_a_gap_in_a_yearly_pool_is_bridged_and_the_pool_is_not_thinned():
    rng = np.random.default_rng(3)
    wide = _simulated(rng, areas=12, years=list(range(2015, 2024)), growth=0.07, lasting=0.0, passing=0.01)
    holed = wide.copy()
    holed.loc["A0", 2019] = np.nan
    fit = fit_pool(holed)
    assert np.expm1(fit.growth) == pytest.approx(np.expm1(fit_pool(wide).growth), abs=0.003)
    model = area_growths(fit, holed.loc[["A0"]]).iloc[0]
    assert model["years"] == 8
    assert np.expm1(model["growth"]) == pytest.approx(0.0725, abs=0.01)


def test_areas_outside_the_pool_and_by_setting(tmp_path):
    """A council's own file by setting, its areas not DfE councils: the table says what the
    pool is and scores each setting."""
    rng = np.random.default_rng(9)
    rows = []
    for setting, growth in (("special", 0.08), ("resourced", 0.02)):
        wide = _simulated(rng, areas=5, years=list(range(2017, 2025)), growth=growth, lasting=0.0, passing=0.01)
        for area, counts in wide.iterrows():
            rows += [(f"district {area}", setting, year, round(value, 1)) for year, value in counts.items()]
    path = _write(tmp_path, pd.DataFrame(rows, columns=["area", "setting", "year", "pupils"]))
    result = run_cli(["backtest", "--history", str(path), "--horizon", "2"])
    assert result.exit_code == 0, result.output
    assert "Pool: 5 areas pooled over what the file holds: no region column" in result.output
    assert "By setting, every origin" in result.output
    by_setting = run_backtest(read_history(path), settings=EXACT).by("setting").set_index(["method", "setting"])
    for setting in ("special", "resourced"):
        assert by_setting.loc[("trend", setting), "mape"] < 3.0


def test_a_setting_given_on_some_rows_of_an_area_only_is_refused(tmp_path):
    frame = pd.DataFrame(
        {
            "area": ["A", "A", "A"],
            "setting": ["special", "", "special"],
            "year": [2020, 2021, 2022],
            "pupils": [10, 11, 12],
        }
    )
    result = run_cli(["backtest", "--history", str(_write(tmp_path, frame))])
    assert result.exit_code == 2
    assert "row 3" in result.output and "setting" in result.output


def test_interval_score_is_the_width_plus_ten_times_the_miss():
    low, high = pd.Series([90.0, 90.0, 90.0]), pd.Series([110.0, 110.0, 110.0])
    actual = pd.Series([100.0, 120.0, 85.0])
    assert list(interval_score(low, high, actual)) == [20.0, 120.0, 70.0]


def test_the_reference_variance_is_englands_from_the_open_data():
    from placeplan.projection import dfe

    series = dfe.council_series(ROOT / "data" / "open", measure="specialist")
    fit = fit_pool(
        series.pivot_table(index="area", columns="year", values="pupils"),
        series.drop_duplicates("area").set_index("area")["region"],
    )
    assert fit.lasting + fit.passing == pytest.approx(REFERENCE_VARIANCE, abs=0.0002)


def test_the_mix_of_settings_moves_with_their_growth_and_the_total_stays():
    from placeplan.demand_settings import split_by_setting
    from placeplan.scenario.settings import Settings as SettingsOfScenario

    base = pd.DataFrame(
        {
            "zone_id": ["Z", "Z"],
            "need": ["ASD", "ASD"],
            "ncy": [3, 3],
            "setting": ["special", "resourced"],
            "pupils": [10, 10],
        }
    )
    planned = pd.DataFrame(
        {
            "zone_id": ["Z", "Z"],
            "need": ["ASD", "ASD"],
            "ncy": [3, 3],
            "phase": ["primary", "primary"],
            "year": [2024, 2026],
            "pupils": [20.0, 30.0],
        }
    )
    out = split_by_setting(planned, base, SettingsOfScenario(), [2025, 2026], mix={"resourced": 0.1}, base_year=2024)
    by = out.groupby(["year", "setting"])["pupils"].sum()
    assert by[(2024, "resourced")] == pytest.approx(10.0)
    share = np.exp(0.2) / (1 + np.exp(0.2))  # two years of 0.1 more growth than the other half
    assert by[(2026, "resourced")] == pytest.approx(30.0 * share)
    assert by.loc[2026].sum() == pytest.approx(30.0)


def test_kingston_and_richmonds_mix_comes_from_the_dfe_series_by_setting():
    from placeplan.projection.council import setting_mix

    notes: list[str] = []
    mix = setting_mix(("314", "318"), None, notes)
    assert set(mix) == {"special", "resourced"}
    assert all(abs(v) < 0.05 for v in mix.values())
    assert notes and notes[0].startswith("settings: special")
    assert setting_mix((), None, []) == {}


def _kingston_with_history(tmp_path: Path, rows: str) -> Path:
    folder = tmp_path / "kr"
    import shutil

    shutil.copytree(ROOT / "data" / "kingston-richmond", folder)
    (folder / "history.csv").write_text("year,setting,need,ncy,pupils\n" + rows, encoding="utf-8")
    return folder


def test_a_history_by_setting_and_totals_counts_each_pupil_once(tmp_path):
    from placeplan.dataset import load_dataset
    from placeplan.projection.council import history_rows, history_totals

    folder = _kingston_with_history(
        tmp_path,
        "2022,,,,100\n2023,,,,110\n2022,special,,,60\n2022,resourced,,,40\n"
        "2023,special,,,62\n2023,resourced,,,48\n2023,special,ASD,,30\n",
    )
    dataset = load_dataset(folder)
    assert list(history_totals(dataset)) == [100.0, 110.0]
    by_setting = history_rows(dataset, ("setting",))
    assert by_setting.set_index(["year", "setting"])["pupils"].to_dict() == {
        (2022, "resourced"): 40,
        (2022, "special"): 60,
        (2023, "resourced"): 48,
        (2023, "special"): 62,
    }
    # Needs are only given within a setting: their sum over settings is the count by need.
    assert history_rows(dataset, ("need",)).to_dict("records") == [{"year": 2023, "need": "ASD", "pupils": 30}]


def _setting_rows(special: float, resourced: float) -> str:
    return "".join(
        f"{y},special,,,{round(900 * (1 + special) ** (y - 2019))}\n"
        f"{y},resourced,,,{round(150 * (1 + resourced) ** (y - 2019))}\n"
        for y in range(2019, 2025)
    )


def test_the_councils_own_history_by_setting_comes_before_the_dfe_series(tmp_path):
    """Kingston and Richmond's own counts by setting (here resourced places doubling in six
    years while special schools grow 3% a year) are what the mix is forecast from; pooled,
    the DfE's series pull each toward the typical council's growth in that setting by as
    much as councils' differences have persisted, and the note says which evidence the mix
    rests on. Without pooling the history stands alone."""
    from placeplan.dataset import load_dataset
    from placeplan.projection.council import history_rows, setting_mix

    dataset = load_dataset(_kingston_with_history(tmp_path, _setting_rows(0.03, 0.15)))
    own = history_rows(dataset, ("setting",))
    notes: list[str] = []
    pooled = setting_mix(("314", "318"), None, notes, own=own)
    assert set(pooled) == {"special", "resourced"} and pooled != setting_mix(("314", "318"), None, [])
    assert "from the dataset's own history by setting (2019/20 to 2024/25)" in notes[0]
    assert "pooled on England's councils' DfE series, its own difference with weight" in notes[0]
    alone_notes: list[str] = []
    alone = setting_mix((), None, alone_notes, own=own, pool=False)
    assert alone["resourced"] - alone["special"] == pytest.approx(np.log(1.15) - np.log(1.03), abs=0.01)
    assert "special 3.0% (its own history alone)" in alone_notes[0]


def test_the_plan_says_what_its_forecast_rests_on(tmp_path):
    """The plan's demand record (the report's 'what the forecast rests on') names the
    dataset's history for the growth and its history by setting for the mix."""
    from placeplan.dataset import load_dataset
    from placeplan.demand import planned_demand
    from placeplan.scenario.load import load_scenario

    folder = _kingston_with_history(tmp_path, _setting_rows(0.03, 0.15))
    scenario = load_scenario(ROOT / "scenarios" / "kingston-richmond.toml", ["demand.draws=200"]).scenario
    notes = planned_demand(load_dataset(folder), scenario).record.growth["notes"]
    assert any("the council's own difference in the dataset's history (5 years)" in n for n in notes)
    assert any(n.startswith("settings: from the dataset's own history by setting") for n in notes)
