"""The model's formulation, rendered from the code's own definition
(:data:`placeplan.model_maths.FORMULATION`) into MathML, which browsers draw natively: the
report shows the maths with no network and no script."""

from __future__ import annotations

import html
import re

import latex2mathml.converter

_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _text(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", html.escape(text, quote=False))


def mathml(tex: str, *, block: bool) -> str:
    return latex2mathml.converter.convert(tex.strip(), display="block" if block else "inline")


def formulation_html(source: str) -> str:
    """Paragraphs of text with $inline$ and $$display$$ maths, as HTML with MathML."""
    out = []
    for paragraph in re.split(r"\n\s*\n", source.strip()):
        parts, last = [], 0
        for match in _MATH.finditer(paragraph):
            parts.append(_text(paragraph[last : match.start()]))
            block, inline = match.groups()
            parts.append(mathml(block, block=True) if block is not None else mathml(inline, block=False))
            last = match.end()
        parts.append(_text(paragraph[last:]))
        out.append("<p>" + "".join(parts).strip() + "</p>")
    return "\n".join(out)
