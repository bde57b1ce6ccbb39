// Goal progress charts (Chart.js from npm, loaded before this file). Each
// <canvas data-goal-chart="<json_script id>"> is drawn from that script's data; the same
// figures are in the table beside it. Live regions replace charts with htmx: they are drawn
// again after each swap (the old chart is destroyed first).
(function () {
  "use strict";

  if (window.tandemGoalCharts) return; // the section and a page may both load this file
  window.tandemGoalCharts = true;

  var DAY_MS = 86400000;

  // "2026-11-09" as whole days since 1970 (UTC midnight: no zone shifts the day).
  function dayNumber(iso) {
    return Math.round(Date.parse(iso + "T00:00:00Z") / DAY_MS);
  }

  function isoDay(number) {
    return new Date(number * DAY_MS).toISOString().slice(0, 10);
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.goalChart);
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var existing = window.Chart.getChart(canvas);
    if (existing) existing.destroy();
    // The x axis is time: check-ins a day apart sit close, a month apart far (a category
    // axis spaced every date evenly). Ticks are the check-in days themselves.
    var days = data.labels.map(dayNumber);
    var points = days.map(function (day, i) {
      return { x: day, y: data.values[i] };
    });
    new window.Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          {
            label: data.label,
            data: points,
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
        scales: {
          x: {
            type: "linear",
            min: days.length === 1 ? days[0] - 1 : undefined,
            max: days.length === 1 ? days[0] + 1 : undefined,
            afterBuildTicks: function (axis) {
              axis.ticks = days.map(function (day) {
                return { value: day };
              });
            },
            ticks: {
              autoSkip: true,
              callback: function (value) {
                return isoDay(value);
              },
            },
          },
          y: { min: 0, max: 100, ticks: { stepSize: 25 } },
        },
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
