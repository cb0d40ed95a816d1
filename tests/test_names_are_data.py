"""Names are data: every name a document for people prints is printed as it was written,
and never read as a template or as code, in the map, the report and the shortlist.

Each solve of the tiny borough puts a hostile text into every name the documents print:
zones, sites (one of them the host an option shows), candidates, the dataset's and its
source's name and attribution, and the scenario's name and description. The payloads are
turned round one place a solve, so that over the ten solves every name meets every
payload (a Latin square: ten solves, not one per name and payload).

What the names must survive: Jinja2 expressions, statements and comments (which a map built
with folium used to evaluate, run as shell commands, or crash on), HTML that would end a
<script> element or run a script, quotes, ampersands already written as entities (escaped
twice, they would show as '&amp;'), and U+2028 (a line end to older JavaScript).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import TINY, read_rows, run_cli, write_rows

MARKER = "MARKER"  # replaced by a file path in each solve's folder: no solve may create it
PAYLOADS = (
    "{{ 1001*7 }}",
    "{% if true %}x{% endif %}",
    "{#2}",
    "{{ Old Town }}",
    f"{{{{ lipsum.__globals__.os.popen('touch {MARKER}').read() }}}}",
    "</script><script>window.pwned=1</script>",
    "<img src=x onerror=window.pwned=2>",
    "\"double\" 'single' `back`",
    "Smith & Sons &amp; Co &lt;b&gt;",
    "Line\u2028separator\u2029paragraph",
)

# (slot, table, key, the name before the payload); a CSV slot's key is its first column
SLOTS = (
    ("zone", "zones", "Z1", "North End"),
    ("zone", "zones", "Z3", "Town Centre"),
    ("site", "sites", "S1", "Oak Special School"),  # also the host option O2 shows
    ("site", "sites", "S2", "Elm Primary SRP"),
    ("option", "candidates", "O1", "Riverside Academy SEMH SRP"),
    ("option", "candidates", "O2", "Oak Special expansion"),
    ("option", "candidates", "O3", "Town Primary ESTA"),
    ("dataset", "dataset.toml", "name", "Tiny test borough"),
    ("source", "dataset.toml", "source name", "Made up for placeplan's tests"),
    ("attribution", "dataset.toml", "attribution", "Test data: no copyright"),
    ("scenario", "scenario", "name", "Tiny scenario"),
    ("description", "scenario", "description", "A scenario whose words are hostile"),
)
ROTATIONS = range(len(PAYLOADS))
HTML_DOCUMENTS = ("map.html", "report.html", "shortlist.html")
# where each slot's name must be printed (the options and their host are in all three)
SHOWN_IN = {
    "zone": ("map.html",),
    "site": ("map.html",),
    "option": HTML_DOCUMENTS,
    "dataset": ("map.html", "report.html"),
    "source": ("report.html",),
    "attribution": ("report.html",),
    "scenario": HTML_DOCUMENTS,
    "description": ("report.html",),
}


@dataclass(frozen=True)
class Named:
    """A solved folder and the name each slot was given."""

    out: Path
    marker: Path
    names: dict[str, str]  # table:key -> the exact name written into the input

    def of(self, table: str, key: str) -> str:
        return self.names[f"{table}:{key}"]


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes, as ASCII, are TOML's)."""
    return json.dumps(text, ensure_ascii=True)


def _rename(folder: Path, table: str, key: str, value: str) -> None:
    rows = read_rows(folder / f"{table}.csv")
    column = rows[0].index("name")
    hits = [row for row in rows[1:] if row[0] == key]
    assert len(hits) == 1, (table, key)
    hits[0][column] = value
    write_rows(folder / f"{table}.csv", rows)


def names_for(rotation: int, marker: Path) -> dict[str, str]:
    """Slot i gets payload (i + rotation) mod 10, after its ordinary name."""
    out = {}
    for i, (_, table, key, base) in enumerate(SLOTS):
        payload = PAYLOADS[(i + rotation) % len(PAYLOADS)].replace(MARKER, str(marker))
        out[f"{table}:{key}"] = f"{base} {payload}"
    return out


def solve_named(root: Path, rotation: int, *extra: str) -> Named:
    """The tiny borough with every printed name hostile, solved into root/out."""
    marker = root / "pwned-marker"
    names = names_for(rotation, marker)
    data = shutil.copytree(TINY, root / "tiny")
    for _, table, key, _ in SLOTS:
        if table in ("zones", "sites", "candidates"):
            _rename(data, table, key, names[f"{table}:{key}"])
    (data / "dataset.toml").write_text(
        f"name = {toml_string(names['dataset.toml:name'])}\n"
        'description = "Five zones on a line."\ncrs = "EPSG:27700"\nbase_year = "2024/25"\nlicence = "CC0"\n\n'
        f'[[sources]]\nname = {toml_string(names["dataset.toml:source name"])}\nlicence = "CC0"\n'
        f"attribution = {toml_string(names['dataset.toml:attribution'])}\n",
        encoding="utf-8",
    )
    scenario = root / "named.toml"
    scenario.write_text(
        f"name = {toml_string(names['scenario:name'])}\n"
        f"description = {toml_string(names['scenario:description'])}\n"
        'dataset = "tiny"\n\n[horizon]\nfirst_year = 2025\nyears = 3\n\n[travel]\nspeed_kmh = 24\n',
        encoding="utf-8",
    )
    result = run_cli(["solve", str(scenario), "--out", str(root / "out"), *extra])
    assert result.exit_code == 0, result.output
    return Named(root / "out", marker, names)


# --- reading the documents back ---------------------------------------------------------------


class _Read(HTMLParser):
    """An HTML text as a browser would build it: its text (outside scripts and styles), its
    elements, and each <script> element's attributes and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, list[str]]] = []
        self._raw: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._raw = tag
        if tag == "script":
            self.scripts.append((dict(attrs), []))

    def handle_endtag(self, tag):
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data):
        if self._raw == "script":
            self.scripts[-1][1].append(data)
        elif self._raw is None:
            self.text.append(data)


def read_html(text: str) -> _Read:
    parser = _Read()
    parser.feed(text)
    parser.close()
    return parser


def shown(html: str) -> str:
    """What a browser shows of an HTML text (Leaflet puts popups and tooltips in as HTML)."""
    return "".join(read_html(html).text)


def _elements(html: str) -> list[str]:
    return [tag for tag, _ in read_html(html).tags]


def map_data(folder: Path) -> dict:
    """The one JSON element the map's script draws, parsed as the browser's JSON.parse would."""
    scripts = read_html((folder / "map.html").read_text(encoding="utf-8")).scripts
    data = ["".join(text) for attrs, text in scripts if attrs.get("type") == "application/json"]
    assert len(data) == 1, "expected the plan's data once in the map"
    return json.loads(data[0])


def _features(data: dict) -> list[dict]:
    out = list(data["zones"]["features"])
    for layer in data["overlays"]:
        out += layer.get("features", {}).get("features", [])
    return out


def _strings(value) -> list[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


# --- the solves -------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=ROTATIONS, ids=lambda r: f"rotation{r}")
def named(request, tmp_path_factory) -> Named:
    # with the counterfactuals (explain), whose 'what happens without it' names schools too
    return solve_named(tmp_path_factory.mktemp(f"named{request.param}"), request.param)


def printed(folder: Path, document: str) -> str:
    """All the text a person can see in a document: for the map, also its popups, tooltips
    and layer names (HTML inside the data, that Leaflet puts in the page)."""
    text = shown((folder / document).read_text(encoding="utf-8"))
    if document == "map.html":
        text += " ".join(shown(s) for s in _strings(map_data(folder)))
    return text


def _evaluated(text: str) -> list[str]:
    """The names in ``text`` whose {{ 1001*7 }} or {% if true %}x{% endif %} was evaluated."""
    return [base for _, _, _, base in SLOTS if f"{base} 7007" in text or f"{base} x" in text]


def test_no_name_runs_code_or_is_evaluated(named):
    assert not named.marker.exists(), "a name ran a shell command"
    for document in HTML_DOCUMENTS:
        assert not _evaluated((named.out / document).read_text(encoding="utf-8")), document
        assert not _evaluated(printed(named.out, document)), document


@pytest.mark.parametrize("document", HTML_DOCUMENTS)
def test_every_name_is_printed_exactly_as_written(named, document):
    text = printed(named.out, document)
    for slot, table, key, _ in SLOTS:
        if document in SHOWN_IN[slot]:
            assert named.of(table, key) in text, (document, slot, named.of(table, key))


@pytest.mark.parametrize("document", HTML_DOCUMENTS)
def test_no_name_adds_an_element_or_a_script(named, document):
    html = (named.out / document).read_text(encoding="utf-8")
    page = read_html(html)
    tags = [tag for tag, _ in page.tags]
    scripts = {"map.html": 3, "report.html": 0, "shortlist.html": 0}[document]
    assert tags.count("script") == scripts, "a name opened a <script> element"
    assert all(not name.startswith("on") for _, attrs in page.tags for name in attrs), "a name added a handler"
    assert all(attrs.get("src", "").startswith("data:") for tag, attrs in page.tags if tag == "img")
    for raw in ("<script>window.pwned", "<img src=x", "</script><script>"):
        assert raw not in html, f"{raw!r} reached {document} unescaped"


def test_the_maps_data_holds_each_name_escaped_once(named):
    data = map_data(named.out)
    features = _features(data)
    tips = [f["properties"].get("tip", "") for f in features]
    popups = [f["properties"]["popup"] for f in features if "popup" in f["properties"]]
    for slot, table, key, _ in SLOTS:
        name = named.of(table, key)
        if slot == "zone":
            labels = [f["properties"]["name"] for f in data["zones"]["features"]]
        elif slot in ("site", "option"):
            labels = tips
        else:
            continue
        # Leaflet reads these as HTML: shown, they are the name, with no element of its own
        matches = [label for label in labels if shown(label) == name]
        assert matches, (slot, name)
        assert all(_elements(label) == [] for label in matches), (slot, name)
        if slot != "zone":  # a popup headed by the name, in bold
            assert any(shown(p).startswith(name) and _elements(p)[:1] == ["b"] for p in popups), (slot, name)
    host = named.of("sites", "S1")
    assert any(shown(p).startswith(named.of("candidates", "O2")) and f"hosted by {host}" in shown(p) for p in popups), (
        host
    )
    for text in _strings(data):
        assert set(_elements(text)) <= {"b", "br", "i"}, text  # only the markup placeplan writes


def test_the_maps_data_cannot_end_its_script_element(named):
    html = (named.out / "map.html").read_text(encoding="utf-8")
    start = html.index('<script type="application/json" id="pp-data">')
    body = html[start : html.index("</script>", start)]
    text = body[body.index(">") + 1 :]
    assert json.loads(text) == map_data(named.out)
    for character in "<>&\u2028\u2029":
        assert character not in text, f"{character!r} written raw in the map's data"


def test_the_report_and_shortlist_print_the_option_and_its_host(named):
    for document in ("report.html", "shortlist.html"):
        text = shown((named.out / document).read_text(encoding="utf-8"))
        assert f"hosted by {named.of('sites', 'S1')}" in text, document
        assert named.of("scenario", "name") in text, document


def test_the_same_names_give_the_same_map(named):
    first = (named.out / "map.html").read_bytes()
    result = run_cli(["map", str(named.out), "--no-copy"])
    assert result.exit_code == 0, result.output
    assert (named.out / "map.html").read_bytes() == first
    assert not named.marker.exists()


# --- the template engine itself -----------------------------------------------------------------


def test_pages_give_names_to_templates_only_as_values(tmp_path):
    from jinja2.exceptions import SecurityError

    from placeplan.outputs.page import render

    name = "Oak {{ 1001*7 }} {% if true %}x{% endif %} {#2} <b>"
    assert render("<p>{{ n }}</p>", n=name) == "<p>Oak {{ 1001*7 }} {% if true %}x{% endif %} {#2} &lt;b&gt;</p>"
    # a second wall: text compiled as a template by mistake still cannot reach Python's internals
    with pytest.raises(SecurityError):
        render(f"{{{{ lipsum.__globals__.os.popen('touch {tmp_path / 'marker'}').read() }}}}")
    assert not (tmp_path / "marker").exists()
