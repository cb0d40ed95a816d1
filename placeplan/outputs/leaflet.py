"""Leaflet glue for the map, as folium elements: the zones' shapes written once and shared by
every demand view, the demand views themselves, popups that fold the layer list away, and
element ids numbered in order so the same plan always gives the same file."""

from __future__ import annotations

import folium
from branca.element import Element, MacroElement
from folium.map import Layer
from folium.template import Template
from folium.utilities import JsCode

#: Binds each feature's ready-made (escaped) popup and tooltip.
BIND = JsCode("""function (feature, layer) {
    var p = feature.properties;
    if (p.popup) {
        layer.bindPopup(p.popup, {maxWidth: 340, autoPanPaddingTopLeft: [60, 90], autoPanPaddingBottomRight: [30, 30]});
    }
    if (p.tip) { layer.bindTooltip(p.tip, {sticky: true}); }
}""")


class ZoneGeometry(MacroElement):
    """The zones' shapes, written once and shared by every demand view."""

    _template = Template("""{% macro script(this, kwargs) %}
var {{ this.get_name() }} = {{ this.data|tojson }};
{% endmacro %}""")

    def __init__(self, data: dict):
        super().__init__()
        self._name = "ZoneGeometry"
        self.data = data


class DemandView(Layer):
    """One view of demand by zone: a colour class and a printed label per zone."""

    _template = Template("""{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
    var colours = {{ this.colours|tojson }}, classes = {{ this.classes|tojson }}, labels = {{ this.labels|tojson }};
    return L.geoJson({{ this.shapes.get_name() }}, {
        style: function (f) {
            return {fillColor: colours[classes[f.properties.i]], fillOpacity: 0.75, color: "#5A5A5A", weight: 0.5};
        },
        onEachFeature: function (f, layer) {
            layer.bindTooltip(f.properties.name + ": " + labels[f.properties.i] + {{ this.caption|tojson }},
                              {sticky: true});
        }
    });
})();
{% endmacro %}""")

    def __init__(self, shapes: ZoneGeometry, name: str, classes: list[int], labels: list[str],
                 colours: list[str], caption: str, show: bool):
        super().__init__(name=name, overlay=False, control=True, show=show)
        self._name = "DemandView"
        self.shapes, self.classes, self.labels, self.colours, self.caption = shapes, classes, labels, colours, caption


class PopupMakesRoom(MacroElement):
    """Fold the layer list away while a popup is open, so the popup is never under it."""

    _template = Template("""{% macro script(this, kwargs) %}
{{ this.map.get_name() }}.on("popupopen", function () { {{ this.control.get_name() }}.collapse(); });
{{ this.map.get_name() }}.on("popupclose", function () { {{ this.control.get_name() }}.expand(); });
{% endmacro %}""")

    def __init__(self, fmap: folium.Map, control: folium.LayerControl):
        super().__init__()
        self._name = "PopupMakesRoom"
        self.map, self.control = fmap, control


def stable_ids(root: Element) -> None:
    """Number every element in order instead of folium's random ids, so the same plan
    always gives the same file (a committed map then changes only where the plan does)."""
    counter = 0

    def visit(element: Element) -> None:
        nonlocal counter
        counter += 1
        element._id = f"{counter:05d}"
        for child in list(element._children.values()):
            visit(child)

    visit(root)
