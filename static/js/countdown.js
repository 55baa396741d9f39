// Live SLA countdowns: every <time class="sla-countdown" datetime="..."> shows the time left
// (or overdue), refreshed every 30 s; the server's rendering stays as the fallback.
(function () {
  "use strict";
  var overdueLabel = document.documentElement.getAttribute("data-overdue-label") || "overdue";
  function format(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var text = (days ? days + "d " : "") + (days || hours ? hours + "h " : "") + (minutes % 60) + "m";
    return ms < 0 ? overdueLabel + " " + text : text;
  }
  function refresh(root) {
    var now = Date.now();
    (root || document).querySelectorAll("time.sla-countdown").forEach(function (node) {
      var due = Date.parse(node.getAttribute("datetime"));
      if (!isNaN(due)) {
        node.textContent = format(due - now);
        node.classList.toggle("text-danger", due < now);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { refresh(); });
  document.addEventListener("htmx:afterSwap", function (event) { refresh(event.target); });
  setInterval(refresh, 30000);
})();
