"""The map's page: fixed parts, the plan's data once as JSON, and a fixed script.

No text here is ever a template. The page is joined from constant parts, the escaped title
and panels, the data, and :file:`map.js` (the same for every plan), which builds the
Leaflet layers from the data in the browser. So a name such as ``Oak {{ 1001*7 }}`` is only
ever data: nothing reads it as code, in Python or in the browser.

Every text in the data is HTML, escaped once by the caller, because Leaflet puts popups,
tooltips and layer names into the page as HTML. The same data always gives the same file.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from .assets import inline_head, script_safe
from .words import esc

#: Characters that could end the data's <script> element or open a comment in it (<, >, &),
#: or end a line in older JavaScript (U+2028, U+2029). They can only stand inside JSON
#: strings, where a \\u escape means the same character.
_IN_SCRIPT = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}

HEAD = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0, maximum-scale=1.0, user-scalable=no">
"""

PAGE_CSS = """
html, body { width: 100%; height: 100%; margin: 0; padding: 0; }
#pp-map { position: relative; width: 100%; height: 100%; }
.leaflet-container { font-size: 1rem; }
"""


def script_json(value: object) -> str:
    """``value`` as compact JSON that can stand inside a <script> element as it is."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_IN_SCRIPT)


@lru_cache(maxsize=1)
def map_script() -> str:
    """The fixed script that draws the map (a file of this package)."""
    return (resources.files(__package__) / "map.js").read_text(encoding="utf-8")


def map_page(*, title: str, css: str, panels: str, data: dict, script: str | None = None) -> str:
    """The whole map page.

    Parameters
    ----------
    title
        Plain text (escaped here).
    css
        The page's own styles: constant text of this package.
    panels
        HTML of the title, legend and glossary panels, every name in it already escaped.
    data
        What :file:`map.js` draws: ``view``, ``colours``, ``zones``, ``base``, ``overlays``.
    script
        The fixed script that draws ``data`` (default :file:`map.js`; the national map
        has its own), a file of this package.
    """
    return (
        f"{HEAD}<title>{esc(title)}</title>\n{inline_head()}\n"
        f'<style>{PAGE_CSS}{css}</style>\n</head>\n<body>\n{panels}\n<div id="pp-map"></div>\n'
        f'<script type="application/json" id="pp-data">{script_json(data)}</script>\n'
        f"<script>\n{script_safe(map_script() if script is None else script)}</script>\n</body>\n</html>\n"
    )
