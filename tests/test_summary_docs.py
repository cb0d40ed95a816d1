"""The sufficiency summary on the hand-checkable tiny fixture, and the generated docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from placeplan.dataset import load_dataset
from placeplan.docs import data_standard_markdown
from placeplan.summary import summarise

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def summary():
    return summarise(load_dataset(ROOT / "tests" / "fixtures" / "tiny"))


def test_pupils_by_need_and_phase(summary):
    pupils = summary.pupils.set_index("need")
    assert pupils.loc["ASD", "primary"] == 9  # 4 + 3 + 2
    assert pupils.loc["ASD", "secondary"] == 5
    assert pupils.loc["SEMH", "secondary"] == 8  # 2 + 6
    assert pupils.loc["total", "total"] == 26


def test_places_are_shared_by_pupils_admitted(summary):
    # Oak (10 places; ASD, SLD, SLCN; NCY 0-11) admits 18 pupils: 9 ASD primary, 5 ASD
    # secondary, 1 SLD, 3 SLCN. Elm SRP (4 places; ASD primary) takes 4 more.
    table = summary.sufficiency.set_index(["need", "phase"])
    assert table.loc[("ASD", "primary"), "local_places"] == round(10 * 9 / 18 + 4)
    assert table.loc[("ASD", "secondary"), "local_places"] == round(10 * 5 / 18)
    assert table.loc[("SEMH", "secondary"), "local_places"] == 0
    assert table.loc[("SEMH", "secondary"), "surplus"] == -8


def test_overview(summary):
    overview = dict(zip(summary.overview["metric"], summary.overview["value"]))
    assert overview["existing local places (special, SRP, unit, ESTA)"] == 14
    assert overview["independent special school places"] == 20
    assert overview["places candidate options could add (at most)"] == 12 + 12 + 8


def test_docs_are_generated_from_the_schema():
    committed = (ROOT / "docs" / "data-standard.md").read_text(encoding="utf-8")
    assert committed == data_standard_markdown(), (
        "docs/data-standard.md is stale: run placeplan schema --out docs/data-standard.md"
    )
    for column in ("host_first_preference_ratio", "place_step", "unreachable"):
        assert column in committed
