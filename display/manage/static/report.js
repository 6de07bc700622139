/* motcua – the printable daily report: the print button, the links back, and the hourly chart drawn from the
 * figures the page carries (its tables are filled by the server, so the report prints complete without this). */
(function () {
  "use strict";
  var V = window.motcuaView, C = window.motcuaCharts, T = V.t;
  var cfg = V.config();

  function chart() {
    var node = document.getElementById("report-hours"), s = cfg.stats;
    if (!node || !s) return;
    var hours = V.hourRange(s.by_hour, cfg.hours);
    var at = function (h, k) { var f = s.by_hour[String(h)]; return f ? f[k] : 0; };
    C.bars(node, {
      labels: hours.map(function (h) { return (h < 10 ? "0" : "") + h + "h"; }), height: 170, showValues: true,
      empty: T("Không có số liệu", "No figures"), format: function (v) { return V.num(v); },
      series: [{ name: T("cấp số", "issued"), values: hours.map(function (h) { return at(h, "issued"); }) },
               { name: T("đã phục vụ", "served"), cls: "alt", values: hours.map(function (h) { return at(h, "served"); }) }]
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var urls = cfg.urls || {};
    document.getElementById("nav-live").href = urls.live;
    document.getElementById("nav-history").href = urls.history + "?period=day&day=" + cfg.day;
    document.getElementById("print").addEventListener("click", function () { window.print(); });
    chart();
  });
})();
