/* motcua – the manager's live view of an office (/manage/{office}).
 * The office now comes from /manage/{office}/events (services/live/manager.py): `snapshot`, then `live` after every
 * ticket, counter or vote event. Today's figures come from GET /api/offices/{office}/stats, read again (debounced)
 * when `live` says a ticket or a vote changed, and once more a few seconds later (the figures are a projection
 * that may trail the event by a moment), so the page always shows the API's own numbers.
 * Waits and counters' times tick every second from the server's clock (`at`). */
(function () {
  "use strict";
  var V = window.motcuaView, C = window.motcuaCharts, T = V.t, el = V.el;
  var cfg = V.config();
  var state = { live: null, figures: null, offset: 0, by: "clerk", figuresAt: null, error: null };
  var SOON_MS = 700, AGAIN_MS = 5000, MAX_DELAY_MS = 3000, EVERY_MS = 60000;
  var timers = { soon: null, again: null, firstPendingAt: 0 };
  window.motcuaManager = { state: state, loads: 0 };

  // ------------------------------------------------------------ figures (the API's numbers)

  function loadFigures() {
    timers.firstPendingAt = 0;
    return V.getJSON(cfg.urls.stats).then(function (figures) {
      state.figures = figures;
      state.figuresAt = new Date();
      state.error = null;
      window.motcuaManager.loads += 1;
      renderFigures();
      renderLive();
    }).catch(function (err) {
      state.error = err && err.message;
      renderStatus();
    });
  }

  function figuresSoon() {
    var now = Date.now();
    if (!timers.firstPendingAt) timers.firstPendingAt = now;
    window.clearTimeout(timers.soon);
    window.clearTimeout(timers.again);
    var wait = Math.min(SOON_MS, Math.max(0, timers.firstPendingAt + MAX_DELAY_MS - now));
    timers.soon = window.setTimeout(loadFigures, wait);
    timers.again = window.setTimeout(loadFigures, AGAIN_MS);
  }

  // ------------------------------------------------------------ live state

  function setLive(live) {
    state.live = live;
    state.offset = new Date(live.at).getTime() - Date.now();
    renderLive();
  }

  function now() { return Date.now() + state.offset; }
  function since(iso) { return iso ? (now() - new Date(iso).getTime()) / 1000 : null; }
  function serviceName(code) {
    var s = (cfg.services || []).find(function (x) { return x.code === code; });
    return s ? T(s.name, s.name_en || s.name) : code;
  }
  function threshold() { return (state.live && state.live.wait_alert_s) || cfg.wait_alert_s || 1800; }
  function figure(group, key) { return state.figures && state.figures[group] ? state.figures[group][key] : null; }

  function cell(tr, text, cls) { var td = el("td", cls, text); tr.appendChild(td); return td; }

  function renderQueues() {
    var body = document.querySelector("#queues tbody");
    V.clear(body);
    var limit = threshold();
    (state.live ? state.live.services : []).forEach(function (s) {
      var longest = s.oldest_queued_at ? since(s.oldest_queued_at) : null;
      var tr = el("tr", longest !== null && longest >= limit ? "alert" : "");
      var name = cell(tr, T(s.name, s.name_en || s.name));
      name.appendChild(el("span", "sub", s.code));
      var waiting = cell(tr, V.num(s.waiting), "big");
      waiting.dataset.service = s.code;
      if (s.priority_waiting) waiting.appendChild(el("span", "sub", T("ưu tiên ", "priority ") + s.priority_waiting));
      cell(tr, longest === null ? "—" : V.duration(longest), "longest");
      var f = figure("by_service", s.code);
      cell(tr, f ? V.num(f.issued) : "0");
      cell(tr, f ? V.duration(f.wait_s.avg) : "—");
      cell(tr, f ? V.duration(f.wait_s.p90) : "—");
      body.appendChild(tr);
    });
    document.getElementById("threshold").textContent =
      T("ngưỡng cảnh báo ", "alert threshold ") + V.minutes(limit);
  }

  var STATES = {
    serving: ["Đang phục vụ", "Serving"], called: ["Đang mời", "Calling"],
    paused: ["Tạm dừng", "Paused"], idle: ["Đang trống", "Idle"]
  };

  function renderCounters() {
    var box = V.clear(document.getElementById("counters"));
    (state.live ? state.live.counters : []).forEach(function (c) {
      var tile = el("div", "ctr " + c.state);
      tile.dataset.counter = c.id;
      var head = el("div", "ctr-head");
      head.appendChild(el("span", "ctr-name", c.name));
      var label = STATES[c.state] || [c.state, c.state];
      var pills = el("span", "ctr-pills");
      pills.appendChild(el("span", "pill", T(label[0], label[1])));
      if (c.paused && c.state !== "paused") pills.appendChild(el("span", "pill paused", T("Tạm dừng", "Paused")));
      head.appendChild(pills);
      tile.appendChild(head);
      tile.appendChild(el("div", "ctr-number", c.number || (c.state === "paused" ? T("Tạm dừng", "Paused") : T("Chưa gọi số", "No ticket"))));
      var elapsed = c.since ? since(c.since) : null;
      var sinceText = c.number ? (c.service ? serviceName(c.service) + " · " : "") +
        (elapsed === null ? "" : (c.state === "serving" ? T("phục vụ ", "serving ") : T("mời ", "called ")) + V.duration(elapsed)) : " ";
      tile.appendChild(el("div", "ctr-since", sinceText));
      var fc = figure("by_counter", c.id);
      var clerk = c.clerk || (fc && fc.last_clerk);
      var who = el("div", "ctr-clerk", T("Cán bộ: ", "Clerk: "));
      who.appendChild(el("b", "", clerk || "—"));
      tile.appendChild(who);
      tile.appendChild(el("div", "ctr-today", T("Hôm nay: ", "Today: ") + V.num(fc ? fc.served : 0) + T(" đã phục vụ", " served") +
        (fc && fc.service_s.avg ? " · TB " + V.duration(fc.service_s.avg) : "")));
      // A service far longer than usual today (twice the 90th percentile, and at least 10 minutes) shows in red.
      if (c.state === "serving" && elapsed !== null && elapsed > Math.max(600, 2 * ((fc && fc.service_s.p90) || 0))) tile.classList.add("long");
      box.appendChild(tile);
    });
  }

  function renderAlerts() {
    var box = document.getElementById("alerts");
    var limit = threshold();
    var over = (state.live ? state.live.services : []).filter(function (s) {
      return s.oldest_queued_at && since(s.oldest_queued_at) >= limit;
    });
    box.hidden = !over.length;
    if (!over.length) return;
    V.clear(box);
    box.appendChild(el("span", "dot"));
    box.appendChild(el("span", "", T("Cảnh báo: công dân chờ quá " + V.minutes(limit) + " –",
      "Alert: a citizen has waited over " + V.minutes(limit) + " –")));
    over.forEach(function (s) {
      var item = el("span", "item", T(s.name, s.name_en || s.name) + " " + V.duration(since(s.oldest_queued_at)));
      item.dataset.service = s.code;
      box.appendChild(item);
    });
  }

  function renderLive() {
    renderQueues();
    renderCounters();
    renderAlerts();
    renderKpis();
    renderStatus();
  }

  // ------------------------------------------------------------ today's figures

  function kpi(box, id, value, vi, en, cls, small) {
    var card = el("div", "kpi " + (cls || ""));
    card.id = "kpi-" + id;
    var v = el("div", "kpi-value", value);
    if (small) v.appendChild(el("small", "", small));
    card.appendChild(v);
    card.appendChild(el("div", "kpi-label", T(vi, en)));
    box.appendChild(card);
  }

  function renderKpis() {
    var box = V.clear(document.getElementById("kpis"));
    var f = state.figures || {};
    var w = f.wait_s || {}, s = f.service_s || {};
    var limit = threshold();
    kpi(box, "waiting", V.num(state.live ? state.live.waiting : null), "Đang chờ", "Waiting now", "now");
    kpi(box, "issued", V.num(f.issued), "Đã cấp số", "Issued");
    kpi(box, "served", V.num(f.served), "Đã phục vụ", "Served", "good");
    kpi(box, "no_show", V.num(f.no_show), "Vắng mặt", "No-show", "warn");
    kpi(box, "transferred", V.num(f.transferred), "Chuyển quầy/dịch vụ", "Transferred");
    kpi(box, "cancelled", V.num(f.cancelled), "Huỷ", "Cancelled", "warn");
    kpi(box, "wait", V.duration(w.avg), "Chờ TB · P90 " + V.duration(w.p90), "Avg wait · P90 " + V.duration(w.p90),
      w.p90 >= limit ? "bad" : "");
    kpi(box, "service", V.duration(s.avg), "Phục vụ TB · P90 " + V.duration(s.p90), "Avg service · P90 " + V.duration(s.p90));
  }

  function levels() { return (cfg.levels || []).slice(); }          // best first

  function renderSatisfaction() {
    var f = state.figures;
    var scale = cfg.rating_scale || 5;
    var ratings = (f && f.ratings) || {}, sat = (f && f.satisfaction) || {};
    var share = document.getElementById("sat-share");
    share.textContent = V.pct(sat.satisfied_share);
    share.classList.toggle("low", sat.satisfied_share !== null && sat.satisfied_share !== undefined && sat.satisfied_share < 0.7);
    document.getElementById("sat-note").textContent = sat.votes ?
      T("hài lòng trên " + V.num(sat.votes) + " phiếu · điểm TB " + sat.mean.toFixed(1).replace(".", ",") + "/" + scale,
        "satisfied of " + sat.votes + " votes · mean " + sat.mean.toFixed(1) + "/" + scale) :
      T("Chưa có phiếu đánh giá hôm nay", "No votes yet today");
    var parts = levels().map(function (l) {
      return { value: ratings[String(l.level)] || 0, cls: V.levelClass(l.level, scale), label: T(l.name, l.name_en) };
    });
    C.stack(document.getElementById("sat-chart"), { parts: parts, empty: T("Chưa có phiếu", "No votes yet") });
    var list = V.clear(document.getElementById("sat-levels"));
    levels().forEach(function (l) {
      var n = ratings[String(l.level)] || 0;
      var li = el("li");
      li.dataset.level = l.level;
      li.appendChild(el("span", "sw " + V.levelClass(l.level, scale)));
      li.appendChild(el("span", "", T(l.name, l.name_en)));
      li.appendChild(el("span", "n", V.num(n)));
      li.appendChild(el("span", "pc", sat.votes ? V.pct(n / sat.votes, 0) : ""));
      list.appendChild(li);
    });
  }

  function renderBy() {
    var body = V.clear(document.querySelector("#by tbody"));
    var heads = { clerk: ["Cán bộ", "Clerk"], service: ["Dịch vụ", "Service"], counter: ["Quầy", "Counter"] };
    document.getElementById("by-head").textContent = T(heads[state.by][0], heads[state.by][1]);
    var group = (state.figures && state.figures["by_" + state.by]) || {};
    var keys = Object.keys(group).sort();
    if (!keys.length) {
      var tr = el("tr");
      var td = cell(tr, T("Chưa có số liệu hôm nay", "No figures yet today"), "none");
      td.colSpan = 5;
      body.appendChild(tr);
      return;
    }
    keys.forEach(function (k) {
      var f = group[k], tr = el("tr");
      var name = state.by === "service" ? serviceName(k) : state.by === "counter" ? (f.name || k) : k;
      cell(tr, name);
      cell(tr, V.num(f.served));
      cell(tr, V.duration(f.service_s.avg));
      cell(tr, V.num(f.satisfaction.votes));
      cell(tr, f.satisfaction.votes ? V.pct(f.satisfaction.satisfied_share, 0) : "—");
      body.appendChild(tr);
    });
  }

  function renderFigures() {
    renderKpis();
    renderSatisfaction();
    renderBy();
  }

  // ------------------------------------------------------------ status, links

  var up = false;
  function renderStatus() {
    var box = V.clear(document.getElementById("status"));
    if (state.error) { box.appendChild(el("span", "", T("Không tải được số liệu: ", "Figures unavailable: ") + state.error)); return; }
    box.appendChild(el("span", up ? "ok" : "", up ? "● " + T("Trực tiếp", "Live") : "○ " + T("Đang kết nối…", "Connecting…")));
    if (state.figuresAt) {
      box.appendChild(document.createTextNode(" · " + T("số liệu lúc ", "figures at ") +
        state.figuresAt.toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", second: "2-digit",
          timeZone: cfg.timezone || "Asia/Ho_Chi_Minh" })));
    }
  }

  function links() {
    var x = cfg.urls.exports;
    document.getElementById("x-tickets-xlsx").href = x.tickets_xlsx;
    document.getElementById("x-tickets-csv").href = x.tickets_csv;
    document.getElementById("x-figures-xlsx").href = x.figures_xlsx;
    document.getElementById("x-figures-csv").href = x.figures_csv;
    document.getElementById("x-report").href = cfg.urls.report + "?day=" + cfg.today;
    document.getElementById("nav-report").href = cfg.urls.report + "?day=" + cfg.today;
    document.querySelectorAll("[data-by]").forEach(function (b) {
      b.addEventListener("click", function () {
        state.by = b.dataset.by;
        document.querySelectorAll("[data-by]").forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
        renderBy();
      });
    });
  }

  function start() {
    V.chrome(cfg);
    links();
    renderLive();
    renderFigures();
    var offline = document.getElementById("offline");
    new window.MotcuaStream(cfg.urls.events, {
      events: ["live"],
      onSnapshot: function (s) { setLive(s); figuresSoon(); },
      onEvent: function (name, data) {
        if (name !== "live") return;
        setLive(data);
        if (/^(ticket|rating)\./.test(data.cause || "")) figuresSoon();
      },
      onUp: function () { up = true; offline.hidden = true; renderStatus(); },
      onDown: function () { up = false; offline.hidden = false; renderStatus(); },
      onFatal: function (why) {
        if (why === "forbidden") { state.error = T("không có quyền xem văn phòng này", "not allowed to see this office"); renderStatus(); }
      }
    }).start();
    loadFigures();
    window.setInterval(loadFigures, EVERY_MS);
    window.setInterval(function () { if (state.live) { renderQueues(); renderCounters(); renderAlerts(); } }, 1000);
    if (window.motcuaLang) window.motcuaLang.onChange(function () { renderLive(); renderFigures(); });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
