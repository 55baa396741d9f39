// Trend charts (Chart.js, vendored): clicking a point opens the list behind it.
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var data = JSON.parse(document.getElementById("trend-data").textContent);

  function openPoint(urls) {
    return function (event, elements) {
      if (!elements.length) { return; }
      var element = elements[0];
      var url = urls(element.datasetIndex, element.index);
      if (url) { window.location.href = url; }
    };
  }

  document.querySelectorAll("canvas.trend-chart").forEach(function (canvas) {
    var chart = data.charts[Number(canvas.dataset.chart)];
    var share = chart.kind === "share";
    new Chart(canvas, {
      type: share ? "line" : "bar",
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map(function (set) {
          return {label: set.label, data: set.data, spanGaps: true};
        })
      },
      options: {
        animation: false,
        onClick: openPoint(function (set, index) { return chart.datasets[set].urls[index]; }),
        scales: {y: share ? {min: 0, max: 100, ticks: {callback: function (v) { return v + "%"; }}}
                          : {beginAtZero: true, ticks: {precision: 0}}}
      }
    });
  });

  document.querySelectorAll("canvas.breakdown-chart").forEach(function (canvas) {
    var breakdown = data.breakdowns[Number(canvas.dataset.breakdown)];
    var datasets = [{type: "bar", label: breakdown.title, data: breakdown.values, yAxisID: "y"}];
    var scales = {y: {beginAtZero: true, ticks: {precision: 0}}};
    if (breakdown.pareto) {
      datasets.push({type: "line", label: canvas.dataset.cumulativeLabel, data: breakdown.cumulative, yAxisID: "share"});
      scales.share = {position: "right", min: 0, max: 100, ticks: {callback: function (v) { return v + "%"; }}};
    }
    new Chart(canvas, {
      data: {labels: breakdown.labels, datasets: datasets},
      options: {
        animation: false,
        onClick: openPoint(function (set, index) { return breakdown.urls[index]; }),
        scales: scales
      }
    });
  });
})();
