"""The map and the report opened as a person opens them: in real headless Chromium, from
file://, with every request that is not file: or data: refused (no network). Screenshots
are kept as test artefacts in $PLACEPLAN_ARTEFACTS (default: <temp>/placeplan-artefacts).

Needs Debian's chromium (``.ci/run`` installs it) and the playwright package (a test
extra). Without them these tests are skipped, unless PLACEPLAN_REQUIRE_BROWSER=1 (as CI
sets), when they fail.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from test_names_are_data import SHOWN_IN, SLOTS, Named, shown, solve_named
from test_outputs import HOSTILE_OPTION, HOSTILE_SITE, kingston, map_json, solve_tiny  # noqa: F401 (a fixture)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
EXPECTED_LAYERS = (
    "All needs",
    "Primary",
    "Street map background (needs an internet connection)",
    "Travel-time reach of chosen options",
    "Candidates not chosen",
    "Existing: special schools",
    "New places the plan chooses",
)


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if CHROMIUM is None:
        return "chromium is not installed (apt-get install chromium; .ci/run does it)"
    return None


MISSING = _browser_missing()
if MISSING and os.environ.get("PLACEPLAN_REQUIRE_BROWSER"):
    raise RuntimeError(f"browser tests required but {MISSING}")
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


def artefacts() -> Path:
    folder = Path(os.environ.get("PLACEPLAN_ARTEFACTS") or Path(tempfile.gettempdir()) / "placeplan-artefacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    return solve_tiny(tmp_path_factory.mktemp("browser"), hostile=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


class Page:
    """A page opened from file:// with the network refused, and what it said."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.errors: list[str] = []
        self.refused: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri(), wait_until="load")
        self.page.wait_for_timeout(300)

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.refused.append(url)
            route.abort()

    def js(self, script: str):
        return self.page.evaluate(script)


MAP = "window.placeplan.map"


def test_the_map_renders_offline_with_its_layers(browser, solved):
    page = Page(browser, solved / "map.html")
    assert page.errors == [] and page.refused == []
    assert page.js("typeof L !== 'undefined' && L.version") == "1.9.3"
    labels = page.js(
        "Array.from(document.querySelectorAll('.leaflet-control-layers label')).map(l => l.textContent.trim())"
    )
    for expected in EXPECTED_LAYERS:
        assert expected in labels, (expected, labels)
    assert any(label.startswith("Where pupils travel") for label in labels)
    # zones, council outlines, sites and new places are drawn on the map
    assert page.js(f"Object.keys({MAP}._layers).length") > 12
    assert page.js("document.querySelector('.pp-glossary').innerText").count("SEND") >= 1
    assert "Tiny & <test> scenario" in page.js("document.querySelector('.pp-title').innerText")
    path = artefacts() / "map-tiny.png"
    page.page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    page.page.close()


def test_switching_layers_on_draws_them(browser, solved):
    page = Page(browser, solved / "map.html")
    before = page.js(f"Object.keys({MAP}._layers).length")
    page.page.get_by_label("Where pupils travel", exact=False).check()
    page.page.get_by_label("Candidates not chosen").check()
    assert page.js(f"Object.keys({MAP}._layers).length") > before
    page.page.get_by_label("Primary", exact=True).check()
    assert page.errors == [] and page.refused == []
    page.page.close()


@pytest.mark.parametrize("name", [HOSTILE_SITE, HOSTILE_OPTION])
def test_hostile_names_show_as_text_in_popups(browser, solved, name):
    page = Page(browser, solved / "map.html")
    page.page.get_by_label("Candidates not chosen").check()
    opened = page.js(f"""() => {{
        let found = 0;
        {MAP}.eachLayer(layer => {{
            const p = layer.feature && layer.feature.properties;
            if (p && p.popup && p.tip && layer.getPopup && layer.getPopup()) {{
                const probe = document.createElement('div'); probe.innerHTML = p.tip;
                if (probe.textContent === {name!r}) {{ layer.openPopup(); found += 1; }}
            }}
        }});
        return found;
    }}""")
    assert opened >= 1
    text = page.js("document.querySelector('.leaflet-popup-content').innerText")
    assert name in text
    # the layer list folds away while a popup is open, so it never covers it
    assert not page.js(
        "document.querySelector('.leaflet-control-layers').classList.contains('leaflet-control-layers-expanded')"
    )
    assert page.js("typeof window.pwned") == "undefined"
    assert page.errors == []
    page.page.close()


@pytest.fixture(scope="module", params=(0, 5), ids=lambda r: f"rotation{r}")
def named(request, tmp_path_factory) -> Named:
    """Every printed name hostile; between them, the two solves put every payload of
    test_names_are_data into the map's popups and tooltips."""
    return solve_named(tmp_path_factory.mktemp(f"named{request.param}"), request.param)


def test_hostile_names_show_as_text_in_the_maps_popups_tooltips_and_layer_list(browser, named):
    page = Page(browser, named.out / "map.html")
    for box in page.page.locator(".leaflet-control-layers-overlays input").all():
        if "Street map" not in box.evaluate("b => b.parentElement.textContent"):
            box.check()
    # open every tooltip and popup the map has, as a click or a hover would, and read them
    seen = page.js(f"""() => {{
        const tips = [], popups = [];
        {MAP}.eachLayer(layer => {{
            if (!layer.feature) return;
            if (layer.getTooltip()) {{
                layer.openTooltip(); tips.push(layer.getTooltip().getElement().textContent); layer.closeTooltip();
            }}
            if (layer.getPopup()) {{
                layer.openPopup();
                popups.push(layer.getPopup().getElement().querySelector('.leaflet-popup-content').textContent);
                layer.closePopup();
            }}
        }});
        return {{tips, popups}};
    }}""")
    tips, popups = seen["tips"], seen["popups"]
    for slot, table, key, _ in SLOTS:
        name = named.of(table, key)
        if slot == "zone":
            assert any(tip.startswith(f"{name}: ") for tip in tips), name
        elif slot in ("site", "option"):
            assert name in tips, name
            assert any(popup.startswith(name) for popup in popups), name
    assert any(f"hosted by {named.of('sites', 'S1')}" in popup for popup in popups)
    data = map_json(named.out / "map.html")
    labels = page.js("Array.from(document.querySelectorAll('.leaflet-control-layers label')).map(l => l.textContent)")
    assert [label.strip() for label in labels] == [shown(layer["name"]) for layer in data["base"] + data["overlays"]]
    title = page.js("document.querySelector('.pp-title').textContent")
    assert named.of("scenario", "name") in title and named.of("dataset.toml", "name") in title
    assert page.js("document.title") == f"{named.of('scenario', 'name')}: map"
    assert page.js("document.scripts.length") == 3 and page.js("document.querySelectorAll('img').length") == 0
    assert page.js("typeof window.pwned") == "undefined"
    assert page.errors == [] and page.refused == []
    page.page.screenshot(path=str(artefacts() / f"map-hostile-names-{named.out.parent.name}.png"))
    page.page.close()


@pytest.mark.parametrize("document", ("report.html", "shortlist.html"))
def test_hostile_names_show_as_text_in_the_report_and_shortlist(browser, named, document):
    page = Page(browser, named.out / document)
    text = page.js("document.body.textContent")
    for slot, table, key, _ in SLOTS:
        if document in SHOWN_IN[slot]:
            assert named.of(table, key) in text, (slot, named.of(table, key))
    assert named.of("scenario", "name") in page.js("document.title")
    assert page.js("document.scripts.length") == 0 and page.js("document.querySelectorAll('img[onerror]').length") == 0
    assert page.js("typeof window.pwned") == "undefined"
    assert page.errors == [] and page.refused == []
    page.page.close()


def test_the_report_renders_offline_with_charts_and_maths(browser, solved):
    page = Page(browser, solved / "report.html")
    assert page.errors == [] and page.refused == []
    images = page.js("Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
    assert len(images) == 2 and all(done and width > 300 for done, width in images)
    assert page.js("document.querySelectorAll('math').length") > 20
    assert page.js("document.querySelector('math[display=block]').getBoundingClientRect().height") > 10
    href = page.js("document.querySelector('a[href=\"map.html\"]').getAttribute('href')")
    assert (solved / href).is_file()
    assert page.js("typeof window.pwned") == "undefined"
    path = artefacts() / "report-tiny.png"
    page.page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    page.page.close()


@pytest.mark.slow
def test_the_kingston_and_richmond_map_and_report_render(browser, kingston):  # noqa: F811
    for name, full in (("map.html", False), ("report.html", True)):
        page = Page(browser, kingston / name)
        assert page.errors == [] and page.refused == []
        page.page.screenshot(path=str(artefacts() / f"{name[:-5]}-kingston-richmond.png"), full_page=full)
        page.page.close()
