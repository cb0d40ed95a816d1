// The national map: one circle per council at the centre of its residents, its area by the
// council's shortfall without new provision, its colour by the plan's saving. Everything
// drawn comes from the page's data; every text in it is HTML escaped once by placeplan.
(function () {
    "use strict";
    var data = JSON.parse(document.getElementById("pp-data").textContent);
    var map = L.map("pp-map", {preferCanvas: true});
    var STREETS = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
    var CREDIT = "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors";
    var streets = L.tileLayer(STREETS, {maxZoom: 19, attribution: CREDIT});
    var councils = L.layerGroup();
    data.councils.forEach(function (c) {
        var circle = L.circleMarker([c.lat, c.lon], {radius: c.radius, color: "#0b0c0c", weight: 1,
                                                       fillColor: c.colour, fillOpacity: 0.8});
        circle.bindTooltip(c.name);
        circle.bindPopup(c.popup);
        councils.addLayer(circle);
    });
    councils.addTo(map);
    L.control.layers(null, {"Councils": councils, "Streets (needs the internet)": streets},
                     {collapsed: false}).addTo(map);
    map.fitBounds(data.bounds);
})();
