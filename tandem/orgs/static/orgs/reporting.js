// A programme report's charts (Chart.js from npm, loaded before this file). Each
// <canvas data-report-chart="<json_script id>"> is drawn from that script's data:
// {type, labels, datasets: [{label, values}], y_label, y_max, integer, hidden}. A suppressed
// figure is null; the indexes in `hidden` (suppressed months) are drawn as shaded columns
// marked "hidden", so a gap is never read as "none" (the page says why in words too). The
// same figures are in the table beside each chart.
(function () {
  "use strict";

  var COLOURS = ["#2f5bd3", "#1b7f5a", "#b4561b"];

  // Shades each hidden column and writes "hidden" in it (Chart.js plugin, per chart).
  function hiddenColumns(indexes) {
    return {
      id: "hiddenColumns",
      beforeDatasetsDraw: function (chart) {
        if (!indexes || !indexes.length) return;
        var x = chart.scales.x;
        var area = chart.chartArea;
        var count = chart.data.labels.length;
        var step = count > 1 ? Math.abs(x.getPixelForValue(1) - x.getPixelForValue(0)) : area.right - area.left;
        var ctx = chart.ctx;
        indexes.forEach(function (i) {
          var centre = x.getPixelForValue(i);
          var left = Math.max(area.left, centre - step / 2);
          var right = Math.min(area.right, centre + step / 2);
          ctx.save();
          ctx.fillStyle = "rgba(108, 117, 125, 0.18)";
          ctx.fillRect(left, area.top, right - left, area.bottom - area.top);
          ctx.fillStyle = "#495057";
          ctx.font = "italic 12px system-ui, sans-serif";
          ctx.textAlign = "center";
          ctx.translate(centre, (area.top + area.bottom) / 2);
          ctx.rotate(-Math.PI / 2);
          ctx.fillText("hidden", 0, 4);
          ctx.restore();
        });
        chart.canvas.dataset.hiddenColumns = String(indexes.length);
      },
    };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.reportChart);
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var existing = window.Chart.getChart(canvas);
    if (existing) existing.destroy();
    var y = { beginAtZero: true, title: { display: !!data.y_label, text: data.y_label } };
    if (data.y_max) y.max = data.y_max;
    if ((data.type === "bar" || data.integer) && !data.y_max) y.ticks = { precision: 0 };
    new window.Chart(canvas, {
      type: data.type,
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set, i) {
          var colour = COLOURS[i % COLOURS.length];
          return {
            label: set.label,
            data: set.values,
            borderColor: colour,
            backgroundColor: colour,
            spanGaps: false,
            pointRadius: 3,
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        // hidden months' columns drawn whole (not cut in half at the chart's edges)
        scales: { x: { offset: !!(data.hidden && data.hidden.length) }, y: y },
        plugins: { legend: { display: data.datasets.length > 1 } },
      },
      plugins: [hiddenColumns(data.hidden)],
    });
    canvas.dataset.ready = "true";
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-report-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
