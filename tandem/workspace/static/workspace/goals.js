// Goal progress charts (Chart.js from npm, loaded before this file). Each
// <canvas data-goal-chart="<json_script id>"> is drawn from that script's data; the same
// figures are in the table beside it. Live regions replace charts with htmx: they are drawn
// again after each swap (the old chart is destroyed first).
(function () {
  "use strict";

  if (window.tandemGoalCharts) return; // the section and a page may both load this file
  window.tandemGoalCharts = true;

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.goalChart);
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var existing = window.Chart.getChart(canvas);
    if (existing) existing.destroy();
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: data.label,
            data: data.values,
            borderColor: "#2f5bd3",
            backgroundColor: "#2f5bd3",
            stepped: "after",
            pointRadius: 3,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { min: 0, max: 100, ticks: { stepSize: 25 } } },
        plugins: { legend: { display: false } },
      },
    });
    canvas.dataset.ready = "true";
  }

  function drawIn(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("canvas[data-goal-chart]").forEach(draw);
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    drawIn(event.target);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      drawIn(document);
    });
  } else {
    drawIn(document);
  }
})();
