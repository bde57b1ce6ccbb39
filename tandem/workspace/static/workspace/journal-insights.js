// Journal insights charts (Chart.js from npm). The figures come from the page's json_script
// tag #journal-insights-data; the same figures are in the tables under each chart.
(function () {
  "use strict";

  var DAY_MS = 86400000;

  // The mood line is over days with entries, which need not be consecutive: its x axis is
  // time (whole days since 1970, UTC midnight), so a gap of a week looks like one.
  function byDay(series) {
    return series.labels.map(function (iso, i) {
      return { x: Math.round(Date.parse(iso + "T00:00:00Z") / DAY_MS), y: series.values[i] };
    });
  }

  var DAY_AXIS = {
    type: "linear",
    ticks: {
      precision: 0,
      callback: function (value) {
        return new Date(value * DAY_MS).toISOString().slice(0, 10);
      },
    },
  };

  function make(id, type, series, label, extra, points) {
    var canvas = document.getElementById(id);
    if (!canvas || !series) return;
    canvas.dataset.ready = "true";
    new window.Chart(canvas, {
      type: type,
      data: {
        labels: points ? undefined : series.labels,
        datasets: [
          {
            label: label,
            data: points || series.values,
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
    make(
      "journal-mood-chart",
      "line",
      data.mood,
      "Average mood",
      { scales: { x: DAY_AXIS, y: { min: 1, max: 5, ticks: { stepSize: 1 } } } },
      data.mood ? byDay(data.mood) : null,
    );
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
