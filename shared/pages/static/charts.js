// Line charts drawn in the browser as SVG, from data the page carries in a
// <script type="application/json" id="..."> block (the service's own report).
// No library, nothing fetched from elsewhere. Usage: <svg class="chart" data-series="id">.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function draw(svg) {
    var source = document.getElementById(svg.getAttribute("data-series"));
    var data = JSON.parse(source.textContent); // {label, min, max, points: [[x, y], ...]}
    var W = 600, H = 260, L = 48, R = 16, T = 24, B = 40;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("role", "img");
    var points = data.points || [];
    var summary = data.label + ": " + (points.length ? points.map(function (p) {
      return p[0] + " " + p[1]; }).join(", ") : "no data yet");
    svg.appendChild(el("title", {}, summary));
    var lo = data.min, hi = data.max;
    var x = function (i) { return L + (points.length < 2 ? (W - L - R) / 2 : i * (W - L - R) / (points.length - 1)); };
    var y = function (v) { return T + (hi - v) * (H - T - B) / (hi - lo); };
    [lo, (lo + hi) / 2, hi].forEach(function (v) {
      svg.appendChild(el("line", {x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#c8c8c8"}));
      svg.appendChild(el("text", {x: L - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 12, fill: "#4a4a4a"}, String(v)));
    });
    if (!points.length) {
      svg.appendChild(el("text", {x: W / 2, y: H / 2, "text-anchor": "middle", fill: "#4a4a4a"}, "no data yet"));
      return;
    }
    var path = points.map(function (p, i) { return (i ? "L" : "M") + x(i) + " " + y(p[1]); }).join(" ");
    svg.appendChild(el("path", {d: path, fill: "none", stroke: "#0b5394", "stroke-width": 3, "class": "series"}));
    points.forEach(function (p, i) {
      var dot = el("circle", {cx: x(i), cy: y(p[1]), r: 5, fill: "#0b5394", "class": "point"});
      dot.appendChild(el("title", {}, p[0] + ": " + p[1]));
      svg.appendChild(dot);
      svg.appendChild(el("text", {x: x(i), y: H - 12, "text-anchor": "middle", "font-size": 12, fill: "#4a4a4a"}, p[0]));
    });
  }
  document.querySelectorAll("svg.chart[data-series]").forEach(draw);
})();
