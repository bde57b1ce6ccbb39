// The earnings chart (Chart.js from npm). Data comes from the page's json_script tag
// #earnings-data; the same figures are in the table under the chart.
(function () {
  "use strict";

  var COLOURS = [
    ["#2f5bd3", "#9db1ea"],
    ["#1b7f5a", "#93d1b9"],
    ["#a6452c", "#e3ad9f"],
    ["#6b4bb3", "#c2b3e4"],
  ];

  function draw() {
    var source = document.getElementById("earnings-data");
    var canvas = document.getElementById("earnings-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var datasets = [];
    data.series.forEach(function (series, index) {
      var colours = COLOURS[index % COLOURS.length];
      datasets.push({
        label: "Net (" + series.currency + ")",
        data: series.net.map(Number),
        backgroundColor: colours[0],
        stack: series.currency,
      });
      datasets.push({
        label: "Fees (" + series.currency + ")",
        data: series.fees.map(Number),
        backgroundColor: colours[1],
        stack: series.currency,
      });
    });
    canvas.dataset.ready = "true";
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
