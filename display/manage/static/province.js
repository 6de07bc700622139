/* motcua – a province's offices side by side (/manage/province/{province}): GET /api/provinces/{p}/stats?from=&to=
 * ranked by average wait (shortest first) and by the share of satisfied votes (highest first), as the API ranks them;
 * each office links to its own live view. */
(function () {
  "use strict";
  var V = window.motcuaView, C = window.motcuaCharts, T = V.t, el = V.el;
  var cfg = V.config();
  var state = { period: "day", from: cfg.today, to: cfg.today, stats: null };
  window.motcuaProvince = state;

  function add(d, days) {
    var p = d.split("-").map(Number), x = new Date(Date.UTC(p[0], p[1] - 1, p[2] + days));
    return x.toISOString().slice(0, 10);
  }
  function vn(d) { var p = d.split("-"); return p[2] + "/" + p[1] + "/" + p[0]; }
  function officeUrl(id) { return cfg.urls.office.replace(/OFFICE$/, encodeURIComponent(id)); }

  function load() {
    document.querySelectorAll("[data-period]").forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.period === state.period)); });
    document.getElementById("from").value = state.from;
    document.getElementById("to").value = state.to;
    document.getElementById("range-title").textContent = state.from === state.to ? vn(state.from) : vn(state.from) + " – " + vn(state.to);
    var error = document.getElementById("error");
    return V.getJSON(cfg.urls.stats + "?from=" + state.from + "&to=" + state.to).then(function (stats) {
      state.stats = stats;
      error.hidden = true;
      render();
    }).catch(function (err) {
      error.hidden = false;
      error.textContent = T("Không tải được số liệu: ", "Could not load the figures: ") + (err && err.message);
    });
  }

  function kpis(offices) {
    var box = V.clear(document.getElementById("kpis"));
    var sum = function (k) { return offices.reduce(function (a, o) { return a + (o[k] || 0); }, 0); };
    var votes = offices.reduce(function (a, o) { return a + o.satisfaction.votes; }, 0);
    var satisfied = offices.reduce(function (a, o) { return a + (o.satisfaction.votes ? o.satisfaction.satisfied_share * o.satisfaction.votes : 0); }, 0);
    [["offices", V.num(offices.length), "Văn phòng", "Offices"], ["issued", V.num(sum("issued")), "Đã cấp số", "Issued"],
     ["served", V.num(sum("served")), "Đã phục vụ", "Served"], ["no_show", V.num(sum("no_show")), "Vắng mặt", "No-show"],
     ["votes", V.num(votes), "Phiếu đánh giá", "Votes"], ["satisfied", votes ? V.pct(satisfied / votes) : "—", "Hài lòng (cả tỉnh)", "Satisfied (province)"]]
      .forEach(function (k) {
        var card = el("div", "kpi");
        card.id = "kpi-" + k[0];
        card.appendChild(el("div", "kpi-value", k[1]));
        card.appendChild(el("div", "kpi-label", T(k[2], k[3])));
        box.appendChild(card);
      });
  }

  function ranked(offices, key) {
    return offices.filter(function (o) { return o[key] !== null; }).sort(function (a, b) { return a[key] - b[key]; });
  }

  function render() {
    var s = state.stats;
    if (!s) return;
    document.getElementById("title").textContent = s.name || cfg.province;
    var offices = s.offices || [];
    kpis(offices);
    var byWait = ranked(offices, "rank_wait"), bySat = ranked(offices, "rank_satisfaction");
    C.hbars(document.getElementById("chart-wait"), {
      empty: T("Chưa có số liệu", "No figures yet"),
      rows: byWait.map(function (o) { return { label: o.rank_wait + ". " + o.name, value: (o.wait_s.avg || 0) / 60,
        text: V.duration(o.wait_s.avg) + " · P90≈" + V.duration(o.wait_s.p90_estimate) }; })
    });
    C.hbars(document.getElementById("chart-satisfaction"), {
      max: 1, empty: T("Chưa có phiếu đánh giá", "No votes yet"),
      rows: bySat.map(function (o) { return { label: o.rank_satisfaction + ". " + o.name, value: o.satisfaction.satisfied_share,
        text: V.pct(o.satisfaction.satisfied_share, 0) + " (" + o.satisfaction.votes + ")" }; })
    });
    var t = V.clear(document.getElementById("offices"));
    var head = el("tr");
    [["Văn phòng", "Office"], ["Hạng chờ", "Wait rank"], ["Hạng hài lòng", "Satisfaction rank"], ["Cấp số", "Issued"],
     ["Đã phục vụ", "Served"], ["Vắng mặt", "No-show"], ["Chờ TB", "Avg wait"], ["Chờ P90 (ước tính)", "P90 wait (est.)"],
     ["Quá ngưỡng", "Over threshold"], ["Phục vụ TB", "Avg service"], ["Phiếu", "Votes"], ["Hài lòng", "Satisfied"]]
      .forEach(function (h) { head.appendChild(el("th", "", T(h[0], h[1]))); });
    t.appendChild(el("thead")).appendChild(head);
    var body = t.appendChild(el("tbody"));
    offices.forEach(function (o) {
      var tr = el("tr"), first = el("td"), a = el("a", "", o.name);
      a.href = officeUrl(o.office);
      first.appendChild(a);
      tr.appendChild(first);
      [o.rank_wait, o.rank_satisfaction].forEach(function (r) {
        var td = el("td");
        td.appendChild(el("span", "rank" + (r === 1 ? " r1" : ""), r === null ? "—" : r));
        tr.appendChild(td);
      });
      [V.num(o.issued), V.num(o.served), V.num(o.no_show), V.duration(o.wait_s.avg), V.duration(o.wait_s.p90_estimate),
       V.num(o.wait_s.over_alert), V.duration(o.service_s.avg), V.num(o.satisfaction.votes),
       o.satisfaction.votes ? V.pct(o.satisfaction.satisfied_share, 0) : "—"]
        .forEach(function (v) { tr.appendChild(el("td", "", v)); });
      body.appendChild(tr);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    V.chrome(cfg);
    document.querySelectorAll("[data-period]").forEach(function (b) {
      b.addEventListener("click", function () {
        state.period = b.dataset.period;
        state.to = cfg.today;
        state.from = state.period === "week" ? add(cfg.today, -6) : state.period === "month" ? add(cfg.today, -29) : cfg.today;
        load();
      });
    });
    document.getElementById("show").addEventListener("click", function () {
      state.period = "range";
      state.from = document.getElementById("from").value || state.from;
      state.to = document.getElementById("to").value || state.to;
      load();
    });
    if (window.motcuaLang) window.motcuaLang.onChange(render);
    load();
  });
})();
