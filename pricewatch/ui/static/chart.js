/* The alert page's price chart (uPlot, shipped in this folder): observations as points, the daily median as a
   line, the baseline and the rule's threshold as levels, and vertical marks (emergency start, notified, answered,
   re-checked). Drag to zoom, double-click or "reset" to see everything. Times on the axis are in the display zone
   the server names in the data. window.pwChart holds the instance (the browser tests read it). */
(function () {
  "use strict";
  var holder = document.getElementById("price-chart");
  var source = document.getElementById("chart-data");
  if (!holder || !source || typeof uPlot === "undefined") { return; }
  var d = JSON.parse(source.textContent);
  var xs = [], obs = [], med = [];
  var seen = {};
  function slot(t) { while (seen[t]) { t += 0.001; } seen[t] = true; return t; }
  var rows = [];
  d.observations.forEach(function (p) { rows.push({x: slot(p[0]), o: p[1], m: null}); });
  d.medians.forEach(function (p) { rows.push({x: slot(p[0]), o: null, m: p[1]}); });
  rows.sort(function (a, b) { return a.x - b.x; });
  rows.forEach(function (r) { xs.push(r.x); obs.push(r.o); med.push(r.m); });
  var level = function (v) { return xs.map(function () { return v; }); };
  var markColors = {emergency: "#8e24aa", notified: "#1565c0", answered: "#2e7d32", rechecked: "#ef6c00"};

  var marksPlugin = {
    hooks: {
      draw: [function (u) {
        var ctx = u.ctx;
        ctx.save();
        ctx.lineWidth = 1.5 * devicePixelRatio;
        ctx.font = (11 * devicePixelRatio) + "px sans-serif";
        d.marks.forEach(function (m) {
          var x = Math.round(u.valToPos(m.at, "x", true));
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) { return; }
          ctx.strokeStyle = markColors[m.kind] || "#555";
          ctx.fillStyle = ctx.strokeStyle;
          ctx.setLineDash([5 * devicePixelRatio, 4 * devicePixelRatio]);
          ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
          ctx.fillText(m.label, x + 3 * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
        });
        ctx.restore();
      }]
    }
  };

  function width() { return Math.max(280, holder.clientWidth || 600); }
  var opts = {
    width: width(),
    height: 320,
    tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), d.tz); },
    scales: {x: {time: true, range: function (u, min, max) {
      // widen to show every mark (an emergency declared before the first observation, an answer after the last)
      if (xs.length && min <= xs[0] && max >= xs[xs.length - 1]) {  // the whole series (not a zoom)
        d.marks.forEach(function (m) { min = Math.min(min, m.at); max = Math.max(max, m.at); });
      }
      if (min === max) { min -= 43200; max += 43200; }
      return [min, max];
    }}},
    cursor: {drag: {x: true, y: false}},
    legend: {live: false},  // the legend names the lines (values are read off the axes)
    axes: [{}, {label: d.labels.unit, size: 70}],
    plugins: [marksPlugin],
    series: [
      {label: ""},
      {label: d.labels.observations, stroke: "#1e88e5", paths: function () { return null; },
       points: {show: true, size: 6, fill: "#1e88e5"}},
      {label: d.labels.median, stroke: "#424242", width: 2, spanGaps: true, points: {show: false}},
      {label: d.labels.baseline, stroke: "#2e7d32", width: 1.5, dash: [6, 4], points: {show: false}},
      {label: d.labels.threshold, stroke: "#c62828", width: 1.5, dash: [2, 3], points: {show: false}}
    ]
  };
  var data = [xs, obs, med, level(d.baseline), level(d.threshold)];
  var chart = new uPlot(opts, data, holder);
  window.pwChart = chart;
  window.pwChartPoints = obs.filter(function (v) { return v !== null; }).length;
  var reset = document.getElementById("chart-reset");
  if (reset) {
    reset.addEventListener("click", function () {
      if (xs.length) { chart.setScale("x", {min: xs[0], max: xs[xs.length - 1]}); }
    });
  }
  window.addEventListener("resize", function () { chart.setSize({width: width(), height: 320}); });
})();
