// The national map: every council's (approximate) area, shaded at the reader's choice by its
// shortfall without new provision or by the plan's saving. Everything drawn comes from the
// page's data; every text in it is HTML escaped once by placeplan.
(function () {
    "use strict";
    var data = JSON.parse(document.getElementById("pp-data").textContent);
    var map = L.map("pp-map", {preferCanvas: true});
    var STREETS = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
    var CREDIT = "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors";
    var streets = L.tileLayer(STREETS, {maxZoom: 19, attribution: CREDIT});
    var base = {};
    function shaded(view) {
        return L.geoJSON(data.councils, {
            style: function (f) {
                return {color: "#0b0c0c", weight: 0.6, fillColor: f.properties.fill[view], fillOpacity: 0.85};
            },
            onEachFeature: function (f, layer) {
                layer.bindTooltip(f.properties.name, {sticky: true});
                layer.bindPopup(f.properties.popup);
            }
        });
    }
    // only the key of the view shown
    function showKey(view) {
        document.querySelectorAll(".pp-view").forEach(function (key) {
            key.style.display = key.getAttribute("data-view") === view ? "" : "none";
        });
    }
    Object.keys(data.views).forEach(function (view, i) {
        var layer = shaded(view);
        layer.ppView = view;
        base[data.views[view]] = layer;
        if (i === 0) { layer.addTo(map); showKey(view); }
    });
    map.on("baselayerchange", function (e) { showKey(e.layer.ppView); });
    L.control.layers(base, {"Streets (needs the internet)": streets}, {collapsed: false}).addTo(map);
    // leave room for the key (bottom left) and the layer list (top right)
    var key = document.querySelector(".pp-panel");
    map.fitBounds(data.bounds, {paddingTopLeft: [key ? key.offsetWidth + 16 : 0, 16],
                                paddingBottomRight: [16, 16]});
})();
