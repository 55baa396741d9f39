// Bookings per hour of day (bars) and agents needed (steps) on the callback report.
(function () {
  "use strict";
  var canvas = document.getElementById("bookings-chart");
  if (!canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  new Chart(canvas, {
    data: {
      labels: data.labels,
      datasets: [
        {type: "bar", label: canvas.dataset.bookingsLabel, data: data.bookings, yAxisID: "y"},
        {type: "line", label: canvas.dataset.agentsLabel, data: data.agents, yAxisID: "agents", stepped: true}
      ]
    },
    options: {
      animation: false,
      scales: {y: {beginAtZero: true}, agents: {position: "right", beginAtZero: true, ticks: {precision: 0}}}
    }
  });
})();
