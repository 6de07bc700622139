/* motcua – the manager's history (/manage/{office}/history?period=day|week|month|range&day=&from=&to=).
 * Reads GET /api/offices/{office}/stats?from=&to= for the chosen local days and draws it: key figures, arrivals and
 * waits per hour, satisfaction shares, counter utilisation (and arrivals per day over several days), then the
 * figures per service, counter and clerk. The choice is kept in the address, so a reload or a shared link shows
 * the same period. */
(function () {
  "use strict";
  var V = window.motcuaView, C = window.motcuaCharts, T = V.t, el = V.el;
  var cfg = V.config();
  var state = { period: "day", day: cfg.today, from: cfg.today, to: cfg.today, stats: null };
  window.motcuaHistory = state;

  // ------------------------------------------------------------ dates (local days as YYYY-MM-DD, computed in UTC)

  function parse(d) { var p = d.split("-").map(Number); return new Date(Date.UTC(p[0], p[1] - 1, p[2])); }
  function iso(date) { return date.toISOString().slice(0, 10); }
  function add(d, days) { var x = parse(d); x.setUTCDate(x.getUTCDate() + days); return iso(x); }
  function vn(d) { var p = d.split("-"); return p[2] + "/" + p[1] + "/" + p[0]; }

  /** [from, to] of the period that holds `day`. */
  function bounds(period, day) {
    var d = parse(day);
    if (period === "week") {
      var monday = add(day, -((d.getUTCDay() + 6) % 7));
      return [monday, add(monday, 6)];
    }
    if (period === "month") {
      var first = iso(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)));
      return [first, iso(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)))];
    }
    return [day, day];
  }

  function shift(step) {
    if (state.period === "range") {
      var len = Math.round((parse(state.to) - parse(state.from)) / 86400000) + 1;
      state.from = add(state.from, step * len);
      state.to = add(state.to, step * len);
    } else if (state.period === "month") {
      var d = parse(state.day);
      state.day = iso(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + step, 1)));
    } else {
      state.day = add(state.day, step * (state.period === "week" ? 7 : 1));
    }
    load();
  }

  function title() {
    if (state.period === "day") return T("Ngày ", "Day ") + vn(state.from);
    if (state.period === "week") return T("Tuần ", "Week ") + vn(state.from) + " – " + vn(state.to);
    if (state.period === "month") {
      var p = state.from.split("-");
      return T("Tháng " + Number(p[1]) + "/" + p[0], "Month " + p[1] + "/" + p[0]);
    }
    return vn(state.from) + " – " + vn(state.to);
  }

  // ------------------------------------------------------------ reading

  function readAddress() {
    var q = new URLSearchParams(location.search);
    var r = cfg.range || {};
    state.period = ["day", "week", "month", "range"].indexOf(q.get("period") || r.period) >= 0 ? (q.get("period") || r.period) : "day";
    state.day = q.get("day") || r.day || cfg.today;
    state.from = q.get("from") || r.from || state.day;
    state.to = q.get("to") || r.to || state.from;
    if ((q.get("from") || r.from) && !(q.get("period") || r.period)) state.period = state.from === state.to ? "day" : "range";
    if (state.period === "day" && (q.get("from") || r.from)) state.day = state.from;
  }

  function writeAddress() {
    var q = new URLSearchParams();
    q.set("period", state.period);
    if (state.period === "range") { q.set("from", state.from); q.set("to", state.to); } else q.set("day", state.day);
    history.replaceState(null, "", location.pathname + "?" + q.toString());
  }

  function controls() {
    document.querySelectorAll("[data-period]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.period === state.period));
    });
    var range = state.period === "range";
    document.getElementById("range-inputs").hidden = !range;
    document.getElementById("day").hidden = range;
    document.getElementById("day-label").hidden = range;
    document.getElementById("day").value = state.day;
    document.getElementById("from").value = state.from;
    document.getElementById("to").value = state.to;
    document.getElementById("range-title").textContent = title();
  }

  function load() {
    if (state.period !== "range") {
      var b = bounds(state.period, state.day);
      state.from = b[0];
      state.to = b[1];
    }
    controls();
    writeAddress();
    links();
    var error = document.getElementById("error");
    var url = cfg.urls.stats + "?from=" + state.from + "&to=" + state.to;
    return V.getJSON(url).then(function (stats) {
      state.stats = stats;
      error.hidden = true;
      render();
    }).catch(function (err) {
      error.hidden = false;
      error.textContent = T("Không tải được số liệu: ", "Could not load the figures: ") + (err && err.message);
    });
  }

  function links() {
    var q = "&from=" + state.from + "&to=" + state.to;
    var x = cfg.urls.exports;
    ["tickets_xlsx", "tickets_csv", "figures_xlsx", "figures_csv"].forEach(function (k) {
      document.getElementById("x-" + k.replace("_", "-")).href = x[k] + q;
    });
    document.getElementById("x-report").href = cfg.urls.report + "?day=" + state.from;
    document.getElementById("nav-report").href = cfg.urls.report + "?day=" + state.from;
  }

  // ------------------------------------------------------------ drawing

  function kpi(box, id, value, vi, en, cls) {
    var card = el("div", "kpi " + (cls || ""));
    card.id = "kpi-" + id;
    card.appendChild(el("div", "kpi-value", value));
    card.appendChild(el("div", "kpi-label", T(vi, en)));
    box.appendChild(card);
  }

  function kpis(s) {
    var box = V.clear(document.getElementById("kpis"));
    kpi(box, "issued", V.num(s.issued), "Đã cấp số", "Issued");
    kpi(box, "served", V.num(s.served), "Đã phục vụ", "Served", "good");
    kpi(box, "no_show", V.num(s.no_show), "Vắng mặt", "No-show", "warn");
    kpi(box, "transferred", V.num(s.transferred), "Chuyển quầy/dịch vụ", "Transferred");
    kpi(box, "cancelled", V.num(s.cancelled), "Huỷ", "Cancelled", "warn");
    kpi(box, "wait", V.duration(s.wait_s.avg), "Chờ TB · P90 " + V.duration(s.wait_s.p90), "Avg wait · P90 " + V.duration(s.wait_s.p90),
      s.wait_s.p90 >= s.wait_alert_s ? "bad" : "");
    kpi(box, "service", V.duration(s.service_s.avg), "Phục vụ TB · P90 " + V.duration(s.service_s.p90),
      "Avg service · P90 " + V.duration(s.service_s.p90));
    kpi(box, "over", V.num(s.wait_s.over_alert), "Chờ quá " + V.minutes(s.wait_alert_s), "Waited over " + V.minutes(s.wait_alert_s),
      s.wait_s.over_alert ? "bad" : "good");
  }

  function charts(s) {
    var hs = V.hourRange(s.by_hour, cfg.hours), by = s.by_hour;
    var get = function (h) { return by[String(h)]; };
    var labels = hs.map(function (h) { return (h < 10 ? "0" : "") + h + "h"; });
    var none = T("Không có số liệu", "No figures");
    C.bars(document.getElementById("chart-arrivals"), {
      labels: labels, showValues: true, empty: none, format: function (v) { return V.num(v); },
      series: [{ name: T("cấp số", "issued"), values: hs.map(function (h) { return get(h) ? get(h).issued : 0; }) },
               { name: T("đã phục vụ", "served"), cls: "alt", values: hs.map(function (h) { return get(h) ? get(h).served : 0; }) }]
    });
    var minutesOf = function (v) { return v === null || v === undefined ? null : v / 60; };
    C.bars(document.getElementById("chart-waits"), {
      labels: labels, empty: none, limit: s.wait_alert_s / 60, format: function (v) { return String(Math.round(v)); },
      series: [{ name: T("trung bình (phút)", "average (min)"), values: hs.map(function (h) { return get(h) ? minutesOf(get(h).wait_s.avg) : null; }) }],
      line: { name: "P90", values: hs.map(function (h) { return get(h) ? minutesOf(get(h).wait_s.p90) : null; }) }
    });
    satisfaction(s);
    var counters = Object.keys(s.by_counter).sort();
    C.hbars(document.getElementById("chart-utilisation"), {
      empty: none, max: 1,
      rows: counters.map(function (id) {
        var c = s.by_counter[id];
        return { label: c.name || id, value: c.utilisation, text: V.pct(c.utilisation, 0) + " · " + V.num(c.served) };
      })
    });
    var days = Object.keys(s.by_day);
    document.getElementById("days-card").hidden = state.from === state.to;
    if (state.from !== state.to) {
      C.bars(document.getElementById("chart-days"), {
        labels: days.map(function (d) { return d.slice(8) + "/" + d.slice(5, 7); }), empty: none, height: 180,
        format: function (v) { return V.num(v); }, showValues: days.length <= 31,
        series: [{ name: T("cấp số", "issued"), values: days.map(function (d) { return s.by_day[d].issued; }) }]
      });
    }
  }

  function satisfaction(s) {
    var scale = s.rating_scale, sat = s.satisfaction, levels = cfg.levels || [];
    var share = document.getElementById("sat-share");
    share.textContent = V.pct(sat.satisfied_share);
    share.classList.toggle("low", sat.satisfied_share !== null && sat.satisfied_share < 0.7);
    document.getElementById("sat-note").textContent = sat.votes ?
      T("hài lòng trên " + V.num(sat.votes) + " phiếu · điểm TB " + sat.mean.toFixed(1).replace(".", ",") + "/" + scale,
        "satisfied of " + sat.votes + " votes · mean " + sat.mean.toFixed(1) + "/" + scale) : T("Không có phiếu đánh giá", "No votes");
    C.stack(document.getElementById("chart-satisfaction"), {
      empty: T("Không có phiếu", "No votes"),
      parts: levels.map(function (l) { return { value: s.ratings[String(l.level)] || 0, cls: V.levelClass(l.level, scale), label: T(l.name, l.name_en) }; })
    });
    var list = V.clear(document.getElementById("sat-levels"));
    levels.forEach(function (l) {
      var n = s.ratings[String(l.level)] || 0, li = el("li");
      li.appendChild(el("span", "sw " + V.levelClass(l.level, scale)));
      li.appendChild(el("span", "", T(l.name, l.name_en)));
      li.appendChild(el("span", "n", V.num(n)));
      li.appendChild(el("span", "pc", sat.votes ? V.pct(n / sat.votes, 0) : ""));
      list.appendChild(li);
    });
    var reasons = s.reasons || {}, names = cfg.reasons || {};
    Object.keys(reasons).sort(function (a, b) { return reasons[b] - reasons[a]; }).forEach(function (code) {
      var li = el("li");
      li.appendChild(el("span", ""));
      li.appendChild(el("span", "muted", "– " + T((names[code] || [code])[0], (names[code] || [code, code])[1])));
      li.appendChild(el("span", "n", V.num(reasons[code])));
      li.appendChild(el("span", "pc", ""));
      list.appendChild(li);
    });
  }

  var COLUMNS = [["Cấp số", "Issued"], ["Đã phục vụ", "Served"], ["Vắng mặt", "No-show"], ["Chờ TB", "Avg wait"],
    ["Chờ P90", "P90 wait"], ["Phục vụ TB", "Avg service"], ["Phiếu", "Votes"], ["Hài lòng", "Satisfied"]];

  function table(id, first, group, name, extra) {
    var t = V.clear(document.getElementById(id));
    var head = el("tr");
    [first].concat(COLUMNS, extra ? [extra.head] : []).forEach(function (h) { head.appendChild(el("th", "", T(h[0], h[1]))); });
    t.appendChild(el("thead")).appendChild(head);
    var body = t.appendChild(el("tbody"));
    var keys = Object.keys(group).sort();
    if (!keys.length) {
      var td = el("td", "none", T("Không có số liệu", "No figures"));
      td.colSpan = COLUMNS.length + 2;
      body.appendChild(el("tr")).appendChild(td);
    }
    keys.forEach(function (k) {
      var f = group[k], tr = el("tr");
      [name(k, f), V.num(f.issued), V.num(f.served), V.num(f.no_show), V.duration(f.wait_s.avg), V.duration(f.wait_s.p90),
        V.duration(f.service_s.avg), V.num(f.satisfaction.votes),
        f.satisfaction.votes ? V.pct(f.satisfaction.satisfied_share, 0) : "—"].concat(extra ? [extra.cell(f)] : [])
        .forEach(function (v) { tr.appendChild(el("td", "", v)); });
      body.appendChild(tr);
    });
  }

  function render() {
    var s = state.stats;
    if (!s) return;
    document.getElementById("range-title").textContent = title();
    kpis(s);
    charts(s);
    var services = {};
    (cfg.services || []).forEach(function (x) { services[x.code] = x; });
    table("t-service", ["Dịch vụ", "Service"], s.by_service, function (k, f) {
      var x = services[k];
      return x ? T(x.name, x.name_en || x.name) : (f.name || k);
    });
    table("t-counter", ["Quầy", "Counter"], s.by_counter, function (k, f) { return f.name || k; },
      { head: ["Hiệu suất", "Utilisation"], cell: function (f) { return V.pct(f.utilisation, 0); } });
    table("t-clerk", ["Cán bộ", "Clerk"], s.by_clerk, function (k) { return k; });
    var status = document.getElementById("status");
    status.textContent = T("Cập nhật lúc ", "Loaded at ") + new Date().toLocaleTimeString("vi-VN", { timeZone: cfg.timezone || "Asia/Ho_Chi_Minh" });
  }

  function start() {
    V.chrome(cfg);
    readAddress();
    document.querySelectorAll("[data-period]").forEach(function (b) {
      b.addEventListener("click", function () {
        state.period = b.dataset.period;
        if (state.period === "range") { state.from = state.from || state.day; state.to = state.to || state.day; }
        load();
      });
    });
    document.getElementById("prev").addEventListener("click", function () { shift(-1); });
    document.getElementById("next").addEventListener("click", function () { shift(1); });
    document.getElementById("show").addEventListener("click", function () {
      if (state.period === "range") {
        state.from = document.getElementById("from").value || state.from;
        state.to = document.getElementById("to").value || state.to;
      } else {
        state.day = document.getElementById("day").value || state.day;
      }
      load();
    });
    document.getElementById("day").addEventListener("change", function (e) { if (e.target.value) { state.day = e.target.value; load(); } });
    if (window.motcuaLang) window.motcuaLang.onChange(function () { controls(); render(); });
    load();
  }

  window.motcuaHistory.bounds = bounds;
  document.addEventListener("DOMContentLoaded", start);
})();
