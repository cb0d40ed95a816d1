/* placeplan's councillors' map: builds the Leaflet layers from the plan's data.
 *
 * This script is fixed: it is the same for every plan. The plan arrives as JSON in the
 * page's element #pp-data (see placeplan/outputs/leaflet.py). Every text in it is HTML that
 * placeplan has already escaped, because Leaflet puts popups, tooltips and layer names into
 * the page as HTML; this script never builds HTML from a name.
 */
(function () {
    "use strict";

    var data = JSON.parse(document.getElementById("pp-data").textContent);
    var STREETS = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
    var STREETS_CREDIT = "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors";
    // room for the title (top) and the layer list and legend (right), so no zone starts under them
    var FIT = {paddingTopLeft: [0, 70], paddingBottomRight: [420, 20]};
    // popups stay clear of the title and the edges when the map pans to show them
    var POPUP = {maxWidth: 340, autoPanPaddingTopLeft: [60, 90], autoPanPaddingBottomRight: [30, 30]};

    var map = L.map("pp-map", {center: data.view.center, zoom: data.view.zoom, preferCanvas: true});
    L.control.scale().addTo(map);
    map.fitBounds(data.view.bounds, FIT);

    function bind(feature, layer) {
        var p = feature.properties;
        if (p.popup) { layer.bindPopup(p.popup, POPUP); }
        if (p.tip) { layer.bindTooltip(p.tip, {sticky: true}); }
    }

    // one view of demand: the zones' shapes (shared by every view), coloured by its classes
    function demandView(view) {
        if (!view.classes) { return L.featureGroup(); }
        return L.geoJSON(data.zones, {
            style: function (f) {
                return {fillColor: data.colours[view.classes[f.properties.i]], fillOpacity: 0.75,
                        color: "#5A5A5A", weight: 0.5};
            },
            onEachFeature: function (f, layer) {
                layer.bindTooltip(f.properties.name + ": " + view.labels[f.properties.i] + view.caption,
                                  {sticky: true});
            }
        });
    }

    // an overlay: the street tiles, or features styled by their own properties (points as circles)
    function overlay(spec) {
        if (spec.tiles) { return L.tileLayer(STREETS, {maxZoom: 19, attribution: STREETS_CREDIT}); }
        return L.geoJSON(spec.features, {
            style: function (f) { return f.properties.style; },
            pointToLayer: function (f, latlng) { return L.circleMarker(latlng); },
            onEachFeature: bind
        });
    }

    var control = L.control.layers(null, null, {collapsed: false, position: "topright"});
    var stack = [];
    data.base.forEach(function (view) {
        var layer = demandView(view);
        if (view.show) { layer.addTo(map); }
        control.addBaseLayer(layer, view.name);
        stack.push(layer);
    });
    data.overlays.forEach(function (spec) {
        var layer = overlay(spec);
        if (spec.show) { layer.addTo(map); }
        control.addOverlay(layer, spec.name);
        if (!spec.tiles) { stack.push(layer); }
    });
    control.addTo(map);

    // All shapes share one canvas, drawn (and clicked) in the order they were added: a layer
    // switched on later would cover the circles and take their clicks. Keep the list's order.
    map.on("baselayerchange overlayadd", function () {
        stack.forEach(function (layer) { if (map.hasLayer(layer)) { layer.bringToFront(); } });
    });
    // fold the layer list away while a popup is open, so the popup is never under it
    map.on("popupopen", function () { control.collapse(); });
    map.on("popupclose", function () { control.expand(); });

    // for people (and tests) who want to look at the map from the browser's console
    window.placeplan = {map: map, layers: control};
}());
