/* The dashboard's charts, drawn from the tables the server rendered (the numbers read without
 * JavaScript; the charts only add a picture of them). Each canvas[data-chart] names its table. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;

  var COLOURS = {
    red: "#b71c1c",
    orange: "#e67e00",
    yellow: "#f2c200",
    green: "#1b7a3a",
    grey: "#5f6368",
  };
  var OPEN = "#e67e00";
  var DONE = "#1b7a3a";
  var OTHER = "#8a9099";

  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif';
  Chart.defaults.font.size = 13;
  Chart.defaults.color = "#1a1a1a";

  function rows(table) {
    return Array.prototype.filter.call(table.tBodies[0].rows, function (tr) {
      return tr.querySelector("[data-col]");
    });
  }

  function value(tr, col) {
    var cell = tr.querySelector('[data-col="' + col + '"]');
    return cell ? Number(cell.getAttribute("data-value")) || 0 : 0;
  }

  function label(tr) {
    var th = tr.querySelector("th");
    return th ? th.textContent.trim() : "";
  }

  function truncate(s, n) {
    return s.length > n ? s.slice(0, n - 1) + "…" : s;
  }

  var narrow = window.matchMedia && window.matchMedia("(max-width: 36rem)").matches;

  function bar(canvas, table) {
    var trs = rows(table);
    if (!trs.length) return null;
    var byStatus = table.getAttribute("data-group-by") === "status";
    var labels = trs.map(function (tr) {
      // "Kota Administrasi Jakarta Selatan" reads as "Jakarta Selatan" next to a bar.
      return truncate(label(tr).replace(/^(Kota|Kabupaten) Administrasi /, ""), narrow ? 18 : 30);
    });
    // Tall enough for a readable bar per row, phone or desktop.
    canvas.parentNode.style.height = Math.max(160, 44 + trs.length * 28) + "px";
    var datasets;
    if (byStatus) {
      datasets = [
        {
          label: "Jumlah",
          data: trs.map(function (tr) {
            return value(tr, "total");
          }),
          backgroundColor: trs.map(function (tr) {
            return COLOURS[tr.getAttribute("data-colour")] || OTHER;
          }),
        },
      ];
    } else {
      datasets = [
        { label: "Belum selesai", data: trs.map(function (tr) { return value(tr, "open"); }), backgroundColor: OPEN },
        { label: "Selesai", data: trs.map(function (tr) { return value(tr, "done"); }), backgroundColor: DONE },
        {
          label: "Ditutup lainnya",
          data: trs.map(function (tr) {
            return Math.max(0, value(tr, "total") - value(tr, "open") - value(tr, "done"));
          }),
          backgroundColor: OTHER,
        },
      ];
    }
    return new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
          y: { stacked: true, ticks: { autoSkip: false } },
        },
        plugins: { legend: { display: !byStatus, position: "bottom" } },
      },
    });
  }

  function line(canvas, table) {
    var trs = rows(table);
    if (!trs.length) return null;
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: trs.map(label),
        datasets: [
          { label: "Masuk", data: trs.map(function (tr) { return value(tr, "created"); }), borderColor: "#0a58a8", backgroundColor: "#0a58a8", tension: 0.2 },
          { label: "Selesai", data: trs.map(function (tr) { return value(tr, "done"); }), borderColor: DONE, backgroundColor: DONE, tension: 0.2 },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxRotation: 0, autoSkip: true } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  var drawn = 0;
  Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), function (canvas) {
    var table = document.getElementById(canvas.getAttribute("data-table"));
    if (!table) return;
    var chart = canvas.getAttribute("data-chart") === "line" ? line(canvas, table) : bar(canvas, table);
    if (chart) {
      drawn += 1;
      canvas.setAttribute("data-drawn", "1");
    } else {
      canvas.parentNode.hidden = true; // nothing to draw: the table says so
    }
  });
  document.body.setAttribute("data-charts", String(drawn));
})();
