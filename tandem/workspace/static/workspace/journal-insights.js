// Journal insights charts (Chart.js from npm). The figures come from the page's json_script
// tag #journal-insights-data; the same figures are in the tables under each chart.
(function () {
  "use strict";

  function make(id, type, series, label, extra) {
    var canvas = document.getElementById(id);
    if (!canvas || !series) return;
    canvas.dataset.ready = "true";
    new window.Chart(canvas, {
      type: type,
      data: {
        labels: series.labels,
        datasets: [
          {
            label: label,
            data: series.values,
            backgroundColor: "#2f5bd3",
            borderColor: "#2f5bd3",
            tension: 0.2,
          },
        ],
      },
      options: Object.assign(
        {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: false } },
        },
        extra || {},
      ),
    });
  }

  function draw() {
    var source = document.getElementById("journal-insights-data");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    make("journal-mood-chart", "line", data.mood, "Average mood", {
      scales: { y: { min: 1, max: 5, ticks: { stepSize: 1 } } },
    });
    make("journal-tags-chart", "bar", data.tags, "Entries", {
      indexAxis: "y",
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
    });
    make("journal-weeks-chart", "bar", data.weeks, "Entries", {
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
