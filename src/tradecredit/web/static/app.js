/* Charts of the dashboard: each <canvas data-chart="ID"> draws the JSON in <script type="application/json" id="ID">.
   The data comes shaped from the server (labels, series, unit); this file only styles it. No inline scripts. */
(function () {
  "use strict";
  var COLORS = ["#1d6fd8", "#d94f3d", "#2f9e6e", "#8a5cd0", "#e0a030"];
  var AGING = ["#2f9e6e", "#9ccc65", "#f2c14e", "#f09a3e", "#e26b3a", "#c8402f", "#8e1f1a"];

  function formatter(spec) {
    var lang = document.documentElement.lang || "en";
    if (spec.unit === "money") {
      var money = new Intl.NumberFormat(lang, { style: "currency", currency: spec.currency, notation: "compact",
                                                maximumFractionDigits: 1 });
      var exact = new Intl.NumberFormat(lang, { style: "currency", currency: spec.currency });
      return { tick: function (v) { return money.format(v); }, tip: function (v) { return exact.format(v); } };
    }
    var days = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
    return { tick: function (v) { return days.format(v); }, tip: function (v) { return days.format(v); } };
  }

  function dataset(spec, series, index) {
    var color = COLORS[index % COLORS.length];
    if (spec.kind === "line") {
      return { label: series.label, data: series.data, borderColor: color, backgroundColor: color + "22",
               fill: true, tension: 0.3, pointRadius: 3, spanGaps: true };
    }
    var colors = spec.palette === "aging" ? AGING.slice(0, series.data.length) : (spec.stacked && index === 1 ? "#d94f3d" : color);
    return { label: series.label, data: series.data, backgroundColor: colors, borderRadius: 3, maxBarThickness: 46 };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var fmt = formatter(spec);
    var valueAxis = spec.horizontal ? "x" : "y";
    var scales = {};
    scales[valueAxis] = { beginAtZero: true, stacked: !!spec.stacked, ticks: { callback: fmt.tick }, grid: { color: "#eef1f4" } };
    scales[valueAxis === "x" ? "y" : "x"] = {
      stacked: !!spec.stacked, grid: { display: false },
      ticks: spec.horizontal ? {} : { maxRotation: 0, autoSkip: spec.kind === "line" },
      title: { display: !!spec.axis, text: spec.axis || "", color: "#5f6b7a" }
    };
    new Chart(canvas, {
      type: spec.kind,
      data: { labels: spec.labels, datasets: spec.series.map(function (s, i) { return dataset(spec, s, i); }) },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: {
          legend: { display: spec.series.length > 1, position: "bottom" },
          tooltip: { callbacks: { label: function (ctx) {
            var value = spec.horizontal ? ctx.parsed.x : ctx.parsed.y;
            return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + fmt.tip(value);
          } } }
        }
      }
    });
  }

  function init() { document.querySelectorAll("canvas[data-chart]").forEach(draw); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
