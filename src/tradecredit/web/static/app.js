/* Charts of the dashboard: each <canvas data-chart="ID"> draws the JSON in <script type="application/json" id="ID">.
   The data comes shaped from the server (labels, series, unit); this file only styles it. No inline scripts. */
(function () {
  "use strict";
  var COLORS = ["#1d6fd8", "#d94f3d", "#2f9e6e", "#8a5cd0", "#e0a030"];
  var AGING = ["#2f9e6e", "#9ccc65", "#f2c14e", "#f09a3e", "#e26b3a", "#c8402f", "#8e1f1a"];
  // Country grades 0 (lowest risk) … 7 (highest); the same colours as the .grade-N badges in app.css.
  var GRADES = ["#1a7f4b", "#4d9a2f", "#8fb02c", "#d2b21c", "#eea02a", "#e6762c", "#cf4a2b", "#a01f1b"];
  // Buyer grades 1 (exceptional) … 10 (in default); the same colours as the .rating-N badges in app.css.
  var RATINGS = ["#1a7f4b", "#3d8f3a", "#6aa22e", "#9bb42a", "#d2b21c", "#eea02a", "#e6762c", "#d4552a", "#b8321f",
                 "#6e1410"];
  var PALETTES = { aging: AGING, grades: GRADES, ratings: RATINGS };

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
    var palette = PALETTES[spec.palette];
    var colors = palette ? palette.slice(0, series.data.length) : (spec.stacked && index === 1 ? "#d94f3d" : color);
    return { label: series.label, data: series.data, backgroundColor: colors, borderRadius: 3, maxBarThickness: 46 };
  }

  // A country's grade over time: x is the year (linear, so gaps in the data keep their length), y the grade with
  // 0 (best) at the top, so a downgrade goes down. Series roles: "line" (the effective grade, a step line),
  // "shipped" (WGI grades, small dots) and "imported" (imported ratings, larger diamonds).
  function drawGrades(canvas, spec) {
    var styles = {
      line: { type: "line", borderColor: "#5f6b7a", backgroundColor: "#5f6b7a", borderWidth: 2, stepped: "before",
              pointRadius: 0, pointHitRadius: 0, pointStyle: "line", fill: false, order: 3 },
      shipped: { type: "scatter", backgroundColor: "#1d6fd8", borderColor: "#ffffff", borderWidth: 1, pointRadius: 4,
                 pointHoverRadius: 6, order: 2 },
      imported: { type: "scatter", backgroundColor: "#d94f3d", borderColor: "#ffffff", borderWidth: 1.5,
                  pointStyle: "rectRot", pointRadius: 8, pointHoverRadius: 10, order: 1 }
    };
    var years = new Intl.NumberFormat(document.documentElement.lang || "en", { useGrouping: false, maximumFractionDigits: 0 });
    new Chart(canvas, {
      type: "line",
      data: { datasets: spec.series.map(function (s) {
        return Object.assign({ label: s.label, data: s.data }, styles[s.role] || styles.shipped);
      }) },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { type: "linear", min: spec.min, max: spec.max, grid: { color: "#eef1f4" },
               afterBuildTicks: function (axis) { axis.ticks = spec.years.map(function (v) { return { value: v }; }); },
               ticks: { maxRotation: 0, callback: function (v) { return years.format(v); } } },
          y: { reverse: true, min: -0.3, max: 7.3, grid: { color: "#eef1f4" },
               afterBuildTicks: function (axis) { axis.ticks = [0, 1, 2, 3, 4, 5, 6, 7].map(function (v) { return { value: v }; }); },
               ticks: { callback: function (v) { return v === 0 ? "0 " + spec.best : v === 7 ? "7 " + spec.worst : v; } },
               title: { display: true, text: spec.axis, color: "#5f6b7a" } }
        },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true,
                                                  sort: function (a, b) { return a.datasetIndex - b.datasetIndex; } } },
          tooltip: { filter: function (item) { return !!item.raw.tip; },
                     callbacks: { label: function (ctx) { return ctx.raw.tip; } } }
        }
      }
    });
  }

  // A buyer's grade (left axis, 1 at the top) and 12-month PD (right axis, logarithmic, the highest at the bottom)
  // over its assessments: both lines go down when the buyer gets riskier.
  function drawRating(canvas, spec) {
    var lang = document.documentElement.lang || "en";
    var pct = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 2 });
    var decades = [0.0001, 0.001, 0.01, 0.1, 1];
    new Chart(canvas, {
      type: "line",
      data: { labels: spec.labels, datasets: [
        { label: spec.grade_label, data: spec.grade, yAxisID: "y", borderColor: "#5f6b7a", backgroundColor: "#5f6b7a",
          borderWidth: 2,
          stepped: "before", pointRadius: 6, pointHoverRadius: 8, pointBorderColor: "#ffffff",
          pointBackgroundColor: spec.grade.map(function (g) { return RATINGS[g - 1] || "#c3ccd7"; }) },
        { label: spec.pd_label, data: spec.pd, yAxisID: "pd", borderColor: "#d94f3d", backgroundColor: "#d94f3d",
          borderDash: [5, 4], borderWidth: 1.5, pointRadius: 3 }
      ] },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true } },
          y: { reverse: true, min: 0.5, max: 10.5, grid: { color: "#eef1f4" },
               afterBuildTicks: function (axis) { axis.ticks = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(function (v) { return { value: v }; }); },
               ticks: { autoSkip: false,
                        callback: function (v) { return v === 1 ? "1 " + spec.best : v === 10 ? "10 " + spec.worst : v; } },
               title: { display: true, text: spec.grade_label, color: "#5f6b7a" } },
          pd: { type: "logarithmic", position: "right", reverse: true, min: 0.0001, max: 1,
                grid: { drawOnChartArea: false },
                afterBuildTicks: function (axis) { axis.ticks = decades.map(function (v) { return { value: v }; }); },
                ticks: { callback: function (v) { return pct.format(v); } },
                title: { display: true, text: spec.pd_label, color: "#5f6b7a" } }
        },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true } },
          tooltip: { callbacks: { label: function (ctx) {
            var value = ctx.dataset.yAxisID === "pd" ? pct.format(ctx.parsed.y) : ctx.parsed.y;
            return ctx.dataset.label + ": " + value;
          } } }
        }
      }
    });
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined" || Chart.getChart(canvas)) { return; }
    var spec = JSON.parse(source.textContent);
    if (spec.kind === "grades") { drawGrades(canvas, spec); return; }
    if (spec.kind === "rating") { drawRating(canvas, spec); return; }
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
  // Content htmx swaps in (the buyer's assessment after "Assess now") brings its own charts.
  document.addEventListener("htmx:load", function (event) {
    var root = event.target;
    if (root && root.querySelectorAll) { root.querySelectorAll("canvas[data-chart]").forEach(draw); }
  });
})();
