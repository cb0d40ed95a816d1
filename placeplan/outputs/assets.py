"""Leaflet's script and styles, read from the installed XStatic-Leaflet package and put
inside the map file, so that the map works with no network (committee papers are often
read offline). The images its styles name (the layers icon, the default marker) are put
inside as data URIs too.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from pathlib import Path


def _leaflet_folder() -> Path:
    import xstatic.pkg.leaflet as leaflet

    return Path(leaflet.BASE_DIR)


def leaflet_version() -> str:
    import xstatic.pkg.leaflet as leaflet

    return str(leaflet.VERSION)


@lru_cache(maxsize=1)
def leaflet_js() -> str:
    text = (_leaflet_folder() / "leaflet.js").read_text(encoding="utf-8")
    # the source map is not shipped inside the map: drop the comment that points to it
    return re.sub(r"//# sourceMappingURL=\S+\s*$", "", text)


@lru_cache(maxsize=1)
def leaflet_css() -> str:
    folder = _leaflet_folder()
    text = (folder / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match) -> str:
        path = folder / match.group(1)
        if not path.is_file():
            return "none"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\(\s*['\"]?(images/[^'\")]+)['\"]?\s*\)", inline, text)


def inline_head() -> str:
    """The <style> and <script> elements that make Leaflet work inside one file."""
    return (
        f"<style>/* Leaflet {leaflet_version()} (BSD-2-Clause) */\n{leaflet_css()}</style>\n"
        f"<script>/* Leaflet {leaflet_version()} (BSD-2-Clause), https://leafletjs.com */\n"
        f"{script_safe(leaflet_js())}</script>"
    )


def script_safe(text: str) -> str:
    """A script that cannot end its own <script> element early (HTML ends it at the first
    '</script' in any case; '<\\/' means the same to JavaScript inside strings and regexes)."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)
