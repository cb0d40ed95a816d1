"""HTML pages for people: one template engine with autoescaping on, so every name from an
officer's file is escaped wherever it lands, and one plain stylesheet that prints well.

Templates are constant text written in this package; names and every other datum reach
them only as values. A name is never template source, so ``{{ 1001*7 }}`` in a school's
name is printed as it is written.
"""

from __future__ import annotations

from functools import lru_cache
from typing import LiteralString

import jinja2
import pandas as pd
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; color: #1b1b1b; max-width: 70rem; margin: 1.5rem auto;
       padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 2px solid #0b0c0c; }
h3 { margin-top: 1.5rem; }
.subtitle { color: #505a5f; margin-top: 0; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .9rem; }
th, td { border-bottom: 1px solid #b1b4b6; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f2f1; }
td.number, th.number { text-align: right; white-space: nowrap; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .8rem; }
.figure { border-left: 5px solid #1d70b8; background: #f3f2f1; padding: .5rem .8rem; }
.figure .value { font-size: 1.5rem; font-weight: bold; } .figure .what { font-size: .9rem; }
.note { background: #fff7bf; padding: .5rem .8rem; border-left: 5px solid #ffdd00; }
.assumes { border: 2px solid #505a5f; padding: .2rem 1rem .4rem; margin: 1rem 0; }
.assumes h2 { margin-top: .6rem; border-bottom: none; font-size: 1.2rem; }
.assumes ul { margin: .3rem 0; padding-left: 1.2rem; } .assumes li { margin: .15rem 0; }
.internal { background: #fde8e8; border-left: 5px solid #d4351c; padding: .5rem .8rem; }
dl.glossary dt { font-weight: bold; float: left; clear: left; width: 6rem; }
dl.glossary dd { margin-left: 7rem; margin-bottom: .3rem; }
.chart img { max-width: 100%; height: auto; border: 1px solid #b1b4b6; }
math[display="block"] { margin: .6rem 0; overflow-x: auto; }
@media print { h2 { page-break-before: auto; } a { color: inherit; } }
"""

PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>{{ style }}</style>
</head>
<body>
{{ body }}
</body>
</html>
"""

TABLE = """<table{% if id %} id="{{ id }}"{% endif %}>
<thead><tr>{% for column in columns %}<th{% if column in numbers %} class="number"{% endif %}>{{ column }}</th>
{%- endfor %}</tr></thead>
<tbody>
{% for row in rows %}<tr>{% for column, cell in row %}<td{% if column in numbers %} class="number"{% endif %}>
{{- cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>"""

ASSUMES = """<section class="assumes" id="assumes" aria-labelledby="assumes-title">
<h2 id="assumes-title">{{ heading }}</h2>
<ul>
{% for line in lines %}<li>{{ line }}</li>
{% endfor %}</ul>
</section>"""

GLOSSARY = """<dl class="glossary">
{% for term, meaning in terms.items() %}<dt>{{ term }}</dt><dd>{{ meaning }}</dd>
{% endfor %}</dl>"""


TEMPLATES = ("page", "table", "glossary", "assumes")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    # The sandbox is a second wall behind constant templates: were some text ever compiled
    # as a template by mistake, it still could not reach Python's internals (os, files).
    return ImmutableSandboxedEnvironment(
        loader=jinja2.DictLoader({"page": PAGE, "table": TABLE, "glossary": GLOSSARY, "assumes": ASSUMES}),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: LiteralString, **values) -> str:
    """A template of this module ("page", "table", "glossary", "assumes"), or an inline one, with
    autoescaping.

    ``template`` must be constant text written in the code (``LiteralString`` lets a type
    checker hold every caller to that): never text built from data, which goes in
    ``values`` and is escaped there.
    """
    env = environment()
    found = env.get_template(template) if template in TEMPLATES else env.from_string(template)
    return found.render(**values)


def page(title: str, body: str) -> str:
    """A whole page: ``body`` must already be safe HTML (made by :func:`render`)."""
    return render("page", title=title, style=Markup(STYLE), body=Markup(body))


def table(frame: pd.DataFrame, *, numbers: tuple[str, ...] = (), id: str = "") -> str:
    """A table of text cells, every cell escaped."""
    rows = [
        [(column, "" if pd.isna(value) else value) for column, value in zip(frame.columns, record)]
        for record in frame.itertuples(index=False)
    ]
    return render("table", columns=list(frame.columns), rows=rows, numbers=set(numbers), id=id)


def glossary(terms: dict[str, str]) -> str:
    return render("glossary", terms=terms)


def assumes_box(lines: list[str], *, heading: str) -> str:
    """The "What this plan assumes" box: a heading and a line each, every line escaped
    (they quote the dataset's own words)."""
    return render("assumes", heading=heading, lines=lines)


def safe(text: str) -> Markup:
    """Mark HTML this package built (and escaped) as safe to insert."""
    return Markup(text)
