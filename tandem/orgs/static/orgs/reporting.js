// A programme report's charts (Chart.js from npm, loaded before this file). Each
// <canvas data-report-chart="<json_script id>"> is drawn from that script's data:
// {type, labels, datasets: [{label, values}], y_label, y_max}. A suppressed figure is null
// (a gap in the line); the same figures are in the table beside each chart.
(function () {
  "use strict";

  var COLOURS = ["#2f5bd3", "#1b7f5a", "#b4561b"];

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.reportChart);
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var existing = window.Chart.getChart(canvas);
    if (existing) existing.destroy();
    var y = { beginAtZero: true, title: { display: !!data.y_label, text: data.y_label } };
    if (data.y_max) y.max = data.y_max;
    if (data.type === "bar" && !data.y_max) y.ticks = { precision: 0 };
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
        scales: { y: y },
        plugins: { legend: { display: data.datasets.length > 1 } },
      },
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
